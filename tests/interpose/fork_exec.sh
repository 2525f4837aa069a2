#!/bin/sh
# A small threaded VMM (fork_vmm.c) runs vCPU 0 through a dup'd fd, forks a
# child that exits through exit(), and runs /bin/true via system(): the
# trace still has exactly the exits the VMM itself counted on each vCPU (ids
# 0 and 3), once, and is complete; the VMM's counts are N pio-out + 1 halt.
# usage: fork_exec.sh HVTRACE FORK_VMM COUNT_EXITS WORKDIR
set -eu
HVTRACE=$1 VMM=$2 COUNT=$3 WORK=$4
. "$(dirname "$0")/common.sh"
need_kvm
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"
timeout -k 5 60 "$HVTRACE" record -o fork.hvt -- "$VMM" 40 >stdout.txt 2>stderr.txt ||
	{ cat stderr.txt; fail "record failed"; }
cat stdout.txt stderr.txt
"$HVTRACE" check fork.hvt || fail "hvtrace check"
"$COUNT" -k fork.hvt | sort >got.s
sort stdout.txt >want.s
printf '0 halt 1\n0 pio-out 40\n3 halt 1\n3 pio-out 40\n' >expected.s
echo "VCPU KIND COUNT: the VMM's own count vs the trace's"
paste want.s got.s
cmp -s want.s expected.s || fail "the VMM did not count 40 pio-out + 1 halt per vCPU itself"
cmp -s got.s want.s || fail "exits differ from the VMM's own count"
echo "PASS"
