#!/usr/bin/env bash
# Corruption sweep: every byte of a small recorded trace flipped in turn.
# `check` must detect each (exit 2, naming an offset); dump, stats and replay
# must refuse or stop cleanly: no signal, no sanitizer report, no hang.
# Usage: test_corruption_sweep.sh HVTRACE GUEST_DIR [FORMAT_VERSION]. The
# recorded trace (format v2) is swept as it is, or first converted to
# FORMAT_VERSION (1: row-coded events) with `hvtrace convert`, so both
# formats get the same sweep. Exits 77 without KVM (recording needs it).
set -u
hvtrace=$1
guests=$2
version=${3:-2}
if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	echo "SKIP: /dev/kvm is missing or not accessible; the sweep records a trace first"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
timeout -k 5 120 "$hvtrace" record -q -o "$tmp/rec.hvt" "$guests/hello" >/dev/null || exit 1
"$hvtrace" convert --format-version "$version" "$tmp/rec.hvt" "$tmp/orig.hvt" || exit 1
"$hvtrace" info "$tmp/orig.hvt" | grep -q "^format: *v$version\." || { echo "not format v$version"; exit 1; }
size=$(stat -c %s "$tmp/orig.hvt")
fails=0
bad() { echo "FAIL offset $1: $2"; fails=$((fails + 1)); }
# A clean stop is an exit status below 128 (no signal) and no sanitizer report.
clean() { [ "$1" -lt 124 ] && ! grep -q "Sanitizer" "$2"; }

for ((off = 0; off < size; off++)); do
	f="$tmp/flip.hvt"
	cp "$tmp/orig.hvt" "$f"
	byte=$(od -An -tu1 -j "$off" -N1 "$f" | tr -d ' ')
	printf "$(printf '\\%03o' $((byte ^ 0xff)))" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
	timeout 20 "$hvtrace" check "$f" >"$tmp/out" 2>&1
	st=$?
	[ $st -eq 2 ] || bad "$off" "check exit $st: $(head -c 200 "$tmp/out")"
	grep -q "offset" "$tmp/out" || bad "$off" "check names no offset: $(head -c 200 "$tmp/out")"
	for cmd in dump stats replay; do
		timeout 20 "$hvtrace" $cmd "$f" >/dev/null 2>"$tmp/err"
		st=$?
		clean $st "$tmp/err" || bad "$off" "$cmd exit $st: $(head -c 300 "$tmp/err")"
	done
done
echo "format v$version: $size offsets swept, $fails failures"
[ $fails -eq 0 ]
