#!/bin/sh
# Recording overhead of `hvtrace record -- COMMAND` on a Hypervisor.framework
# VMM: the test fixture tests/interpose/hvf_vmm.c (3 vCPU threads, N rounds
# of MMIO write + MMIO read + HVC each, K vtimer rounds, kicks) on the
# stand-in, run plainly and under the HVF interposer, alternating order,
# side by side in one run. Prints each round, the medians, the slowdown and
# exits/s both ways. Target (DESIGN.md): exits/s recorded >= 97% of without.
# usage: bench_hvf_interpose.sh HVTRACE HVF_VMM [ROUNDS] [N] [K]
set -eu
HVTRACE=$1 VMM=$2 ROUNDS=${3:-7} N=${4:-20000} K=${5:-20}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-hvf-interpose.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# timed plain|recorded: wall ns of one run; the VMM's exit count to $WORK/exits.
timed() {
	t0=$(now_ns)
	if [ "$1" = plain ]; then
		timeout -k 5 600 "$VMM" "$N" "$K" >"$WORK/out"
	else
		rm -f "$WORK/rec.hvt" "$WORK/rec.hvt.old"
		timeout -k 5 600 "$HVTRACE" record -q -o "$WORK/rec.hvt" -- "$VMM" "$N" "$K" >"$WORK/out"
	fi
	t1=$(now_ns)
	awk '$2 != "reads" && $2 != "writes" { s += $3 } END { print s }' "$WORK/out" >"$WORK/exits.$1"
	echo $((t1 - t0))
}

: >"$WORK/plain"
: >"$WORK/recorded"
timed plain >/dev/null # warm up
i=1
while [ "$i" -le "$ROUNDS" ]; do
	order="plain recorded"
	[ $((i % 2)) -eq 0 ] && order="recorded plain"
	line="round $i:"
	for v in $order; do
		t=$(timed "$v")
		echo "$t $(cat "$WORK/exits.$v")" >>"$WORK/$v"
		line="$line $v $(awk -v t="$t" 'BEGIN { printf "%.3f s", t / 1e9 }') ($(cat "$WORK/exits.$v") exits)"
	done
	echo "$line"
	i=$((i + 1))
done
p=$(awk '{print $1}' "$WORK/plain" | median)
r=$(awk '{print $1}' "$WORK/recorded" | median)
pe=$(awk '{print $2}' "$WORK/plain" | median)
re=$(awk '{print $2}' "$WORK/recorded" | median)
awk -v p="$p" -v r="$r" -v pe="$pe" -v re="$re" 'BEGIN {
	printf "median plain    %.3f s, %d exits, %.0f exits/s\n", p / 1e9, pe, pe / (p / 1e9)
	printf "median recorded %.3f s, %d exits, %.0f exits/s\n", r / 1e9, re, re / (r / 1e9)
	printf "recorded/plain wall time %.3f; exits/s recorded = %.1f%% of plain\n", r / p,
	       100 * (re / (r / 1e9)) / (pe / (p / 1e9))
}'
ls -l "$WORK/rec.hvt" | awk '{ print "last trace:", $5, "bytes" }'
