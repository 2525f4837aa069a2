#!/bin/sh
# A VMM that sandboxes itself with a seccomp allowlist (seccomp_vmm.c: read,
# write, ioctl, futex, thread exit only, from before its first KVM_RUN) is
# recorded completely, and `hvtrace record --` can always be stopped:
#   counts   the trace's exits per vCPU and kind equal the counts the VMM
#            prints, sandboxed (a refused call kills only the thread, so a
#            violation would hang: timeout catches it) and not; read values
#            and string data come back
#   kill     SIGKILL of the VMM while it waits: status 137, a complete trace
#            with exactly the exits the VMM had counted, the last unfinished
#   term     SIGTERM (and SIGINT) to hvtrace: forwarded, the VMM dies of it,
#            hvtrace ends with the VMM's status and a complete trace
#   blocked  SIGTERM to hvtrace while the VMM blocks every stop signal: the
#            VMM is killed after the grace period, hvtrace ends, the trace
#            is complete
# usage: seccomp.sh HVTRACE SECCOMP_VMM COUNT_EXITS WORKDIR
set -eu
HVTRACE=$1 VMM=$2 COUNT=$3 WORK=$4
. "$(dirname "$0")/common.sh"
need_kvm
case $VMM in missing:*)
	echo "SKIP: seccomp_vmm not built (needs ${VMM#missing:})"; exit 77 ;;
esac
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"
N=50

# same_counts WHAT VMM_OUTPUT TRACE: the VMM's own counts equal the trace's.
same_counts() {
	grep -v '^pid ' "$2" | sort >want.txt
	"$COUNT" -k "$3" | sort >got.txt
	echo "$1: VCPU KIND COUNT, the VMM's own vs the trace's"
	paste want.txt got.txt
	[ -s want.txt ] || fail "$1: the VMM printed no counts"
	cmp -s want.txt got.txt || fail "$1: the trace's exits differ from the VMM's count"
}

# --- counts, unsandboxed reference and sandboxed
timeout -k 5 60 "$VMM" --no-seccomp $N >ref.txt || fail "reference run without hvtrace"
for mode in --no-seccomp --kill-thread; do
	timeout -k 5 60 "$HVTRACE" record -o counts.hvt -- "$VMM" $mode $N >vmm.txt 2>err.txt ||
		{ cat err.txt; fail "record -- seccomp_vmm $mode: status $?"; }
	cat err.txt
	cmp -s ref.txt vmm.txt || fail "$mode: the VMM counted other exits than unrecorded"
	same_counts "$mode" vmm.txt counts.hvt
	"$HVTRACE" check counts.hvt >/dev/null || fail "$mode: hvtrace check"
	reads=$("$HVTRACE" dump counts.hvt | grep -c "mmio-read addr=0x[9a]000 size=1 value=0xa5 ")
	[ "$reads" -eq $((2 * N)) ] || fail "$mode: $reads MMIO reads with the VMM's value 0xa5, want $((2 * N))"
	last=$("$HVTRACE" dump counts.hvt | grep "cpu3 .*pio-in port=0x81 " | tail -1)
	echo "$last" | grep -q "value=0x$(printf %x $((N - 1))) " ||
		fail "$mode: the last read of port 0x81 should return $((N - 1)): $last"
	str=$("$HVTRACE" dump counts.hvt | grep -c "pio-in port=0x83 .*data\[16\]=687674726163652d736563636f6d7021")
	[ "$str" -eq 2 ] || fail "$mode: string input data missing ($str of 2)"
done
echo "ok: sandboxed and unsandboxed recordings have the VMM's own counts"

# start_stopped NAME [VMM OPTIONS]: hvtrace records the VMM until vCPU 0
# stops after 100 exits; sets REC (timeout's pid), HV (hvtrace's, the
# child of timeout) and VPID (the VMM's).
start_stopped() {
	name=$1
	shift
	rm -f "$name.out"
	timeout -k 5 60 "$HVTRACE" record -o "$name.hvt" -- "$VMM" "$@" --stop-after 100 $N \
		>"$name.out" 2>"$name.err" &
	REC=$!
	i=0
	while ! grep -q '^pid ' "$name.out" 2>/dev/null && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	VPID=$(sed -n 's/^pid //p' "$name.out")
	HV=$(pgrep -P "$REC" | head -1)
	[ -n "$VPID" ] && [ -n "$HV" ] ||
		{ cat "$name.err"; fail "$name: the VMM did not reach its stop point"; }
}

# finish_stopped NAME WANT_STATUS: hvtrace ended with WANT_STATUS, the trace
# is complete and holds exactly the VMM's counted exits.
finish_stopped() {
	set +e
	wait "$REC"
	status=$?
	set -e
	cat "$1.err"
	[ "$status" -eq "$2" ] || fail "$1: hvtrace ended with $status, want $2"
	"$HVTRACE" check "$1.hvt" >/dev/null || fail "$1: the trace is not complete"
	same_counts "$1" "$1.out" "$1.hvt"
	"$HVTRACE" dump "$1.hvt" | grep "cpu0 .* exit " | tail -1 | grep -q "flags=0xa" ||
		fail "$1: vCPU 0's last exit should be flagged unfinished (0x8) and no-regs (0x2)"
}

start_stopped kill
kill -KILL "$VPID"
finish_stopped kill 137
echo "ok: SIGKILL of the VMM: complete trace, exact counts"

start_stopped term
kill -TERM "$HV"
finish_stopped term 143
echo "ok: SIGTERM to hvtrace: forwarded, complete trace"

start_stopped int
kill -INT "$HV"
finish_stopped int 130
echo "ok: SIGINT to hvtrace: forwarded, complete trace"

start_stopped blocked --block-signals
t0=$(date +%s)
kill -TERM "$HV"
finish_stopped blocked 137
t1=$(date +%s)
grep -q "did not exit within 5 s" blocked.err || fail "blocked: no message about killing the VMM"
[ $((t1 - t0)) -lt 20 ] || fail "blocked: hvtrace took $((t1 - t0)) s to stop"
echo "ok: SIGTERM to hvtrace with the VMM blocking signals: killed after the grace, $((t1 - t0)) s"
echo "PASS"
