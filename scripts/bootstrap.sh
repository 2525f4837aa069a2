#!/usr/bin/env bash
# The README's first command: install what is missing, build, then the three
# jobs on the embedded demo guest: record it on KVM, replay the trace and
# compare the console output byte for byte, and print its exit statistics.
set -euo pipefail
HVT_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$HVT_ROOT/scripts/deps.sh"

hvt_install_deps
hvt_build "$HVT_ROOT/build"
bin="$HVT_ROOT/build/bin/hvtrace"
out="$HVT_ROOT/build/demo"

echo "== hvtrace record -o build/demo.hvt   (the demo guest's console follows)" >&2
"$bin" record -o "$out.hvt" | tee "$out.record.txt"
echo "== hvtrace check build/demo.hvt" >&2
"$bin" check "$out.hvt"
echo "== hvtrace replay build/demo.hvt   (the same console output, from the trace alone)" >&2
"$bin" replay "$out.hvt" | tee "$out.replay.txt"
if cmp -s "$out.record.txt" "$out.replay.txt"; then
	echo "== replay output is byte-identical to the recording's" >&2
else
	echo "== replay output DIFFERS from the recording's:" >&2
	diff "$out.record.txt" "$out.replay.txt" >&2 || true
	exit 1
fi
echo "== hvtrace stats build/demo.hvt" >&2
"$bin" stats "$out.hvt"
