#!/bin/sh
# bench_serial.sh: serialized (default) against parallel multi-vCPU
# recording (issue 13). For each guest and vCPU count, RUNS recordings in
# each mode; prints the median record and replay wall time (from the
# summaries, in ms), how many of the RUNS replays matched the recording
# (exit status and console bytes), and the median time slices per run.
#
# usage: bench/bench_serial.sh HVTRACE GUEST_DIR [RUNS]   (needs /dev/kvm)
set -u
HVT=$1 G=$2 RUNS=${3:-5}
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT

# wall time of a summary line, in ms ("... ) in 12.3 ms; ..." or "in 1.2 s")
ms() {
	sed -n 's/.*) in \([0-9.]*\) \([mu]*s\);.*/\1 \2/p' "$1" | tail -n 1 |
		awk '{ v = $1; if ($2 == "s") v *= 1000; else if ($2 == "us") v /= 1000; print v }'
}
slices() { sed -n 's/.*, \([0-9]*\) time slices.*/\1/p' "$1" | head -n 1; }
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print "-" }'; }

printf '%-6s %-6s %-9s %10s %10s %8s %8s\n' guest vcpus mode record_ms replay_ms replays slices
for g in smp timer flaky race; do
	for n in 2 4; do
		for mode in serial parallel; do
			flag=; [ "$mode" = parallel ] && flag=--parallel
			ok=0; : > "$T/rec"; : > "$T/rep"; : > "$T/sl"
			for i in $(seq 1 "$RUNS"); do
				timeout -k 5 120 "$HVT" record -o "$T/t.hvt" --vcpus "$n" $flag "$G/$g" \
					> "$T/rec.out" 2> "$T/rec.err" < /dev/null
				rrc=$?
				timeout -k 5 300 "$HVT" replay "$T/t.hvt" > "$T/rep.out" 2> "$T/rep.err"
				prc=$?
				case $rrc in 0|1) ;; *) echo "$g: record exit $rrc" >&2; exit 1 ;; esac
				[ "$rrc" -eq "$prc" ] && cmp -s "$T/rec.out" "$T/rep.out" && ok=$((ok + 1))
				ms "$T/rec.err" >> "$T/rec"; ms "$T/rep.err" >> "$T/rep"
				slices "$T/rec.err" >> "$T/sl"
				rm -f "$T/t.hvt" "$T"/t.hvt.old
			done
			printf '%-6s %-6s %-9s %10s %10s %5s/%-2s %8s\n' "$g" "$n" "$mode" \
				"$(median < "$T/rec")" "$(median < "$T/rep")" "$ok" "$RUNS" \
				"$(median < "$T/sl")"
		done
	done
done
