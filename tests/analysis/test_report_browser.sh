#!/bin/sh
# The report in a real browser: headless Chromium loads each page and
# report_check.js fails on a page error or on any figure that differs from
# `hvtrace stats --json` of the same trace (and, for hand-built traces,
# from the figures they were built with). Traces: hand-built x86 and arm64
# ones (make_report_trace), the demo guest recorded on KVM (when /dev/kvm
# works), and A vs B. Also: the page loads nothing from the network, and
# report never overwrites a file without --force.
# usage: test_report_browser.sh HVTRACE MAKE_REPORT_TRACE CHECK_JS
set -u
hv=$1 mk=$2 check=$3
skip() { echo "SKIP: $*"; exit 77; }
command -v node >/dev/null 2>&1 || skip "node is missing (Debian: apt-get install nodejs)"
chrome=$(command -v chromium || command -v chromium-browser || command -v google-chrome) ||
	skip "chromium is missing (scripts/deps.sh installs Debian's chromium)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# Headless flags for root in a container; a fresh profile each time.
dump_dom() {
	prof=$(mktemp -d "$tmp/profile.XXXXXX")
	timeout -k 5 90 "$chrome" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$prof" --virtual-time-budget=10000 --dump-dom "file://$1" \
		2>"$tmp/chrome.err"
}

# stats_dir TRACE DIR: stats --json --by kind|port|address|vcpu into DIR.
stats_dir() {
	mkdir -p "$2"
	for by in kind port address vcpu; do
		"$hv" stats --json --by $by "$1" >"$2/$by.json" || bad "stats --by $by $1"
	done
}

# check_page NAME SIDE=DIR[,EXPECTED]...: report_check.js on NAME.html's DOM.
check_page() {
	name=$1
	shift
	dump_dom "$tmp/$name.html" >"$tmp/$name.dom" || { bad "$name: chromium failed"; cat "$tmp/chrome.err"; return; }
	if grep -q "Uncaught" "$tmp/chrome.err"; then bad "$name: $(grep Uncaught "$tmp/chrome.err")"; fi
	node "$check" "$tmp/$name.dom" "$@" || bad "$name: figures differ"
	# Self-contained: no resource from elsewhere.
	if grep -Eq '<(script|link|img|iframe)[^>]+(src|href)=' "$tmp/$name.html"; then
		bad "$name: the page loads an external resource"
	fi
}

for kind in x86 arm64; do
	"$mk" $kind "$tmp/$kind.hvt" >"$tmp/$kind.expected.json" || bad "make_report_trace $kind"
	"$hv" report -o "$tmp/$kind.html" "$tmp/$kind.hvt" || bad "report $kind"
	stats_dir "$tmp/$kind.hvt" "$tmp/$kind.stats"
	check_page $kind "a=$tmp/$kind.stats,$tmp/$kind.expected.json"
done

b=arm64
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	timeout -k 5 60 "$hv" record -q -o "$tmp/demo.hvt" >/dev/null || bad "record the demo guest"
	"$hv" report -o "$tmp/demo.html" "$tmp/demo.hvt" || bad "report demo"
	stats_dir "$tmp/demo.hvt" "$tmp/demo.stats"
	check_page demo "a=$tmp/demo.stats"
	b=demo
else
	echo "note: /dev/kvm not usable: the recorded demo trace is left out"
fi

# A vs B, side by side.
"$hv" report -o "$tmp/ab.html" "$tmp/x86.hvt" "$tmp/$b.hvt" || bad "report A B"
check_page ab "a=$tmp/x86.stats" "b=$tmp/$b.stats"

# Never overwrite silently: refuse (73) and leave the file as it was.
echo keep >"$tmp/exists.html"
"$hv" report -o "$tmp/exists.html" "$tmp/x86.hvt" 2>"$tmp/err"
[ $? -eq 73 ] || bad "report over an existing file did not exit 73"
[ "$(cat "$tmp/exists.html")" = keep ] || bad "report changed an existing file without --force"
grep -q "exists" "$tmp/err" || bad "report did not say why it refused"
"$hv" report --force -o "$tmp/exists.html" "$tmp/x86.hvt" 2>/dev/null || bad "report --force failed"
grep -q "hvt-data-a" "$tmp/exists.html" || bad "report --force did not replace the file"

[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "PASS: reports load in $("$chrome" --version 2>/dev/null | head -1) with every figure equal to stats --json"
