#!/bin/sh
# hvtrace top (stats --live) following a trace while it is written:
# 1. a real recording (busy guest on KVM, 2 s): top refreshes while it grows
#    and ends by itself when the recording ends, with totals equal to stats;
# 2. growth replayed byte range by byte range from a finished trace, cut at
#    arbitrary offsets (torn tails inside chunks): no error, same totals;
# 3. Ctrl-C stops it (exit 0, "stopped").
# usage: test_live.sh HVTRACE BUSY_GUEST
set -u
hv=$1 busy=$2
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "SKIP: /dev/kvm is not usable (the test records a guest)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# totals FILE: "kind total" lines of the last block of top's output.
last_block() { awk '/^hvtrace top:/ { n = 0; delete b } { b[n++] = $0 } END { for (i = 0; i < n; i++) print b[i] }' "$1"; }
stats_totals() { "$hv" stats --csv "$1" | awk -F, 'NR > 1 && $1 != "total" { print $1, $2 }' | sort; }
top_totals() { last_block "$1" | awk 'NR > 2 && $1 != "Total" && NF == 5 { print $1, $2 }' | sort; }

# 1. A real recording.
timeout -k 5 30 "$hv" record -q -o "$tmp/rec.hvt" --timeout 2 "$busy" >/dev/null 2>"$tmp/rec.err" &
rec=$!
timeout -k 5 60 "$hv" top --interval 0.3 "$tmp/rec.hvt" >"$tmp/top1.out" 2>"$tmp/top1.err"
st=$?
wait $rec
[ $st -eq 0 ] || bad "top of a recording exited $st: $(cat "$tmp/top1.err")"
last_block "$tmp/top1.out" | head -1 | grep -q "recording ended" || bad "top did not say the recording ended"
growing=$(grep -c "recording (" "$tmp/top1.out")
[ "$growing" -ge 2 ] || bad "top showed the growing recording $growing times (want >= 2)"
[ "$(top_totals "$tmp/top1.out")" = "$(stats_totals "$tmp/rec.hvt")" ] ||
	bad "top's totals differ from stats: $(top_totals "$tmp/top1.out") vs $(stats_totals "$tmp/rec.hvt")"
[ -n "$(stats_totals "$tmp/rec.hvt")" ] || bad "the recording has no exits"

# 2. Growth with torn tails: append the finished trace in 7 uneven pieces.
size=$(stat -c %s "$tmp/rec.hvt")
: >"$tmp/grow.hvt"
timeout -k 5 60 "$hv" top --interval 0.1 "$tmp/grow.hvt" >"$tmp/top2.out" 2>"$tmp/top2.err" &
top=$!
done_bytes=0
for frac in 3 17 29 41 58 77 100; do
	end=$((size * frac / 100))
	tail -c +$((done_bytes + 1)) "$tmp/rec.hvt" | head -c $((end - done_bytes)) >>"$tmp/grow.hvt"
	done_bytes=$end
	sleep 0.3
done
wait $top
st=$?
[ $st -eq 0 ] || bad "top of a growing file exited $st: $(cat "$tmp/top2.err")"
grep -q "being written" "$tmp/top2.out" || bad "top never saw a torn tail"
[ "$(top_totals "$tmp/top2.out")" = "$(stats_totals "$tmp/rec.hvt")" ] || bad "top's totals after growth differ from stats"

# 3. Ctrl-C on a recording that never ends (half a trace, nothing more).
head -c $((size / 2)) "$tmp/rec.hvt" >"$tmp/half.hvt"
timeout -k 5 30 "$hv" top --interval 0.2 "$tmp/half.hvt" >"$tmp/top3.out" 2>&1 &
top=$!
sleep 1
kill -INT $top
wait $top
st=$?
[ $st -eq 0 ] || bad "top after Ctrl-C exited $st"
grep -q "stopped (Ctrl-C)" "$tmp/top3.out" || bad "top did not say it was stopped"

[ $fails -eq 0 ] || { echo "$fails failure(s)"; cat "$tmp/top2.out" | tail -20; exit 1; }
echo "PASS: top followed a recording ($growing refreshes while growing), torn tails and Ctrl-C"
