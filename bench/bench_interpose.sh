#!/bin/sh
# Recording overhead of `hvtrace record -- COMMAND` on a bounded QEMU run:
# the same exit-dense boot sector (N port writes + N port reads, then
# isa-debug-exit) run plainly and under the shim, alternating, ROUNDS pairs.
# Prints each pair, the medians, the slowdown, exits/s and bytes per exit.
# Target (DESIGN.md): exits/s with recording >= 97% of without.
# usage: bench_interpose.sh HVTRACE MAKE_BOOTSECTOR [ROUNDS] [N]
set -eu
HVTRACE=$1 MKBOOT=$2 ROUNDS=${3:-5} N=${4:-30000}
QEMU=$(command -v qemu-system-x86_64) || { echo "qemu-system-x86_64 not found"; exit 77; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-interpose.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
"$MKBOOT" "$WORK/boot.img" "$N" "$N"
ARGS="-accel kvm -nodefaults -nographic -m 16 -no-reboot -drive file=$WORK/boot.img,format=raw,if=ide
 -boot c -device isa-debug-exit,iobase=0xf4,iosize=0x04"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

now_ns() { date +%s%N; }

run_plain() {
	t0=$(now_ns)
	# shellcheck disable=SC2086
	"$QEMU" $ARGS >/dev/null 2>&1 || true # isa-debug-exit: status 1
	echo $(( $(now_ns) - t0 ))
}

run_recorded() {
	t0=$(now_ns)
	# shellcheck disable=SC2086
	"$HVTRACE" record -q -o "$WORK/t.hvt" -- "$QEMU" $ARGS >/dev/null 2>&1 || true
	echo $(( $(now_ns) - t0 ))
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

run_plain >/dev/null # warm the page cache
: >"$WORK/plain" && : >"$WORK/rec"
i=1
while [ "$i" -le "$ROUNDS" ]; do
	if [ $((i % 2)) -eq 1 ]; then p=$(run_plain); r=$(run_recorded)
	else r=$(run_recorded); p=$(run_plain); fi
	echo "$p" >>"$WORK/plain" && echo "$r" >>"$WORK/rec"
	awk -v i="$i" -v p="$p" -v r="$r" \
		'BEGIN { printf "round %d: plain %.3f s, recorded %.3f s\n", i, p / 1e9, r / 1e9 }'
	i=$((i + 1))
done
P=$(median <"$WORK/plain") R=$(median <"$WORK/rec")
EXITS=$("$HVTRACE" dump "$WORK/t.hvt" | grep -c " exit ")
BYTES=$(stat -c %s "$WORK/t.hvt")
awk -v p="$P" -v r="$R" -v e="$EXITS" -v b="$BYTES" 'BEGIN {
	printf "median wall time: plain %.3f s, recorded %.3f s, slowdown %.2f %%\n", p / 1e9, r / 1e9, (r - p) * 100 / p
	printf "exits per run: %d; exits/s plain %.0f, recorded %.0f (%.1f %%)\n", e, e * 1e9 / p, e * 1e9 / r, p * 100 / r
	printf "trace: %d bytes, %.2f bytes/exit\n", b, b / e
}'
