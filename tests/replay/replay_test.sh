#!/bin/sh
# Record-and-replay tests on real KVM (label "replay").
#
# usage: replay_test.sh CASE HVTRACE GUEST_DIR TRACE_EDIT WORK_DIR
#   guests   every demo guest records and replays with byte-identical console
#            output and the same exit status; each recording (format v2) is
#            also converted to format v1 and that replays the same way
#   repeat   20 recordings each of entropy and timer all replay identically
#   flaky    the trace `record --until-failure` keeps on flaky replays to the
#            same failure 10 times out of 10
#   edited   a trace with one read value changed diverges (exit 86) or prints
#            something else; a trace whose image was changed is refused (65)
#            or diverges (86); neither replays silently as identical
#   hostile  edited traces (CPUID, entry point, vCPU count, interrupt register
#            file, vector, DMA outside RAM, string-I/O data length) are refused
#            (65) or reported (86); a DMA write into free RAM replays (0); a
#            guest spinning where the trace expects an exit is reported (86)
#   serial   race (shared memory) with 2 and 4 vCPUs, recorded one vCPU at a
#            time (the default), 20 recordings each, all replay identically
#   serial_guests  timer and flaky with --vcpus 2, 20 each; flaky's failure
#            with 2 vCPUs kept by --until-failure and reproduced 10/10
#   memloop  20 recordings of a loop that changes only memory all replay
#            identically (landing by PC, registers and memory fingerprint); an
#            edited fingerprint diverges (86) with a report naming the landing
#   misc     --landing=step, --stop-at, a cut trace, runs that ended in a
#            shutdown, bad accesses or a timeout, usage errors
# Every record and replay runs under `timeout -k 5 N`. Exit 77 (skipped)
# with a message when /dev/kvm is unusable.
set -u
CASE=$1 HVT=$2 GUESTS=$3 EDIT=$4 WORK=$5/$1
mkdir -p "$WORK" || exit 1
FAILS=0

fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }

# record NAME TRACE [ARGS...]: console output in TRACE.rec.out, status in $REC_RC
record() {
	t=$1; shift
	rm -f "$t"
	timeout -k 5 120 "$HVT" record -q -o "$t" "$@" > "$t.rec.out" 2> "$t.rec.err" < /dev/null
	REC_RC=$?
}

# replay TRACE [ARGS...]: console output in TRACE.rep.out, status in $REP_RC
replay() {
	t=$1; shift
	timeout -k 5 600 "$HVT" replay -q "$@" "$t" > "$t.rep.out" 2> "$t.rep.err"
	REP_RC=$?
}

# recorded_as LABEL WANT TRACE: the recording exited with one of WANT
# ("0", "0|1") and left TRACE. A recording that failed is not something
# replay can agree with: a missing guest gave "ok (exit 66)" before.
recorded_as() {
	case "|$2|" in
	*"|$REC_RC|"*) ;;
	*) fail "$1: record exit $REC_RC, expected $2"; sed 's/^/    /' "$3.rec.err" | head -5
	   return 1 ;;
	esac
	[ -s "$3" ] || { fail "$1: record left no trace $3"; return 1; }
}

# check_same LABEL TRACE: the replay printed and exited as the recording did
check_same() {
	if [ ! -s "$2" ]; then
		fail "$1: no trace $2"
	elif [ "$REP_RC" -ne "$REC_RC" ]; then
		fail "$1: replay exit $REP_RC, recording exit $REC_RC"; sed 's/^/    /' "$2.rep.err"
	elif ! cmp -s "$2.rec.out" "$2.rep.out"; then
		fail "$1: console output differs"; diff "$2.rec.out" "$2.rep.out" | head -5
	else
		echo "ok: $1 (exit $REP_RC, $(wc -c < "$2.rep.out") console bytes)"
	fi
}

kvm_usable() {
	timeout -k 5 60 "$HVT" record -q -o "$WORK/probe.hvt" "$GUESTS/hello" > /dev/null 2>&1 < /dev/null
	[ $? -ne 69 ]
}

rr() { # rr LABEL WANT TRACE [RECORD ARGS...]: record (status in WANT), replay, compare; then as v1
	label=$1 want=$2 t=$3; shift 3
	record "$t" "$@"
	recorded_as "$label" "$want" "$t" || return
	replay "$t"
	check_same "$label" "$t"
	# The same recording in format v1 (row-coded events) replays the same.
	v1=$t.v1.hvt # replay() sets t: keep the name apart
	if timeout -k 5 120 "$HVT" convert --force --format-version 1 "$t" "$v1" > /dev/null 2>&1; then
		cp "$t.rec.out" "$v1.rec.out"
		replay "$v1"
		check_same "$label, converted to v1" "$v1"
	else
		fail "$label: convert to v1 failed"
	fi
}

case_guests() {
	for g in hello mmio entropy timer strio irqwin; do
		rr "$g" 0 "$WORK/$g.hvt" "$GUESTS/$g"
	done
	rr flaky "0|1" "$WORK/flaky.hvt" "$GUESTS/flaky" # fails in some runs, by design
	rr hello.bin 0 "$WORK/hello_bin.hvt" --format flat "$GUESTS/hello.bin"
	rr "demo (embedded)" 0 "$WORK/demo.hvt"
	t=$WORK/echo.hvt
	printf 'hello echo\nsecond line\n' > "$WORK/echo.in"
	printf 'something else\n' > "$WORK/other.in"
	rm -f "$t"
	timeout -k 5 120 "$HVT" record -q -o "$t" "$GUESTS/echo" < "$WORK/echo.in" > "$t.rec.out" 2> "$t.rec.err"
	REC_RC=$?
	recorded_as "echo" 0 "$t" && grep -q "hello echo" "$t.rec.out" ||
		fail "echo: the recording did not echo its input"
	# Replay never reads the host: other input on stdin changes nothing. A
	# redirect, not a pipe: the function must run in this shell for REP_RC.
	replay "$t" < "$WORK/other.in"
	check_same "echo (other console input)" "$t"
	rr "smp (2 vCPUs)" 0 "$WORK/smp.hvt" --vcpus 2 "$GUESTS/smp"
}

# repeat_guest LABEL GUEST N [RECORD ARGS...]: N recordings, every one
# replayed identically
repeat_guest() {
	label=$1 g=$2 n=$3; shift 3
	ok=0
	for i in $(seq 1 "$n"); do
		t=$WORK/$label-$i.hvt
		record "$t" "$@" "$GUESTS/$g"
		recorded_as "$label run $i" "${WANT:-0}" "$t" || continue
		replay "$t"
		if [ "$REP_RC" -eq "$REC_RC" ] && cmp -s "$t.rec.out" "$t.rep.out"; then
			ok=$((ok + 1))
		else
			check_same "$label run $i" "$t"
		fi
	done
	echo "$label: $ok/$n recordings replayed identically"
	[ "$ok" -eq "$n" ] || fail "$label: only $ok/$n"
}

case_repeat() {
	for g in entropy timer; do
		repeat_guest "$g" "$g" 20
	done
}

# memloop: a loop whose only changing state is memory. Registers alone land
# its ticks on the wrong iteration; with the memory fingerprint every
# recording replays. An edited fingerprint is reported at its landing.
case_memloop() {
	repeat_guest memloop memloop 20
	t=$WORK/memloop-1.hvt
	[ -s "$t" ] || return
	timeout -k 5 600 "$HVT" replay "$t" > "$WORK/summary.out" 2> "$WORK/summary.err"
	if grep -q "memory fingerprints" "$WORK/summary.err"; then echo "ok: landings matched memory"
	else fail "the replay summary names no memory fingerprint"; cat "$WORK/summary.err"; fi
	replay "$t" --landing=step
	check_same "memloop with --landing=step" "$t"
	"$EDIT" fp "$t" "$WORK/fp.hvt" || { fail "trace_edit fp failed"; return; }
	replay "$WORK/fp.hvt"
	if [ "$REP_RC" -eq 86 ] && grep -q "interrupt" "$WORK/fp.hvt.rep.err" &&
	   grep -q "at event #" "$WORK/fp.hvt.rep.err" &&
	   grep -q "not the memory fingerprint" "$WORK/fp.hvt.rep.err"; then
		echo "ok: edited fingerprint -> 86 at its landing"; head -2 "$WORK/fp.hvt.rep.err"
	else
		fail "edited fingerprint: exit $REP_RC"; head -5 "$WORK/fp.hvt.rep.err"
	fi
	# The v1 form (registers only) is still read and landed as before: it
	# replays, or diverges and says so (this guest is why issue 13 exists).
	"$EDIT" nofp "$t" "$WORK/nofp.hvt" || { fail "trace_edit nofp failed"; return; }
	replay "$WORK/nofp.hvt"
	case $REP_RC in
	0|86) echo "ok: without fingerprints (v1 form): exit $REP_RC" ;;
	*) fail "without fingerprints: exit $REP_RC"; head -5 "$WORK/nofp.hvt.rep.err" ;;
	esac
}

case_flaky() {
	flaky_until_failure flaky-fail
}

# flaky_until_failure LABEL [RECORD ARGS...]: --until-failure keeps a failing
# run of flaky; 10 of 10 replays reproduce it
flaky_until_failure() {
	t=$WORK/$1.hvt; shift
	record "$t" --until-failure=200 "$@" "$GUESTS/flaky"
	if [ "$REC_RC" -eq 0 ]; then
		echo "flaky did not fail in 200 runs: nothing to replay"; fail "no failing run"; return
	fi
	# stdout holds every run's output; the kept (failing) run printed last.
	tail -n 1 "$t.rec.out" > "$t.fail.out"
	grep -q "LOST UPDATE" "$t.fail.out" || fail "the failing run did not report a lost update"
	ok=0
	for i in $(seq 1 10); do
		replay "$t"
		# the last line: with several vCPUs each may print its own
		if [ "$REP_RC" -eq "$REC_RC" ] && tail -n 1 "$t.rep.out" | cmp -s "$t.fail.out" -; then
			ok=$((ok + 1))
		else
			fail "flaky failure replay $i: exit $REP_RC, output: $(cat "$t.rep.out")"
			sed 's/^/    /' "$t.rep.err" | head -20
		fi
	done
	echo "flaky failure (exit $REC_RC): $ok/10 replays reproduced it"
	[ $ok -eq 10 ] || fail "flaky: only $ok/10"
}

# Serialized multi-vCPU recording (the default for --vcpus > 1): vCPUs that
# race on shared memory replay, at 2 and 4 vCPUs, and so do timer and flaky
# with 2 vCPUs; the schedule is in the trace (TIMER id 2 events).
case_serial() {
	repeat_guest race-2 race 20 --vcpus 2
	repeat_guest race-4 race 20 --vcpus 4
	t=$WORK/race-4-1.hvt
	if [ -s "$t" ] && timeout -k 5 60 "$HVT" dump "$t" 2> /dev/null | grep -q "timer arm id=2"; then
		echo "ok: the schedule is in the trace"
	else
		fail "no time-slice events in $t"
	fi
	if "$HVT" info "$t" | grep -q "^meta vcpu_schedule  *serialized" &&
	   "$HVT" info "$t" | grep -q "^meta slice_ns  *1000000$"; then
		echo "ok: the metadata says serialized, 1 ms slices"
	else
		fail "no vcpu_schedule=serialized / slice_ns=1000000 metadata in $t"
	fi
	# Recorded in parallel, the same guest usually does not replay: it must
	# then say so (86), never pass silently with other output.
	record "$WORK/race-par.hvt" --vcpus 2 --parallel "$GUESTS/race"
	recorded_as "race --parallel" 0 "$WORK/race-par.hvt" || return
	replay "$WORK/race-par.hvt"
	"$HVT" info "$WORK/race-par.hvt" | grep -q "^meta vcpu_schedule  *parallel" ||
		fail "no vcpu_schedule=parallel metadata"
	if [ "$REP_RC" -eq 86 ] && ! grep -q "recorded with --parallel" "$WORK/race-par.hvt.rep.err"; then
		fail "race --parallel diverged without saying it was recorded in parallel"
	fi
	if [ "$REP_RC" -eq 86 ] || { [ "$REP_RC" -eq 0 ] &&
	     cmp -s "$WORK/race-par.hvt.rec.out" "$WORK/race-par.hvt.rep.out"; }; then
		echo "ok: race --parallel replays or reports a divergence (exit $REP_RC)"
	else
		fail "race --parallel: replay exit $REP_RC, output differs silently"
	fi
}

case_serial_guests() {
	repeat_guest timer-2 timer 20 --vcpus 2
	WANT="0|1" repeat_guest flaky-2 flaky 20 --vcpus 2
	flaky_until_failure flaky-2-fail --vcpus 2
}

case_edited() {
	t=$WORK/entropy.hvt
	record "$t" "$GUESTS/entropy"
	recorded_as entropy 0 "$t" || return
	"$EDIT" copy "$t" "$WORK/copy.hvt" || { fail "trace_edit copy"; return; }
	cp "$t.rec.out" "$WORK/copy.hvt.rec.out"
	replay "$WORK/copy.hvt"
	check_same "unedited rewrite of entropy" "$WORK/copy.hvt"
	"$EDIT" read "$t" "$WORK/read.hvt" || { fail "trace_edit read"; return; }
	replay "$WORK/read.hvt"
	if [ "$REP_RC" -eq 86 ] && grep -q "diverged" "$WORK/read.hvt.rep.err"; then
		echo "ok: changed read value reported as a divergence (exit 86)"
	elif ! cmp -s "$t.rec.out" "$WORK/read.hvt.rep.out"; then
		echo "ok: changed read value gives different console output"
	else
		fail "a changed read value replayed silently as identical (exit $REP_RC)"
	fi
	t=$WORK/hello.hvt
	record "$t" "$GUESTS/hello"
	recorded_as hello 0 "$t" || return
	"$EDIT" image "$t" "$WORK/image.hvt" "ello" || { fail "trace_edit image"; return; }
	replay "$WORK/image.hvt"
	case $REP_RC in
	86|65) echo "ok: modified image: exit $REP_RC"; head -3 "$WORK/image.hvt.rep.err" ;;
	*) fail "modified image replayed with exit $REP_RC" ;;
	esac
}

# hostile SOURCE MODE WANT: edit SOURCE's trace, replay, expect exit WANT
hostile() {
	src=$1 mode=$2 want=$3 out=$WORK/hostile-$2.hvt
	if ! "$EDIT" "$mode" "$src" "$out"; then fail "trace_edit $mode"; return; fi
	replay "$out"
	if [ "$REP_RC" -eq "$want" ]; then
		echo "ok: $mode -> exit $REP_RC: $(grep -m1 -v '^  ' "$out.rep.err" | cut -c1-150)"
	else
		fail "$mode: exit $REP_RC, wanted $want"; sed 's/^/    /' "$out.rep.err" | head -8
	fi
}

case_hostile() {
	record "$WORK/timer.hvt" "$GUESTS/timer"
	recorded_as timer 0 "$WORK/timer.hvt" || return
	record "$WORK/strio.hvt" "$GUESTS/strio"
	recorded_as strio 0 "$WORK/strio.hvt" || return
	hostile "$WORK/timer.hvt" cpuid 65
	hostile "$WORK/timer.hvt" entry 65
	hostile "$WORK/timer.hvt" vcpus 65
	hostile "$WORK/timer.hvt" irqregs 86
	hostile "$WORK/timer.hvt" vector 86
	hostile "$WORK/timer.hvt" dma-out 86
	hostile "$WORK/timer.hvt" dma-in 0
	hostile "$WORK/strio.hvt" strdata 86
	record "$WORK/spin.hvt" --timeout 0.2 "$GUESTS/bad_spin"
	recorded_as bad_spin 124 "$WORK/spin.hvt" || return
	hostile "$WORK/spin.hvt" spin 86
	printf 'not a trace' > "$WORK/garbage.hvt"
	replay "$WORK/garbage.hvt"
	[ "$REP_RC" -eq 2 ] && echo "ok: garbage file -> exit 2" || fail "garbage file: exit $REP_RC"
}

case_misc() {
	t=$WORK/timer.hvt
	record "$t" "$GUESTS/timer"
	recorded_as timer 0 "$t" || return
	replay "$t" --landing=step
	check_same "timer with --landing=step" "$t"
	replay "$t" --stop-at 5
	if [ "$REP_RC" -eq 0 ] && grep -q "rip" "$t.rep.err"; then echo "ok: --stop-at 5"
	else fail "--stop-at 5 gave exit $REP_RC"; fi
	size=$(wc -c < "$t")
	head -c $((size / 2)) "$t" > "$WORK/cut.hvt"
	replay "$WORK/cut.hvt"
	if [ "$REP_RC" -eq 0 ] && grep -q "cut" "$WORK/cut.hvt.rep.err"; then echo "ok: cut trace"
	else fail "cut trace gave exit $REP_RC"; cat "$WORK/cut.hvt.rep.err"; fi
	rr "bad_triple (shutdown)" 125 "$WORK/triple.hvt" "$GUESTS/bad_triple"
	rr "bad_hammer (bad access)" 125 "$WORK/hammer.hvt" "$GUESTS/bad_hammer"
	rr "bad_spin (--timeout)" 124 "$WORK/spin.hvt" --timeout 0.2 "$GUESTS/bad_spin"
	timeout -k 5 60 "$HVT" replay --landing=nope "$t" > /dev/null 2>&1
	[ $? -eq 64 ] && echo "ok: usage error" || fail "bad --landing not refused with 64"
	timeout -k 5 60 "$HVT" replay "$WORK/does-not-exist.hvt" > /dev/null 2>&1
	[ $? -eq 66 ] && echo "ok: missing file" || fail "missing file not 66"
}

if ! kvm_usable; then
	echo "SKIPPED: /dev/kvm is not usable here (record exits 69)"
	exit 77
fi
"case_$CASE"
echo "$CASE: $FAILS failure(s)"
[ "$FAILS" -eq 0 ]
