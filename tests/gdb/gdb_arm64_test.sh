#!/bin/sh
# The gdb stub on arm64 traces (label "gdb"): recorded with the HVF backend
# (the Unicorn stand-in of compat/hvf/ here, the framework on a Mac), served
# to gdb-multiarch and lldb.
#
# usage: gdb_arm64_test.sh CASE HVTRACE ARM64_GUEST_DIR WORK_DIR
#   timer  gdb-multiarch: break on a guest function, continue to its 3rd hit,
#          print a guest variable, reverse-continue to hit 2, continue forward
#          to identical registers, stepi / reverse-stepi to the same PC, a write
#          watchpoint forward (stops after the store) and in reverse (before
#          it), monitor when
#   lldb   one lldb session: gdb-remote, break, continue, register read pc
# Exit 77 (skipped) with a message when gdb-multiarch, lldb, the arm64 guests
# (aarch64 gcc) or the HVF backend (unicorn) are missing.
set -u
CASE=$1 HVT=$2 GUESTS=$3 WORK=$4/a64_$1
mkdir -p "$WORK" || exit 1
rm -f "$WORK"/*
. "$(dirname "$0")/gdb_lib.sh"

[ -x "$GUESTS/timer" ] ||
	{ echo "SKIP: the arm64 guests are not built (needs gcc-aarch64-linux-gnu)"; exit 77; }

# record GUEST TRACE: also TRACE.elf, the image embedded in the trace
record() {
	g=$1 t=$2
	timeout -k 5 120 "$HVT" record -q -o "$t" "$GUESTS/$g" > "$t.rec.out" 2> "$t.rec.err" < /dev/null
	rc=$?
	if [ $rc -eq 69 ]; then echo "SKIP: no HVF backend in this build: $(cat "$t.rec.err")"; exit 77; fi
	[ $rc -eq 0 ] || { echo "FAIL: record $g exited $rc"; cat "$t.rec.err"; exit 1; }
	"$HVT" replay --extract-image "$t.elf" "$t" 2> /dev/null || { echo "FAIL: --extract-image"; exit 1; }
	cmp -s "$t.elf" "$GUESTS/$g" || { echo "FAIL: --extract-image differs from $g"; exit 1; }
}

case_timer() {
	need gdb-multiarch
	t=$WORK/timer.hvt
	record timer "$t"
	serve "$t"
	expect "the stub prints the gdb-multiarch command line" \
		"hvtrace: gdb-multiarch GUEST.elf -ex 'target remote 127.0.0.1:$PORT'" "$t.stub.err"
	# The image has symbols but no debug info: variables are read with a cast.
	cat > "$t.gdb" <<G
set pagination off
target remote 127.0.0.1:$PORT
break on_tick
continue
continue
continue
echo P1\n
print (long)ticks
echo R1\n
info registers pc sp x0 x1 x2 x19 x29 x30 cpsr
echo R1E\n
reverse-continue
echo P2\n
print (long)ticks
echo P2E\n
continue
echo R2\n
info registers pc sp x0 x1 x2 x19 x29 x30 cpsr
echo R2E\n
delete
stepi
echo S1\n
print \$pc
echo S1E\n
stepi
reverse-stepi
echo S2\n
print \$pc
echo S2E\n
watch *(long *)&ticks
continue
echo W1\n
print (long)ticks
print \$pc
echo W1E\n
reverse-continue
echo W2\n
print (long)ticks
print \$pc
echo W2E\n
delete
monitor when
kill
G
	timeout -k 5 240 gdb-multiarch -batch -nx -x "$t.gdb" "$t.elf" > "$t.gdb.out" 2>&1
	finish "$t"
	out=$t.gdb.out
	expect "target described as aarch64 (cpsr flags shown)" "cpsr.*EL=1" "$out"
	expect "breakpoint on a guest function" "Breakpoint 1, .* in on_tick" "$out"
	p1=$(between P1 R1 "$out"); p2=$(between P2 P2E "$out")
	[ "$p1" = '$1 = 2' ] && ok "3rd hit: ticks = 2" || fail "3rd hit printed '$p1', not ticks = 2"
	[ "$p2" = '$2 = 1' ] && ok "reverse-continue to the 2nd hit: ticks = 1" || fail "after reverse-continue: '$p2'"
	r1=$(between R1 R1E "$out"); r2=$(between R2 R2E "$out")
	if [ -n "$r1" ] && [ "$r1" = "$r2" ]; then ok "forward again: identical registers"
	else fail "registers differ after reverse and forward"; echo "$r1"; echo "--"; echo "$r2"; fi
	s1=$(between S1 S1E "$out"); s2=$(between S2 S2E "$out")
	s1=${s1#*=} s2=${s2#*=}
	if [ -n "$s1" ] && [ "$s1" = "$s2" ]; then ok "stepi / reverse-stepi: same PC ($s1)"
	else fail "stepi gave '$s1', stepi + reverse-stepi '$s2'"; fi
	# on_tick is ldr / add / str / ret: the store of ticks++ is on_tick+12.
	w1=$(between W1 W1E "$out"); w2=$(between W2 W2E "$out")
	case "$w1" in *'= 3'*'<on_tick+16>'*) ok "watchpoint forward: ticks 2 -> 3, stopped after the store";;
	*) fail "watchpoint forward: '$w1'";; esac
	case "$w2" in *'= 2'*'<on_tick+12>'*) ok "watchpoint in reverse: before the store, ticks = 2";;
	*) fail "watchpoint in reverse: '$w2'";; esac
	expect "monitor when" "^event [0-9]* of [0-9]*" "$out"
}

case_lldb() {
	need lldb
	t=$WORK/timer.hvt
	record timer "$t"
	serve "$t"
	expect "the stub prints the lldb command line" \
		"hvtrace: lldb GUEST.elf -o 'gdb-remote 127.0.0.1:$PORT'" "$t.stub.err"
	cat > "$t.lldb" <<L
gdb-remote 127.0.0.1:$PORT
breakpoint set --name on_tick
continue
register read pc
continue
register read pc x0
kill
L
	timeout -k 5 120 lldb -b -s "$t.lldb" "$t.elf" > "$t.lldb.out" 2>&1 < /dev/null
	finish "$t"
	out=$t.lldb.out
	expect "lldb connected" "stop reason" "$out"
	n=$(grep -c "pc = 0x[0-9a-f]*  *[^ ]*\`on_tick$" "$out")
	[ "$n" -eq 2 ] && ok "two hits of on_tick, register read pc" || { fail "pc at on_tick $n times, not 2"; cat "$out"; }
	expect "register read x0: the IRQ id 27 (0x1b)" "x0 = 0x000000000000001b" "$out"
}

case_"$CASE"
[ $FAILS -eq 0 ] || exit 1
