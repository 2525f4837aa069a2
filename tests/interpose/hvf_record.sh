#!/bin/sh
# An unmodified Hypervisor.framework VMM (hvf_vmm.c: Apple's API only, three
# vCPU threads, MMIO, HVC, the vtimer mask/unmask protocol with IRQs, kicks
# from another thread) recorded through the HVF interposer over the stand-in:
#   counts   the trace's exits per vCPU and kind equal the VMM's own counts;
#            the values it handed back (MMIO reads, HVC's X0) and the values
#            the guest wrote hash to the VMM's own hashes; PC and metadata;
#            one INTERRUPT raise and clear and one TIMER arm per vtimer exit
#   kill     SIGKILL of the VMM while vCPU 0 waits: status 137, a complete
#            trace with exactly the exits the VMM counted, the last unfinished
#   none     a command that makes no HVF (nor KVM) call: the clear error, 69,
#            no trace left
# usage: hvf_record.sh HVTRACE HVF_VMM COUNT_EXITS WORKDIR
set -eu
HVTRACE=$1 VMM=$2 COUNT=$3 WORK=$4
. "$(dirname "$0")/common.sh"
case $VMM in missing:*)
	echo "SKIP: hvf_vmm not built (needs ${VMM#missing:})"; exit 77 ;;
esac
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"
N=40 K=4

# same_counts WHAT VMM_OUTPUT TRACE: kinds and value hashes per vCPU.
same_counts() {
	grep -v '^pid \| reads \| writes ' "$2" | sort >want.txt
	"$COUNT" -k "$3" | sort >got.txt
	echo "$1: VCPU KIND COUNT, the VMM's own vs the trace's"
	paste want.txt got.txt
	[ -s want.txt ] || fail "$1: the VMM printed no counts"
	cmp -s want.txt got.txt || fail "$1: the trace's exits differ from the VMM's count"
	grep ' reads \| writes ' "$2" | sort >want_v.txt
	"$COUNT" -v "$3" | sort >got_v.txt
	cmp -s want_v.txt got_v.txt ||
		{ paste want_v.txt got_v.txt; fail "$1: values differ from what the VMM handed back"; }
}

# --- counts and values
timeout -k 5 60 "$VMM" $N $K >ref.txt || fail "the VMM without hvtrace: status $?"
timeout -k 5 60 "$HVTRACE" record -o hvf.hvt -- "$VMM" $N $K >vmm.txt 2>err.txt ||
	{ cat err.txt; fail "record -- hvf_vmm: status $?"; }
cat err.txt
grep -q "exits (0 failed hv_vcpu_run calls) on 3 vCPUs" err.txt || fail "summary line"
same_counts counts vmm.txt hvf.hvt
"$HVTRACE" check hvf.hvt >/dev/null || fail "hvtrace check"
"$HVTRACE" info hvf.hvt >info.txt
for m in "backend *hvf" "arch *arm64" "interposed *1" "guest_maps *0x0 0x100000 rwx"; do
	grep -q "meta $m" info.txt || { cat info.txt; fail "metadata '$m' missing"; }
done
"$HVTRACE" dump hvf.hvt >dump.txt
for cpu in 0 1 2; do
	# The MMIO page is the thread's (0x4000T000), the stream the framework's vCPU id.
	w=$(grep -c "cpu$cpu .*mmio-write addr=0x4000[0-2]000 size=8 .*pc=0x1004 " dump.txt || true)
	[ "$w" -eq $N ] || fail "cpu$cpu: $w MMIO writes at pc 0x1004, want $N"
	r=$(grep -c "cpu$cpu .*mmio-read addr=0x4000\([0-2]\)008 size=4 value=0xa50\100[0-9a-f][0-9a-f] pc=0x1008 " dump.txt || true)
	[ "$r" -eq $N ] || fail "cpu$cpu: $r MMIO reads with the VMM's values, want $N"
	for e in "interrupt vector=0 at-exit" "interrupt vector=0 cleared" "timer arm id=1"; do
		c=$(grep -c "cpu$cpu .*$e" dump.txt || true)
		[ "$c" -eq $K ] || fail "cpu$cpu: $c '$e' events, want $K (one per vtimer exit)"
	done
	grep -q "cpu$cpu .*exec-time guest=" dump.txt || fail "cpu$cpu: no exec-time sample"
	grep "cpu$cpu " dump.txt | tail -1 | grep -q "end detached" || fail "cpu$cpu: no END last"
done
"$HVTRACE" stats hvf.hvt >stats.txt || fail "hvtrace stats"
echo "ok: exits, values, PCs, interrupts, vtimer and metadata as the VMM saw them"

# --- SIGKILL while vCPU 0 waits after its 50th exit
timeout -k 5 60 "$HVTRACE" record -o kill.hvt -- "$VMM" --hang-after 50 $N $K \
	>kill.out 2>kill.err &
REC=$!
i=0
while ! grep -q '^pid ' kill.out 2>/dev/null && [ $i -lt 300 ]; do
	sleep 0.05
	i=$((i + 1))
done
VPID=$(sed -n 's/^pid //p' kill.out)
[ -n "$VPID" ] || { cat kill.err; fail "kill: the VMM did not reach its stop point"; }
kill -KILL "$VPID"
set +e
wait "$REC"
status=$?
set -e
cat kill.err
[ "$status" -eq 137 ] || fail "kill: hvtrace ended with $status, want 137"
"$HVTRACE" check kill.hvt >/dev/null || fail "kill: the trace is not complete"
same_counts kill kill.out kill.hvt
"$HVTRACE" dump kill.hvt | grep "cpu0 .* exit " | tail -1 | grep -q "flags=0xa" ||
	fail "kill: vCPU 0's last exit should be flagged unfinished (0x8) and no-regs (0x2)"
echo "ok: SIGKILL of the VMM: complete trace, exact counts"

# --- nothing to record
echo stale >none.hvt
set +e
timeout -k 5 30 "$HVTRACE" record -o none.hvt -- true 2>none.err
status=$?
set -e
cat none.err
[ "$status" -eq 69 ] || fail "no HVF calls: status $status, want 69"
grep -q "never created a KVM VM through /dev/kvm nor a Hypervisor.framework VM (hv_vm_create): nothing recorded" none.err ||
	fail "no HVF calls: no clear message"
[ "$(cat none.hvt)" = stale ] || fail "no HVF calls: the existing file was touched"
set +e
timeout -k 5 30 "$HVTRACE" record -o none.hvt -- "$VMM" 2>none.err
status=$?
set -e
[ "$status" -eq 64 ] && grep -q "nor a Hypervisor.framework VM" none.err ||
	{ cat none.err; fail "a VMM failing before hv_vm_create: want its status 64 and the message"; }
echo "ok: no HVF calls: clear error, existing file kept"
echo "PASS"
