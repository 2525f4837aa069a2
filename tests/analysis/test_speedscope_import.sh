#!/bin/sh
# The exports in speedscope (the npm package, run in headless Chromium the
# way its own CLI opens a file): both `export --format perfetto` (Chrome
# trace JSON) and `--format speedscope` must import without an error and
# show one profile per vCPU. speedscope is installed at test time into
# BUILD_DIR/npm (never committed); without node, npm, chromium or the
# registry the test skips with a message.
# usage: test_speedscope_import.sh HVTRACE MAKE_REPORT_TRACE BUILD_DIR
set -u
hv=$1 mk=$2 build=$3
skip() { echo "SKIP: $*"; exit 77; }
command -v node >/dev/null 2>&1 || skip "node is missing (Debian: apt-get install nodejs)"
command -v npm >/dev/null 2>&1 || skip "npm is missing (Debian: apt-get install npm)"
chrome=$(command -v chromium || command -v chromium-browser || command -v google-chrome) ||
	skip "chromium is missing (scripts/deps.sh installs Debian's chromium)"
app="$build/npm/node_modules/speedscope/dist/release/index.html"
if [ ! -f "$app" ]; then
	timeout -k 5 300 npm install --no-save --no-audit --no-fund --prefix "$build/npm" speedscope \
		>"$build/npm-speedscope.log" 2>&1 || skip "npm install speedscope failed (see $build/npm-speedscope.log)"
fi
[ -f "$app" ] || skip "the speedscope package has no dist/release/index.html"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# load FILE VCPUS: opens FILE in speedscope; fails on an import error or
# when the profile of vCPU 0 is not what it shows.
load() {
	name=$(basename "$1")
	node -e 'const fs = require("fs"); const [, f, n, o] = process.argv;
		fs.writeFileSync(o, `speedscope.loadFileFromBase64(${JSON.stringify(n)}, ` +
			`${JSON.stringify(fs.readFileSync(f).toString("base64"))})`);' "$1" "$name" "$tmp/$name.js"
	prof=$(mktemp -d "$tmp/profile.XXXXXX")
	timeout -k 5 90 "$chrome" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$prof" --enable-logging=stderr --v=0 --virtual-time-budget=15000 \
		--allow-file-access-from-files --dump-dom "file://$app#localProfilePath=$tmp/$name.js" \
		>"$tmp/$name.dom" 2>"$tmp/$name.log" || { bad "$name: chromium failed"; return; }
	grep -q "Importing as" "$tmp/$name.log" || bad "$name: speedscope did not import it"
	if grep -Eiq "Failed to load format|Uncaught|Something went wrong" "$tmp/$name.log" "$tmp/$name.dom"; then
		bad "$name: import error: $(grep -Eih 'Failed to load format|Uncaught|Something went wrong' "$tmp/$name.log" "$tmp/$name.dom" | head -3)"
	fi
	grep -q "vCPU 0" "$tmp/$name.dom" || bad "$name: speedscope does not show the vCPU 0 profile"
	echo "$name: $(grep -o 'Importing as [^"]*' "$tmp/$name.log" | head -1)"
}

"$mk" x86 "$tmp/hand.hvt" >/dev/null || bad "make_report_trace"
traces="$tmp/hand.hvt"
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	timeout -k 5 60 "$hv" record -q -o "$tmp/demo.hvt" >/dev/null || bad "record the demo guest"
	traces="$traces $tmp/demo.hvt"
fi
for t in $traces; do
	base=$(basename "$t" .hvt)
	# Named plainly: speedscope picks its importer by content, except for
	# names ending .chrome.json (an array is expected there).
	"$hv" export --format perfetto -o "$tmp/$base-trace.json" "$t" || bad "export perfetto $t"
	"$hv" export --format speedscope -o "$tmp/$base.speedscope.json" "$t" || bad "export speedscope $t"
	load "$tmp/$base-trace.json"
	load "$tmp/$base.speedscope.json"
done
[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "PASS: exports import in speedscope $(node -p "require('$build/npm/node_modules/speedscope/package.json').version")"
