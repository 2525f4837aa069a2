#!/bin/sh
# Recording overhead of `hvtrace record -- COMMAND`, with an optional second
# hvtrace (BEFORE, e.g. a build of an older commit) measured in the same run,
# side by side: every round runs the workload plainly, under BEFORE and under
# HVTRACE, in a rotating order. Workloads: a bounded QEMU boot whose boot
# sector does N port writes + N port reads then isa-debug-exit; and, when
# FORK_VMM is given, our exit-heavy 2-vCPU VMM (tests/interpose/fork_vmm.c,
# FORK_N exits per vCPU), where the interposer's per-exit cost shows.
# Prints each round, the medians, slowdowns, exits/s and bytes per exit.
# Target (DESIGN.md): exits/s with recording >= 97% of without.
# usage: bench_interpose.sh HVTRACE MAKE_BOOTSECTOR [ROUNDS] [N] [BEFORE] [FORK_VMM] [FORK_N]
set -eu
HVTRACE=$1 MKBOOT=$2 ROUNDS=${3:-5} N=${4:-30000} BEFORE=${5:-} FORK_VMM=${6:-} FORK_N=${7:-60000}
QEMU=$(command -v qemu-system-x86_64) || { echo "qemu-system-x86_64 not found"; exit 77; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-interpose.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
"$MKBOOT" "$WORK/boot.img" "$N" "$N"
QARGS="-accel kvm -nodefaults -nographic -m 16 -no-reboot -drive file=$WORK/boot.img,format=raw,if=ide
 -boot c -device isa-debug-exit,iobase=0xf4,iosize=0x04"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# timed WHO CMD...: runs CMD plainly (WHO=plain) or under hvtrace WHO's
# binary into $WORK/WHO.hvt; prints the wall time in ns. Exit statuses are
# the workload's (QEMU exits 1 through isa-debug-exit): ignored here.
timed() {
	who=$1
	shift
	t0=$(now_ns)
	case $who in
	plain) "$@" >/dev/null 2>&1 || true ;;
	before) timeout -k 5 600 "$BEFORE" record -q -o "$WORK/before.hvt" -- "$@" >/dev/null 2>&1 || true ;;
	after) timeout -k 5 600 "$HVTRACE" record -q -o "$WORK/after.hvt" -- "$@" >/dev/null 2>&1 || true ;;
	esac
	echo $(( $(now_ns) - t0 ))
}

# bench NAME CMD...: ROUNDS rounds of every variant, rotating the order.
bench() {
	name=$1
	shift
	variants="plain after"
	[ -n "$BEFORE" ] && variants="plain before after"
	for v in $variants; do : >"$WORK/$name.$v"; done
	timed plain "$@" >/dev/null # warm the page cache
	i=1
	while [ "$i" -le "$ROUNDS" ]; do
		order=$variants
		[ $((i % 2)) -eq 0 ] && order=$(echo "$variants" | awk '{for (j = NF; j > 0; j--) printf "%s ", $j}')
		line="$name round $i:"
		for v in $order; do
			t=$(timed "$v" "$@")
			echo "$t" >>"$WORK/$name.$v"
			line="$line $v $(awk -v t="$t" 'BEGIN { printf "%.3f s", t / 1e9 }')"
		done
		echo "$line"
		i=$((i + 1))
	done
	P=$(median <"$WORK/$name.plain")
	EXITS=$("$HVTRACE" dump "$WORK/after.hvt" | grep -c " exit ")
	for v in $variants; do
		[ "$v" = plain ] && continue
		R=$(median <"$WORK/$name.$v")
		BYTES=$(stat -c %s "$WORK/$v.hvt")
		awk -v n="$name" -v v="$v" -v p="$P" -v r="$R" -v e="$EXITS" -v b="$BYTES" 'BEGIN {
			printf "%s %-6s median plain %.3f s, recorded %.3f s: %+.2f %%, exits/s %.1f %% of plain, %.0f ns/exit, %.2f B/exit (%d exits)\n",
				n, v, p / 1e9, r / 1e9, (r - p) * 100 / p, p * 100 / r, (r - p) / e, b / e, e
		}'
	done
}

# shellcheck disable=SC2086
bench qemu "$QEMU" $QARGS
[ -n "$FORK_VMM" ] && bench fork_vmm "$FORK_VMM" "$FORK_N"
exit 0
