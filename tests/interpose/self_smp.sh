#!/bin/sh
# hvtrace records hvtrace: the built-in VMM running the 2-vCPU smp guest,
# interposed. The inner trace's EXIT events are exact, so per vCPU the
# interposed trace must have the same exits, kind by kind. (Kicks would be
# equal too: both see the same KVM_RUN returns; the outer marks them with
# HVT_EVF_EXIT_ERRNO, the inner as kind kick without errno.)
# usage: self_smp.sh HVTRACE SMP_GUEST COUNT_EXITS WORKDIR
set -eu
HVTRACE=$1 GUEST=$2 COUNT=$3 WORK=$4
. "$(dirname "$0")/common.sh"
need_kvm
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"
timeout -k 5 120 "$HVTRACE" record -o outer.hvt -- "$HVTRACE" record --vcpus 2 -o inner.hvt "$GUEST" \
	>stdout.txt 2>stderr.txt || { cat stderr.txt; fail "record failed"; }
cat stderr.txt
"$COUNT" -k outer.hvt >outer.txt
"$COUNT" -k inner.hvt >inner.txt
echo "per vCPU / exit kind / count: interposed vs inner"
paste outer.txt inner.txt
cmp -s outer.txt inner.txt || fail "interposed exits differ from the inner trace"
grep -q "^1 " outer.txt || fail "no exits on vCPU 1"
grep -q "^0 pio-out" outer.txt || fail "no pio-out exits on vCPU 0"
echo "PASS"
