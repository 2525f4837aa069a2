#!/usr/bin/env bash
# The README's first command: install what is missing, build, then the three
# jobs on the embedded demo guest: record it on KVM, replay the trace and
# compare the console output byte for byte, and print its exit statistics.
# Then the same for the arm64 demo on the Hypervisor.framework backend (the
# Unicorn stand-in on Linux) when this build has it.
set -euo pipefail
HVT_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$HVT_ROOT/scripts/deps.sh"

hvt_install_deps
hvt_build "$HVT_ROOT/build"
bin="$HVT_ROOT/build/bin/hvtrace"

# demo NAME [RECORD OPTIONS]: record build/NAME.hvt, check, replay, compare
# the console byte for byte, stats.
demo() {
	local name=$1 out="$HVT_ROOT/build/$1"
	shift
	echo "== hvtrace record $* -o build/$name.hvt   (the demo guest's console follows)" >&2
	"$bin" record "$@" -o "$out.hvt" | tee "$out.record.txt"
	echo "== hvtrace check build/$name.hvt" >&2
	"$bin" check "$out.hvt"
	echo "== hvtrace replay build/$name.hvt   (the same console output, from the trace alone)" >&2
	"$bin" replay "$out.hvt" | tee "$out.replay.txt"
	if cmp -s "$out.record.txt" "$out.replay.txt"; then
		echo "== replay output is byte-identical to the recording's" >&2
	else
		echo "== replay output DIFFERS from the recording's:" >&2
		diff "$out.record.txt" "$out.replay.txt" >&2 || true
		exit 1
	fi
	echo "== hvtrace stats build/$name.hvt" >&2
	"$bin" stats "$out.hvt"
}

demo demo
# arm64: only where the HVF backend and the arm64 demo guest were built
# (libunicorn-dev and gcc-aarch64-linux-gnu on Linux).
probe_trace=$(mktemp)
if probe=$("$bin" record -q --backend hvf -o "$probe_trace" 2>&1 >/dev/null); then
	rm -f "$probe_trace"
	demo demo-arm64 --backend hvf
else
	rm -f "$probe_trace"
	echo "== arm64 demo skipped: $probe" >&2
fi
