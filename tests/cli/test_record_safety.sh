#!/usr/bin/env bash
# The first ten minutes of a new user (issue 10): no trace is destroyed
# silently (item 1), bad paths and files get a prompt, clear error before
# any guest runs (item 3), Ctrl-C during --until-failure stops cleanly
# (item 4). Every hvtrace run is under `timeout -k 5 N`: a hang fails.
# usage: test_record_safety.sh HVTRACE GUEST_DIR. Exits 77 without /dev/kvm.
set -u
hvtrace=$1
guests=$2
if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	echo "SKIP: /dev/kvm is missing or not accessible; record tests need KVM"
	exit 77
fi
. "$(dirname "$0")/../support/check.sh"
cd "$tmp" || exit 1
hv() { timeout -k 5 60 "$hvtrace" "$@"; }
no_partials() { # no_partials NAME: no FILE.*.partial or .attempt left in the directory
	if ls ./*.partial ./*.attempt >/dev/null 2>&1; then fail "$1: left $(ls ./*.partial ./*.attempt)"
	else pass "$1: no partial file left"; fi
}

# --- item 1: an existing trace is kept as FILE.old, never truncated
hv record -q -o t.hvt "$guests/hello" >/dev/null
cp t.hvt first.copy
hv record -o t.hvt "$guests/timer" >/dev/null 2>err.txt
expect "second record: status" $? 0
cmp -s t.hvt.old first.copy && pass "the previous trace is kept as t.hvt.old, byte for byte" ||
	fail "the previous trace is not t.hvt.old"
grep -q "t.hvt.old" err.txt && pass "the message names t.hvt.old" || fail "no message about t.hvt.old"
expect "t.hvt is the new recording" "$("$hvtrace" info t.hvt | sed -n 's/^meta image_name *//p')" "$guests/timer"
no_partials "record over an existing trace"

# The default output, twice, as a new user types it.
mkdir dflt && (cd dflt && hv record -q >/dev/null && hv record -q >/dev/null)
[ -f dflt/hvtrace.hvt ] && [ -f dflt/hvtrace.hvt.old ] && pass "record twice: hvtrace.hvt and hvtrace.hvt.old" ||
	fail "record twice: $(ls dflt)"

# Runs that record nothing leave FILE as it was.
cp t.hvt keep.copy
hv record -q -o t.hvt "$tmp/no-such-guest" 2>/dev/null
expect "missing guest: status" $? 66
hv record -q -o t.hvt -- true 2>/dev/null
expect "-- true: status" $? 69
cmp -s t.hvt keep.copy && pass "a missing guest and -- true keep the old trace" || fail "the old trace changed"
cmp -s t.hvt.old first.copy && pass "... and leave t.hvt.old alone" || fail "t.hvt.old changed"
no_partials "runs that record nothing"

# A recording killed with SIGKILL leaves FILE alone and its partial file,
# named FILE.PID.partial, readable up to its last flush.
timeout -k 5 60 "$hvtrace" record -q -o t.hvt "$guests/bad_spin" >/dev/null 2>&1 &
rec=$!
sleep 1
hvpid=$(pgrep -P $rec | head -1)
kill -KILL "$hvpid"
wait $rec
cmp -s t.hvt keep.copy && pass "SIGKILL: t.hvt untouched" || fail "SIGKILL: t.hvt changed"
if [ -f "t.hvt.$hvpid.partial" ]; then
	"$hvtrace" check "t.hvt.$hvpid.partial" >/dev/null
	expect "SIGKILL: t.hvt.$hvpid.partial reads up to its last flush (check 1)" $? 1
	rm -f "t.hvt.$hvpid.partial"
else
	fail "SIGKILL: no t.hvt.$hvpid.partial ($(ls))"
fi

# --- item 3: bad -o fails at once (73), before the guest runs: bad_spin
# would spin until the timeout if it ran.
for out in "$tmp/missing-dir/x.hvt" "$tmp" /dev/null; do
	start=$(date +%s)
	hv record -q -o "$out" "$guests/bad_spin" >/dev/null 2>err.txt
	st=$?
	expect "-o $out: status 73" $st 73
	[ $(($(date +%s) - start)) -lt 5 ] && pass "-o $out: at once" || fail "-o $out: the guest ran first"
	[ "$(grep -c "$out" err.txt)" -ge 1 ] && pass "-o $out: the message names it" ||
		fail "-o $out: message: $(cat err.txt)"
done
[ -c /dev/null ] && pass "/dev/null is still a device" || fail "/dev/null was replaced"
hv record -q -o "$tmp/missing-dir/x.hvt" -- true 2>/dev/null
expect "-o into a missing directory with -- COMMAND: status 73" $? 73

# A FIFO is refused by every reader without blocking; text and empty files
# are "not an hvtrace trace"; errors name the path once.
mkfifo fifo.hvt
: >empty.hvt
printf 'just some text\n' >text.hvt
for cmd in info check stats dump "export --format json" replay "diff t.hvt"; do
	# shellcheck disable=SC2086
	hv $cmd fifo.hvt >/dev/null 2>err.txt
	st=$?
	[ $st -ne 124 ] && [ $st -ne 137 ] && [ $st -ne 0 ] && grep -q "FIFO" err.txt &&
		pass "$cmd FIFO: refused (status $st)" || fail "$cmd FIFO: status $st: $(cat err.txt)"
done
for f in empty.hvt text.hvt; do
	for cmd in info check stats dump; do
		hv $cmd $f >out.txt 2>&1
		grep -q "not an hvtrace trace" out.txt && ! grep -q "corrupt" out.txt &&
			pass "$cmd $f: not an hvtrace trace" || fail "$cmd $f: $(cat out.txt)"
	done
done
hv info no-such.hvt 2>err.txt
expect "missing trace: the path once" "$(grep -o no-such.hvt err.txt | wc -l)" 1

# Guest images: a trace is pointed at replay, a non-ELF file needs --format flat.
hv record -q -o x.hvt t.hvt 2>err.txt
expect "a trace as guest image: status" $? 65
grep -q "hvtrace replay" err.txt && pass "a trace as guest image: hint to replay" || fail "no replay hint: $(cat err.txt)"
head -c 64 /dev/zero >raw.bin
hv record -q -o x.hvt raw.bin 2>err.txt
expect "a non-ELF image without --format flat: status" $? 65
grep -q "format flat" err.txt && pass "non-ELF: says --format flat" || fail "non-ELF: $(cat err.txt)"
hv record -q -o x.hvt --format flat "$guests/hello.bin" >/dev/null
expect "a flat image with --format flat: status" $? 0
for mem in 1M 4G 5M; do
	hv record -q -o x.hvt --mem $mem "$guests/hello" 2>err.txt
	expect "--mem $mem: status" $? 64
	grep -q "4 MiB-3 GiB" err.txt && pass "--mem $mem: says the range" || fail "--mem $mem: $(cat err.txt)"
done

# --- item 4: Ctrl-C during --until-failure of a guest that always passes:
# status 130, no trace (the old one kept), no partial file, the runs that
# passed counted. Twice, at different moments.
for delay in 0.7 1.9; do
	cp keep.copy u.hvt
	timeout -k 5 60 "$hvtrace" record --until-failure=100000 -o u.hvt "$guests/hello" \
		>/dev/null 2>err.txt &
	rec=$!
	sleep $delay
	kill -INT "$(pgrep -P $rec | head -1)"
	wait $rec
	st=$?
	expect "Ctrl-C after ${delay}s: status" $st 130
	grep -q "runs passed\|passing runs" err.txt && grep -q "no trace kept" err.txt &&
		pass "Ctrl-C after ${delay}s: $(tail -1 err.txt)" || fail "Ctrl-C after ${delay}s: $(tail -1 err.txt)"
	grep -q "failed" err.txt && fail "Ctrl-C after ${delay}s: reported as a failure"
	cmp -s u.hvt keep.copy && pass "Ctrl-C after ${delay}s: u.hvt untouched" || fail "Ctrl-C: u.hvt changed"
	no_partials "Ctrl-C after ${delay}s"
done

if [ $fails -ne 0 ]; then
	echo "$fails failed"
	exit 1
fi
echo "all record safety checks passed"
