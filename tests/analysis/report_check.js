// report_check.js DOM SIDE=STATSDIR[,EXPECTED] ...
//
// Reads the DOM of an `hvtrace report` page as headless Chromium rendered it
// (--dump-dom) and fails unless every figure the page shows equals the one
// `hvtrace stats --json` printed for the same trace: STATSDIR holds
// kind.json, port.json, address.json and vcpu.json (stats --by X --json).
// SIDE is "a" (or "b" for the second trace of `report A B`). EXPECTED, for
// hand-built traces, holds figures known in advance (make_report_trace).
// Exit 0 when all match, 1 with every difference listed.
'use strict';
const fs = require('fs');

const fails = [];
function fail(msg) { fails.push(msg); }

function unescapeHtml(s) {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

// Every data-fig cell: path -> {v: data-v, text: what a reader sees}.
function readFigures(dom) {
  const figs = new Map();
  const re = /<td[^>]*?data-fig="([^"]*)"[^>]*?data-v="([^"]*)"[^>]*>([^<]*)<\/td>/g;
  for (let m; (m = re.exec(dom));) {
    const path = unescapeHtml(m[1]);
    if (figs.has(path)) fail(`figure ${path} shown twice`);
    figs.set(path, { v: unescapeHtml(m[2]), text: unescapeHtml(m[3]) });
  }
  return figs;
}

// The text must say the value: counts exactly, others to their rounding.
function textMatches(text, v) {
  if (v === null) return text === 'n/a';
  let m;
  if ((m = /^(-?[\d,]+)$/.exec(text))) return Number(m[1].replace(/,/g, '')) === Math.round(v);
  if ((m = /^(-?[\d.]+)%$/.exec(text))) return Math.abs(Number(m[1]) - v) <= 0.0051;
  if ((m = /^(-?[\d.]+)\/s$/.exec(text))) return Math.abs(Number(m[1]) - v) <= 0.051;
  if ((m = /^([\d.]+) (ns|µs|ms|s)$/.exec(text))) {
    const scale = { ns: 1, 'µs': 1e3, ms: 1e6, s: 1e9 }[m[2]];
    const digits = m[1].includes('.') ? m[1].split('.')[1].length : 0;
    return Math.abs(Number(m[1]) * scale - v) <= 0.51 * Math.pow(10, -digits) * scale;
  }
  return false;
}

function expectFig(figs, path, want) {
  const f = figs.get(path);
  if (!f) { fail(`${path}: not shown (stats says ${want})`); return; }
  const got = f.v === 'null' ? null : Number(f.v);
  if (got !== want) fail(`${path}: page has ${f.v}, stats --json has ${want}`);
  if (!textMatches(f.text, want)) fail(`${path}: text "${f.text}" does not say ${want}`);
}

const SUMMARY = ['wall_ns', 'exits', 'exits_per_s', 'guest_ns', 'guest_pct', 'vcpus'];
const FIELDS = {
  kinds: ['samples', 'samples_pct', 'time_pct', 'min_ns', 'avg_ns', 'p50_ns', 'p99_ns', 'max_ns', 'rate_per_s'],
  ports: ['samples', 'samples_pct', 'avg_ns', 'p99_ns', 'max_ns'],
  addresses: ['samples', 'samples_pct', 'avg_ns', 'p99_ns', 'max_ns'],
  vcpus: ['samples', 'samples_pct', 'rate_per_s', 'avg_ns', 'p99_ns']
};
const TOP = 10; // AN_REPORT_TOP

function checkTable(figs, side, section, stats, limit, two) {
  // The page leaves out a top table no exit falls in (no port exits).
  if (section !== 'kinds' && section !== 'vcpus' && stats.rows.length === 0) {
    for (const path of figs.keys()) if (path.startsWith(`${side}.${section}.`)) fail(`${path}: shown, but stats has no rows`);
    return;
  }
  const rows = limit ? stats.rows.slice(0, limit) : stats.rows;
  // In the A/B page some columns are left out; check those shown.
  // The A/B page shows fewer columns (each is A, B and change).
  const fields = two ? FIELDS[section].filter((f) => ['samples', 'avg_ns', 'p99_ns', 'time_pct'].includes(f)) :
    FIELDS[section];
  for (const r of rows.concat([stats.total])) {
    for (const field of fields) {
      if (two && section !== 'kinds' && !['samples', 'avg_ns', 'p99_ns'].includes(field)) continue;
      expectFig(figs, `${side}.${section}.${r.key}.${field}`, r[field]);
    }
  }
  // No row the stats do not have (or beyond the top N).
  const keys = new Set(rows.map((r) => r.key).concat(['total']));
  for (const path of figs.keys()) {
    const m = new RegExp(`^${side}\\.${section}\\.(.*)\\.[a-z0-9_]+$`).exec(path);
    if (m && !keys.has(m[1])) fail(`${path}: row ${m[1]} shown but not in stats' top ${limit || 'rows'}`);
  }
}

function checkSide(figs, dom, side, dir, expectedPath, two) {
  const load = (n) => JSON.parse(fs.readFileSync(`${dir}/${n}.json`, 'utf8'));
  const kind = load('kind');
  for (const f of SUMMARY) expectFig(figs, `${side}.summary.${f}`, kind[f]);
  checkTable(figs, side, 'kinds', kind, 0, two);
  checkTable(figs, side, 'ports', load('port'), TOP, two);
  checkTable(figs, side, 'addresses', load('address'), TOP, two);
  checkTable(figs, side, 'vcpus', load('vcpu'), 0, two);
  if (!expectedPath) return;
  const ex = JSON.parse(fs.readFileSync(expectedPath, 'utf8'));
  const num = (p) => (figs.get(`${side}.${p}`) || { v: 'missing' }).v;
  const want = (p, v) => { if (num(p) !== String(v)) fail(`${side}.${p}: page has ${num(p)}, built with ${v}`); };
  want('summary.exits', ex.exits);
  want('summary.vcpus', ex.vcpus);
  want('summary.wall_ns', ex.wall_ns);
  for (const [k, n] of Object.entries(ex.kinds)) want(`kinds.${k}.samples`, n);
  for (const [k, n] of Object.entries(ex.p50)) want(`kinds.${k}.p50_ns`, n);
  for (const [k, n] of Object.entries(ex.ports || {})) want(`ports.${k}.samples`, n);
  for (const [k, n] of Object.entries(ex.ec || {})) want(`ec.${k}.samples`, n);
  for (const [k, n] of Object.entries(ex.sysreg || {})) want(`sysreg.${k}.samples`, n);
  if (ex.irqs !== undefined) want('vcpus.total.irqs', ex.irqs);
  if (ex.markers && !dom.includes('boot&lt;/script&gt;&lt;b&gt;')) {
    fail('the marker label "boot</script><b>" is not drawn as text');
  }
}

function main() {
  const [domPath, ...sides] = process.argv.slice(2);
  const dom = fs.readFileSync(domPath, 'utf8');
  if (!/<html[^>]*data-rendered="ok"/.test(dom)) fail('the page did not finish drawing (data-rendered is not "ok")');
  const err = /<pre id="hvt-errors"[^>]*>([^<]*)<\/pre>/.exec(dom);
  if (err && err[1].trim()) fail('page errors: ' + unescapeHtml(err[1]));
  const figs = readFigures(dom);
  if (figs.size === 0) fail('no figures on the page');
  for (const arg of sides) {
    const [side, rest] = arg.split('=');
    const [dir, expected] = rest.split(',');
    checkSide(figs, dom, side, dir, expected, sides.length > 1);
  }
  if (sides.length > 1 && !/class="num changed"/.test(dom)) fail('A vs B: no difference is marked');
  if (fails.length) {
    console.log(`report_check: ${fails.length} difference(s) in ${domPath}:\n  ` + fails.join('\n  '));
    process.exit(1);
  }
  console.log(`report_check: ${domPath}: ${figs.size} figures equal stats --json`);
}
main();
