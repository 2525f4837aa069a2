#!/bin/sh
# A small threaded VMM (fork_vmm.c) runs vCPU 0 through a dup'd fd, forks a
# child that exits through exit(), and runs /bin/true via system(): the
# trace still has exactly each vCPU's exits (N pio-out + 1 halt on ids 0 and
# 3), once, and is complete.
# usage: fork_exec.sh HVTRACE FORK_VMM COUNT_EXITS WORKDIR
set -eu
HVTRACE=$1 VMM=$2 COUNT=$3 WORK=$4
. "$(dirname "$0")/common.sh"
need_kvm
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"
"$HVTRACE" record -o fork.hvt -- "$VMM" 40 >stdout.txt 2>stderr.txt ||
	{ cat stderr.txt; fail "record failed"; }
cat stdout.txt stderr.txt
"$HVTRACE" check fork.hvt || fail "hvtrace check"
"$COUNT" -k fork.hvt >got.txt
printf '0 pio-out 40\n0 halt 1\n3 pio-out 40\n3 halt 1\n' >want.txt
sort got.txt >got.s && sort want.txt >want.s
paste got.s want.s
cmp -s got.s want.s || fail "exits differ from the VMM's own count"
echo "PASS"
