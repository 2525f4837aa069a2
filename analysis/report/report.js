// hvtrace report: draws the data that `hvtrace report` embedded in this page
// (script elements #hvt-data-a and, for two traces, #hvt-data-b). No network,
// no libraries: SVG and tables built as strings.
//
// Every figure shown from the data carries data-fig="SIDE.SECTION.KEY.FIELD"
// and data-v (the exact value from the data), so a test can read the page
// back and compare it with `hvtrace stats --json` (tests/analysis/). When
// drawing is done, <html data-rendered="ok">; errors are listed in
// #hvt-errors.
'use strict';

const errors = [];
window.addEventListener('error', (e) => {
  errors.push(String(e.message || e));
  const el = document.getElementById('hvt-errors');
  if (el) { el.textContent = errors.join('\n'); el.hidden = false; }
});

const KIND_COLORS = {
  'pio-out': '#4e79a7', 'pio-in': '#a0cbe8', 'mmio-write': '#f28e2b', 'mmio-read': '#ffbe7d',
  'halt': '#bab0ac', 'hypercall': '#59a14f', 'timer': '#b07aa1', 'kick': '#e15759',
  'debug': '#9c755f', 'shutdown': '#d37295', 'internal-error': '#ff0000',
  'irq-window': '#8cd17d', 'sysreg': '#76b7b2', 'unknown': '#79706e'
};
const SIDE_COLORS = { a: '#4e79a7', b: '#e15759' };

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;',
    '"': '&quot;', "'": '&#39;' }[c]));
}
function kindColor(k) { return KIND_COLORS[k] || '#888'; }

// Numbers as people read them. The test parses these back (report_check.js).
function fmtCount(n) {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
function fmtNs(ns) {
  if (ns === null || ns === undefined) return 'n/a';
  if (ns < 1e3) return ns.toFixed(0) + ' ns';
  if (ns < 1e6) return (ns / 1e3).toFixed(2) + ' µs';
  if (ns < 1e9) return (ns / 1e6).toFixed(2) + ' ms';
  return (ns / 1e9).toFixed(3) + ' s';
}
function fmtPct(p) { return p === null || p === undefined ? 'n/a' : p.toFixed(2) + '%'; }
function fmtRate(r) { return r === null || r === undefined ? 'n/a' : r.toFixed(1) + '/s'; }
const FORMATS = { count: fmtCount, ns: fmtNs, pct: fmtPct, rate: fmtRate };

// A table cell holding one figure of the data.
function fig(side, path, value, fmt, cls) {
  const v = value === null || value === undefined ? 'null' : String(value);
  return `<td class="num ${cls || ''}" data-fig="${esc(side + '.' + path)}" data-v="${esc(v)}">` +
    `${esc(FORMATS[fmt](value))}</td>`;
}

// Relative change B vs A; a cell marked when it passes 10% or a side is missing.
function change(a, b) {
  if (a === undefined || a === null || b === undefined || b === null) {
    return '<td class="num changed">only in ' + (a === undefined || a === null ? 'B' : 'A') + '</td>';
  }
  if (a === 0 && b === 0) return '<td class="num">=</td>';
  const pct = a === 0 ? Infinity : (b - a) / a * 100;
  const big = !isFinite(pct) || Math.abs(pct) >= 10;
  const txt = !isFinite(pct) ? 'new' : (pct >= 0 ? '+' : '') + pct.toFixed(1) + '%';
  return `<td class="num ${big ? 'changed' : ''}">${txt}</td>`;
}

function section(title, body, note) {
  return `<section><h2>${esc(title)}</h2>${note ? `<p class="note">${note}</p>` : ''}${body}</section>`;
}

// ---------------------------------------------------------------- summary
const SUMMARY = [
  ['wall time', 'wall_ns', 'ns'], ['exits', 'exits', 'count'], ['exit rate', 'exits_per_s', 'rate'],
  ['guest time', 'guest_ns', 'ns'], ['guest share per vCPU', 'guest_pct', 'pct'],
  ['vCPUs', 'vcpus', 'count'], ['events', 'events', 'count']
];

function dataState(d) {
  if (!d.truncated && !d.footer_missing) return 'complete';
  let s = d.truncated ? `TRUNCATED: ${fmtCount(d.lost_bytes)} bytes lost` +
    (d.lost_events === null ? '' : ` (${fmtCount(d.lost_events)} events)`) : '';
  if (d.footer_missing) s += (s ? '; ' : '') + 'footer missing';
  return s;
}

function summary(sides) {
  let h = '<table class="summary"><tr><th></th>' +
    sides.map((s) => `<th class="side-${s.id}">${esc(s.label)}</th>`).join('') +
    (sides.length > 1 ? '<th>change</th>' : '') + '</tr>';
  for (const [label, field, fmt] of SUMMARY) {
    h += `<tr><th>${esc(label)}</th>` +
      sides.map((s) => fig(s.id, 'summary.' + field, s.d[field], fmt)).join('') +
      (sides.length > 1 ? change(sides[0].d[field], sides[1].d[field]) : '') + '</tr>';
  }
  h += '<tr><th>data</th>' + sides.map((s) =>
    `<td class="${dataState(s.d) === 'complete' ? '' : 'changed'}">${esc(dataState(s.d))}</td>`).join('') +
    (sides.length > 1 ? '<td></td>' : '') + '</tr>';
  h += '<tr><th>backend</th>' + sides.map((s) => `<td>${esc(s.d.backend)} (${esc(s.d.arch)})</td>`).join('') +
    (sides.length > 1 ? '<td></td>' : '') + '</tr></table>';
  return section('Summary', h, 'Wall time runs from the first to the last event. Guest time is ' +
    'the last exec-time sample of each vCPU, summed; its share is per vCPU of the wall time.');
}

// ----------------------------------------------------------- row tables
// cols: [header, field, format]; rows keyed by row.key, union over sides.
function rowTable(sides, section_, table, cols, opts) {
  const keys = [];
  for (const s of sides) for (const r of s.d[table].rows) if (!keys.includes(r.key)) keys.push(r.key);
  if (opts && opts.sortKeys) keys.sort(opts.sortKeys);
  const two = sides.length > 1;
  let h = '<table class="rows"><tr><th>' + esc(opts.head) + '</th>';
  for (const [head] of cols) {
    h += two ? `<th colspan="3">${esc(head)}</th>` : `<th>${esc(head)}</th>`;
  }
  h += '</tr>';
  if (two) {
    h += '<tr><th></th>' + cols.map(() => '<th class="side-a">A</th><th class="side-b">B</th><th>change</th>').join('') + '</tr>';
  }
  const line = (key, rowsBySide, cls) => {
    let t = `<tr class="${cls || ''}"><th>` + (opts.swatch && key !== 'total' ? `<span class="sw" style="background:${kindColor(key)}"></span>` : '') +
      `${esc(key)}</th>`;
    for (const [, field, fmt] of cols) {
      sides.forEach((s, i) => {
        const r = rowsBySide[i];
        t += r ? fig(s.id, `${section_}.${key}.${field}`, r[field], fmt) : '<td class="num missing">-</td>';
      });
      if (two) t += change(rowsBySide[0] ? rowsBySide[0][field] : undefined, rowsBySide[1] ? rowsBySide[1][field] : undefined);
    }
    return t + '</tr>';
  };
  for (const key of keys) h += line(key, sides.map((s) => s.d[table].rows.find((r) => r.key === key)));
  if (!opts.noTotal) h += line('total', sides.map((s) => s.d[table].total), 'total');
  return h + '</table>';
}

const KIND_COLS = [['exits', 'samples', 'count'], ['exits %', 'samples_pct', 'pct'],
  ['time %', 'time_pct', 'pct'], ['min', 'min_ns', 'ns'], ['avg', 'avg_ns', 'ns'],
  ['p50', 'p50_ns', 'ns'], ['p99', 'p99_ns', 'ns'], ['max', 'max_ns', 'ns'], ['rate', 'rate_per_s', 'rate']];
const KIND_COLS_2 = [['exits', 'samples', 'count'], ['time %', 'time_pct', 'pct'],
  ['avg', 'avg_ns', 'ns'], ['p99', 'p99_ns', 'ns']];
const TOP_COLS = [['exits', 'samples', 'count'], ['exits %', 'samples_pct', 'pct'],
  ['avg', 'avg_ns', 'ns'], ['p99', 'p99_ns', 'ns'], ['max', 'max_ns', 'ns']];
const TOP_COLS_2 = [['exits', 'samples', 'count'], ['avg', 'avg_ns', 'ns'], ['p99', 'p99_ns', 'ns']];

function kindsSection(sides) {
  const cols = sides.length > 1 ? KIND_COLS_2 : KIND_COLS;
  return section('Exits by kind', rowTable(sides, 'kinds', 'kinds', cols, { head: 'kind', swatch: true }),
    'Handling time: from the exit to the next entry (the VMM\'s work; a halt includes the wait ' +
    'for the next interrupt). Percentiles are nearest-rank, exact up to 4096 exits per row.' +
    (sides.length > 1 ? ' Changes of 10% or more are <span class="changed">marked</span>.' : ''));
}

function topSection(sides, title, table, head) {
  const cols = sides.length > 1 ? TOP_COLS_2 : TOP_COLS;
  const n = sides.map((s) => s.d[table].nrows);
  if (n.every((x) => x === 0)) return '';
  const shown = sides.map((s) => `${s.d[table].rows.length} of ${s.d[table].nrows}`).join(' / ');
  return section(title, rowTable(sides, table, table, cols, { head }),
    `Most frequent first; ${shown} shown.`);
}

function vcpuSection(sides) {
  const cols = [['exits', 'samples', 'count'], ['exits %', 'samples_pct', 'pct'],
    ['rate', 'rate_per_s', 'rate'], ['avg', 'avg_ns', 'ns'], ['p99', 'p99_ns', 'ns']];
  const two = sides.length > 1;
  // Guest time and interrupts per vCPU ride along as extra rows' fields.
  for (const s of sides) {
    for (const r of s.d.vcpu_rows.rows) {
      const v = Number(r.key.replace('vcpu', ''));
      const g = s.d.guest.find((x) => x.vcpu === v);
      r.guest_ns = g ? g.guest_ns : null;
      r.guest_pct = g ? g.guest_pct : null;
      const lane = s.d.timeline.lanes.find((l) => l.vcpu === v);
      r.irqs = lane ? lane.irqs.reduce((a, b) => a + b, 0) : 0;
    }
    const t = s.d.vcpu_rows.total;
    t.guest_ns = s.d.guest_ns;
    t.guest_pct = s.d.guest_pct;
    t.irqs = s.d.irqs_total;
  }
  const extra = two ? [] : [['guest time', 'guest_ns', 'ns'], ['guest share', 'guest_pct', 'pct'],
    ['interrupts', 'irqs', 'count']];
  if (two) cols.splice(1, 2); // A, B and change per column: keep the table within the page
  const byIndex = (x, y) => Number(x.replace('vcpu', '')) - Number(y.replace('vcpu', ''));
  return section('Per vCPU', rowTable(sides, 'vcpus', 'vcpu_rows', cols.concat(extra),
    { head: 'vCPU', sortKeys: byIndex }), 'Guest share: the vCPU\'s guest time over the trace\'s wall time.');
}

function arm64Section(sides) {
  if (!sides.some((s) => s.d.ec.length)) return '';
  let h = '<div class="cols">';
  for (const s of sides) {
    h += `<div>${sides.length > 1 ? `<h3 class="side-${s.id}">${esc(s.label)}</h3>` : ''}`;
    for (const [title, list, total] of [['exception class', s.d.ec, s.d.ec_rows],
      ['system register', s.d.sysreg, s.d.sysreg_rows]]) {
      if (!list.length) continue;
      h += `<table class="rows"><tr><th>${title}</th><th>exits</th><th>avg</th><th>p50</th><th>p99</th><th>max</th></tr>`;
      for (const r of list) {
        const p = (title === 'exception class' ? 'ec.' : 'sysreg.') + r.key;
        h += `<tr><th>${esc(r.key)} <span class="code">0x${r.code.toString(16)}</span></th>` +
          fig(s.id, p + '.samples', r.samples, 'count') + fig(s.id, p + '.avg_ns', r.avg_ns, 'ns') +
          fig(s.id, p + '.p50_ns', r.p50_ns, 'ns') + fig(s.id, p + '.p99_ns', r.p99_ns, 'ns') +
          fig(s.id, p + '.max_ns', r.max_ns, 'ns') + '</tr>';
      }
      h += `</table><p class="note">${list.length} of ${total} shown.</p>`;
    }
    h += '</div>';
  }
  return section('arm64: exception classes and system registers', h + '</div>',
    'From the syndrome (ESR) of each Hypervisor.framework exit.');
}

// --------------------------------------------------------------- timeline
function niceTicks(max, n) {
  if (!(max > 0)) return [0];
  const raw = max / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const out = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) out.push(v);
  return out;
}
function fmtAxisNs(ns) {
  const u = ns < 1e3 ? [1, ' ns'] : ns < 1e6 ? [1e3, ' µs'] : ns < 1e9 ? [1e6, ' ms'] : [1e9, ' s'];
  return parseFloat((ns / u[0]).toPrecision(3)) + u[1];
}
function fmtAxisRate(v) {
  if (v >= 1e6) return (v / 1e6).toFixed(v % 1e6 ? 1 : 0) + 'M/s';
  if (v >= 1e3) return (v / 1e3).toFixed(v % 1e3 ? 1 : 0) + 'k/s';
  return v.toFixed(0) + '/s';
}

function laneSvg(d, lane, kinds, width) {
  const tl = d.timeline, H = 120, IRQ = 18, L = 58, R = 8, T = 8, B = 22;
  const W = width - L - R, bins = tl.bins, bw = W / bins;
  const perS = 1e9 / tl.bin_ns;
  const totals = new Array(bins).fill(0);
  for (const k of kinds) if (lane.exits[k]) lane.exits[k].forEach((c, i) => { totals[i] += c; });
  const ticks = niceTicks(Math.max(...totals) * perS, 4);
  const ymax = ticks[ticks.length - 1] || 1;
  const y = (v) => T + H - v / ymax * H;
  let s = `<svg class="lane" viewBox="0 0 ${width} ${T + H + IRQ + B}" width="100%" role="img">`;
  for (const t of ticks) {
    s += `<line x1="${L}" x2="${L + W}" y1="${y(t)}" y2="${y(t)}" class="grid"/>` +
      `<text x="${L - 4}" y="${y(t) + 4}" class="axis" text-anchor="end">${fmtAxisRate(t)}</text>`;
  }
  const base = new Array(bins).fill(0);
  for (const k of kinds) {
    const c = lane.exits[k];
    if (!c) continue;
    let path = '';
    c.forEach((n, i) => {
      if (!n) return;
      const y0 = y(base[i] * perS), y1 = y((base[i] + n) * perS);
      path += `M${(L + i * bw).toFixed(2)} ${y0.toFixed(2)}V${y1.toFixed(2)}h${bw.toFixed(2)}V${y0.toFixed(2)}z`;
      base[i] += n;
    });
    s += `<path d="${path}" fill="${kindColor(k)}"><title>${esc(k)}</title></path>`;
  }
  // Interrupts: a strip under the bars, darker for more.
  const imax = Math.max(1, ...lane.irqs);
  lane.irqs.forEach((n, i) => {
    if (n) {
      s += `<rect x="${(L + i * bw).toFixed(2)}" y="${T + H + 7}" width="${Math.max(bw, 1).toFixed(2)}" ` +
        `height="${IRQ - 9}" fill="#333" fill-opacity="${(0.25 + 0.75 * n / imax).toFixed(2)}">` +
        `<title>${fmtCount(n)} interrupts</title></rect>`;
    }
  });
  s += `<text x="${L - 4}" y="${T + H + IRQ - 4}" class="axis" text-anchor="end">irq</text>`;
  const span = tl.bin_ns * bins;
  for (const t of niceTicks(span, 6)) {
    const x = L + t / span * W;
    if (x > L + W + 0.5) continue;
    s += `<line x1="${x}" x2="${x}" y1="${T + H + IRQ}" y2="${T + H + IRQ + 4}" class="tick"/>` +
      `<text x="${x}" y="${T + H + IRQ + 16}" class="axis" text-anchor="middle">${fmtAxisNs(t)}</text>`;
  }
  // Markers of this vCPU: dashed lines with their label.
  d.markers.filter((m) => m.vcpu === lane.vcpu).forEach((m, i) => {
    const x = L + (m.time_ns - tl.t0_ns) / span * W;
    const name = m.label || `marker ${m.id}`;
    const right = x > L + W * 0.8; // label on the line's left near the right edge
    s += `<line x1="${x}" x2="${x}" y1="${T}" y2="${T + H}" class="marker"/>` +
      `<text x="${right ? x - 3 : x + 3}" y="${T + 10 + (i % 4) * 11}" class="mlabel" ` +
      `text-anchor="${right ? 'end' : 'start'}">${esc(name)}</text>`;
  });
  return s + `<line x1="${L}" x2="${L + W}" y1="${T + H}" y2="${T + H}" class="tick"/></svg>`;
}

function timelineFor(side, width) {
  const d = side.d, kinds = new Set();
  for (const l of d.timeline.lanes) for (const k of Object.keys(l.exits)) kinds.add(k);
  const order = d.kinds.rows.map((r) => r.key).filter((k) => kinds.has(k));
  let h = '<div class="legend">' + order.map((k) =>
    `<span><span class="sw" style="background:${kindColor(k)}"></span>${esc(k)}</span>`).join('') +
    '<span><span class="sw" style="background:#333"></span>interrupts</span>' +
    '<span><span class="sw dash"></span>markers</span></div>';
  for (const l of d.timeline.lanes) {
    h += `<div class="lanehead">vCPU ${l.vcpu}</div>` + laneSvg(d, l, order, width);
  }
  const note = d.markers_total > d.markers.length ?
    `<p class="note">${d.markers.length} of ${fmtCount(d.markers_total)} markers drawn (the earliest).</p>` : '';
  return h + note;
}

function timelineSection(sides) {
  const width = sides.length > 1 ? 560 : 1100;
  const bin = sides.map((s) => fmtNs(s.d.timeline.bin_ns)).join(' / ');
  let h = '<div class="cols">';
  for (const s of sides) {
    h += `<div>${sides.length > 1 ? `<h3 class="side-${s.id}">${esc(s.label)}</h3>` : ''}${timelineFor(s, width)}</div>`;
  }
  return section('Exit rate over time', h + '</div>',
    `Exits per second in ${sides[0].d.timeline.bins} bins of ${bin}, per vCPU, stacked by kind; ` +
    'interrupts injected in each bin below; markers as dashed lines.');
}

// ------------------------------------------------------------- histograms
function histSvg(side, kind, width) {
  const d = side.d, h = d.hist[kind], row = d.kinds.rows.find((r) => r.key === kind);
  const H = 90, L = 44, R = 8, T = 16, B = 22, W = width - L - R;
  // Log2 buckets: bucket b holds [2^(b-1), 2^b) ns; x is log2 of ns.
  const lo = Math.max(0, h.first - 1), hi = h.first + h.counts.length + 1;
  const x = (ns) => L + (Math.log2(Math.max(ns, 1)) - lo) / (hi - lo) * W;
  const peak = Math.max(...h.counts);
  let s = `<svg class="hist" viewBox="0 0 ${width} ${T + H + B}" width="100%" role="img">` +
    `<text x="${L}" y="11" class="htitle"><tspan fill="${kindColor(kind)}">■</tspan> ${esc(kind)} ` +
    `<tspan class="axis">(${fmtCount(row.samples)} exits)</tspan></text>`;
  h.counts.forEach((c, i) => {
    const b = h.first + i, x0 = x(b === 0 ? 1 : Math.pow(2, b - 1)), x1 = x(Math.pow(2, b));
    const bh = c / peak * H;
    if (c) {
      s += `<rect x="${(x0 + 0.5).toFixed(1)}" y="${(T + H - bh).toFixed(1)}" width="${Math.max(x1 - x0 - 1, 1).toFixed(1)}" ` +
        `height="${bh.toFixed(1)}" fill="${kindColor(kind)}"><title>${fmtCount(c)} exits in ` +
        `[${fmtNs(b === 0 ? 0 : Math.pow(2, b - 1))}, ${fmtNs(Math.pow(2, b))})</title></rect>`;
    }
  });
  for (let e = Math.ceil(lo / 3.3219) ; Math.pow(10, e) <= Math.pow(2, hi); e++) {
    const xx = x(Math.pow(10, e));
    if (xx < L - 0.5) continue;
    s += `<line x1="${xx}" x2="${xx}" y1="${T + H}" y2="${T + H + 4}" class="tick"/>` +
      `<text x="${xx}" y="${T + H + 16}" class="axis" text-anchor="middle">${fmtAxisNs(Math.pow(10, e))}</text>`;
  }
  for (const [name, v, dy] of [['p50', row.p50_ns, 0], ['p99', row.p99_ns, 11]]) {
    const xx = x(v);
    s += `<line x1="${xx}" x2="${xx}" y1="${T}" y2="${T + H}" class="pline"/>` +
      `<text x="${xx + 3}" y="${T + 9 + dy}" class="plabel">${name} ${esc(fmtNs(v))}</text>`;
  }
  return s + `<line x1="${L}" x2="${L + W}" y1="${T + H}" y2="${T + H}" class="tick"/></svg>`;
}

function histSection(sides) {
  const width = sides.length > 1 ? 560 : 540;
  let h = '<div class="cols">';
  for (const s of sides) {
    h += `<div>${sides.length > 1 ? `<h3 class="side-${s.id}">${esc(s.label)}</h3>` : ''}<div class="${sides.length > 1 ? '' : 'grid2'}">`;
    for (const r of s.d.kinds.rows) h += `<div>${histSvg(s, r.key, width)}</div>`;
    h += '</div></div>';
  }
  return section('Handling time per kind', h + '</div>',
    'Log2 buckets of handling time on a log axis; lines at p50 and p99.');
}

// ------------------------------------------------------------------- page
function load(id, label) {
  const el = document.getElementById(id);
  return el ? { id: id.slice(-1), label, d: JSON.parse(el.textContent) } : null;
}

function render() {
  const a = load('hvt-data-a', 'A'), b = load('hvt-data-b', 'B');
  const sides = b ? [a, b] : [a];
  if (!b) a.label = a.d.trace;
  else { a.label = 'A: ' + a.d.trace; b.label = 'B: ' + b.d.trace; }
  document.title = 'hvtrace report: ' + sides.map((s) => s.d.trace).join(' vs ');
  const head = `<header><h1>hvtrace report</h1><p>${sides.map((s) =>
    `<span class="side-${s.id}">${esc(s.label)}</span>`).join(' <b>vs</b> ')}</p></header>`;
  document.getElementById('app').innerHTML = head + summary(sides) + timelineSection(sides) +
    kindsSection(sides) + histSection(sides) + topSection(sides, 'Top ports', 'ports', 'port') +
    topSection(sides, 'Top MMIO addresses', 'addresses', 'address') + arm64Section(sides) +
    vcpuSection(sides);
  document.documentElement.dataset.rendered = errors.length ? 'error' : 'ok';
}

try {
  render();
} catch (e) {
  errors.push(String(e && e.stack || e));
  const el = document.getElementById('hvt-errors');
  el.textContent = errors.join('\n');
  el.hidden = false;
  document.documentElement.dataset.rendered = 'error';
}
