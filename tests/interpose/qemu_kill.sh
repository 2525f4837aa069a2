#!/bin/sh
# A QEMU killed with SIGKILL mid-run: hvtrace (outside QEMU) still has every
# exit the shim published and finishes the trace, so check says intact
# (exit 0), the stream ends with END detached, dump and stats work, and
# the launcher reports 137 (128 + SIGKILL).
# usage: qemu_kill.sh HVTRACE MAKE_BOOTSECTOR WORKDIR
set -eu
HVTRACE=$1 MKBOOT=$2 WORK=$3
. "$(dirname "$0")/common.sh"
need_kvm
need_qemu
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"
"$MKBOOT" boot.img 65535 65535
# shellcheck disable=SC2046
timeout -k 5 120 "$HVTRACE" record -o killed.hvt -- "$QEMU" $(qemu_args boot.img qemu.log) \
	-pidfile qemu.pid >/dev/null 2>stderr.txt &
launcher=$!
i=0
while [ ! -s qemu.pid ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s qemu.pid ] || fail "QEMU did not start"
sleep 1.5
kill -KILL "$(cat qemu.pid)"
set +e
wait $launcher
status=$?
"$HVTRACE" check killed.hvt
check=$?
set -e
cat stderr.txt
[ "$status" -eq 137 ] || fail "expected status 137 from the launcher, got $status"
[ "$check" -eq 0 ] || fail "expected hvtrace check to exit 0 (hvtrace finished the trace), got $check"
n=$("$HVTRACE" dump killed.hvt | grep -c " exit ")
echo "exits readable after SIGKILL: $n"
[ "$n" -gt 0 ] || fail "no exits survived the kill"
"$HVTRACE" dump killed.hvt | tail -1 | grep -q " end detached " ||
	fail "hvtrace should end the stream of the killed VMM (END detached)"
"$HVTRACE" stats killed.hvt >/dev/null || fail "stats on a killed trace"
echo "PASS"
