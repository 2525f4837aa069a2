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
#   backtrace  gdb and lldb unwind from the tick handler through the SDK's
#          IRQ entry to the interrupted code (timer.debug's frame information)
#   access gdb-multiarch: rwatch forward stops after a load of ticks (on_tick's
#          ldr, then the busy loop's), reverse-continue lands on the loads,
#          awatch stops after a load and then after the store
#   lldb_watch  lldb: a read watchpoint stops after a load, a read_write one
#          after the load and then after the store
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

# run_gdbm TRACE SYMBOLS: gdb-multiarch runs TRACE.gdb with SYMBOLS; output
# in TRACE.gdb.out
run_gdbm() {
	timeout -k 5 240 gdb-multiarch -batch -nx -x "$1.gdb" "$2" > "$1.gdb.out" 2>&1
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
	run_gdbm "$t" "$t.elf"
	finish "$t"
	out=$t.gdb.out
	expect "target described as aarch64 (cpsr flags shown)" "cpsr.*EL=1" "$out"
	expect "breakpoint on a guest function" "Breakpoint 1, .* in on_tick" "$out"
	timer_checks "$out"
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

# disassemble TRACE: TRACE.dis of the image; sets ON_TICK_LDR and
# ON_TICK_STR, the addresses of on_tick's load and store of ticks
disassemble() {
	need aarch64-linux-gnu-objdump
	aarch64-linux-gnu-objdump -d "$1.elf" > "$1.dis" || { echo "FAIL: objdump"; exit 1; }
	ON_TICK_LDR=$(sed -n '/<on_tick>:/,/^$/p' "$1.dis" | awk '$3 == "ldr" { sub(/:$/, "", $1); print $1; exit }')
	ON_TICK_STR=$(sed -n '/<on_tick>:/,/^$/p' "$1.dis" | awk '$3 == "str" { sub(/:$/, "", $1); print $1; exit }')
	[ -n "$ON_TICK_LDR" ] && [ -n "$ON_TICK_STR" ] ||
		{ echo "FAIL: no ldr/str in on_tick ($1.dis)"; exit 1; }
}
# insn_at DIS HEX: the mnemonic at that address
insn_at() { awk -v a="$2:" '$1 == a { print $3; exit }' "$1"; }
# plus4 HEX
plus4() { printf '%x' $((0x$1 + 4)); }
minus4() { printf '%x' $((0x$1 - 4)); }

case_access() {
	need gdb-multiarch
	t=$WORK/timer.hvt
	record timer "$t"
	disassemble "$t"
	serve "$t"
	cat > "$t.gdb" <<G
set pagination off
target remote 127.0.0.1:$PORT
break on_tick
continue
continue
delete
rwatch *(long *)&ticks
echo C1\n
set debug remote 1
continue
set debug remote 0
print \$pc
echo C1E\n
continue
print \$pc
echo C2E\n
reverse-continue
print \$pc
echo C3E\n
reverse-continue
print \$pc
echo C4E\n
delete
awatch *(long *)&ticks
continue
print \$pc
echo C5E\n
continue
print \$pc
echo C6E\n
kill
G
	run_gdbm "$t" "$t.elf"
	finish "$t"
	out=$t.gdb.out
	# the stop's text (watchpoint, value) and its PC, between two markers
	stop() { between "$1" "$2" "$out"; }
	pc() { stop "$1" "$2" | sed -n 's/^\$[0-9]* = .* 0x\([0-9a-f]*\) <.*/\1/p'; }
	expect "rwatch accepted on arm64" "Hardware read watchpoint 2: \*(long \*)&ticks" "$out"
	c1=$(pc C1 C1E); c2=$(pc C1E C2E); c3=$(pc C2E C3E); c4=$(pc C3E C4E)
	c5=$(pc C4E C5E); c6=$(pc C5E C6E)
	# The stub reports the read before the load (pc, register 0x20, on the
	# ldr); gdb steps over it and shows the state after it.
	le=$(printf '%016x' "0x$ON_TICK_LDR" | sed 's/../& /g' | awk '{ for (i = NF; i > 0; i--) printf "%s", $i }')
	stop C1 C1E | grep -q "Packet received: T05[^ ]*rwatch:[0-9a-f]*;20:$le;" &&
		ok "the stop reply: rwatch, pc on the ldr" || fail "no rwatch stop reply with pc $ON_TICK_LDR"
	[ "$c1" = "$(plus4 "$ON_TICK_LDR")" ] && stop C1 C1E | grep -q "^Value = 1" &&
		ok "rwatch: after on_tick's load ($c1), ticks = 1" ||
		{ fail "rwatch: '$c1', not after on_tick's ldr at $ON_TICK_LDR with Value = 1"; stop C1 C1E; }
	[ -n "$c2" ] && [ "$(insn_at "$t.dis" "$(minus4 "$c2")")" = ldr ] &&
		stop C1E C2E | grep -q "^Value = 2" && stop C1E C2E | grep -q "in hvt_main" &&
		ok "rwatch again: after the main loop's load ($c2), ticks = 2" ||
		{ fail "second rwatch stop: '$c2'"; stop C1E C2E; }
	[ -n "$c2" ] && [ "$c3" = "$(minus4 "$c2")" ] && stop C2E C3E | grep -q "Hardware read watchpoint 2" &&
		ok "reverse-continue: on that load ($c3)" || { fail "reverse-continue: '$c3'"; stop C2E C3E; }
	[ "$c4" = "$ON_TICK_LDR" ] && stop C3E C4E | grep -q "^Value = 1" &&
		ok "reverse-continue again: on on_tick's load ($c4)" ||
		{ fail "second reverse-continue: '$c4', not $ON_TICK_LDR"; stop C3E C4E; }
	expect "awatch accepted on arm64" "Hardware access (read/write) watchpoint 3: \*(long \*)&ticks" "$out"
	[ "$c5" = "$(plus4 "$ON_TICK_LDR")" ] && ok "awatch: after the load ($c5)" ||
		{ fail "awatch: '$c5'"; stop C4E C5E; }
	[ "$c6" = "$(plus4 "$ON_TICK_STR")" ] && stop C5E C6E | grep -q "^New value = 2" &&
		ok "awatch: then after the store ($c6), 1 -> 2" || { fail "awatch store: '$c6'"; stop C5E C6E; }
}

case_lldb_watch() {
	need lldb
	t=$WORK/timer.hvt
	record timer "$t"
	disassemble "$t"
	serve "$t"
	timeout -k 5 120 lldb -b "$t.elf" -o "gdb-remote 127.0.0.1:$PORT" \
		-o "breakpoint set --name on_tick" -o "continue" -o "breakpoint delete 1" \
		-o "watchpoint set expression -w read -s 8 -- &ticks" -o "continue" -o "register read pc" \
		-o "continue" -o "register read pc" -o "kill" > "$t.lldb.out" 2>&1 < /dev/null
	finish "$t"
	out=$t.lldb.out
	expect "lldb sets a read watchpoint" "Watchpoint created: .*type = r" "$out"
	expect "lldb stops at it" "stop reason = watchpoint 1" "$out"
	pcs=$(sed -n 's/^ *pc = 0x0*\([0-9a-f]*\) .*/\1/p' "$out")
	p1=$(echo "$pcs" | sed -n 1p); p2=$(echo "$pcs" | sed -n 2p)
	[ "$p1" = "$(plus4 "$ON_TICK_LDR")" ] && ok "after on_tick's load ($p1): lldb stepped over it" ||
		{ fail "lldb's read watchpoint stopped at '$p1', not after $ON_TICK_LDR"; cat "$out"; }
	[ -n "$p2" ] && [ "$(insn_at "$t.dis" "$(minus4 "$p2")")" = ldr ] &&
		ok "then after the main loop's load ($p2)" || fail "second stop at '$p2'"
	expect "the value read (ticks = 1)" "new value: 0x0*1$" "$out"
}

# From the tick handler back to the code the interrupt landed in, through the
# SDK's IRQ entry (its call frame information is in timer.debug): gdb's bt and
# two finishes, lldb's bt and two thread step-outs, all end in hvt_main.
case_backtrace() {
	need gdb-multiarch
	need lldb
	[ -f "$GUESTS/timer.debug" ] ||
		{ echo "SKIP: no timer.debug (needs aarch64-linux-gnu-objcopy)"; exit 77; }
	t=$WORK/timer.hvt
	record timer "$t"
	serve "$t"
	cat > "$t.gdb" <<G
set pagination off
target remote 127.0.0.1:$PORT
break on_tick
continue
bt
finish
finish
echo F1\n
info symbol \$pc
echo F1E\n
kill
G
	run_gdbm "$t" "$GUESTS/timer.debug"
	finish "$t"
	out=$t.gdb.out
	expect "gdb: bt goes through the IRQ entry" "^#[0-9]  *0x[0-9a-f]* in hvt_irq_entry" "$out"
	expect "gdb: bt reaches hvt_main" "^#[0-9] .*hvt_main" "$out"
	f1=$(between F1 F1E "$out")
	case "$f1" in "hvt_main + "*) ok "gdb: two finishes return to hvt_main ($f1)";;
	*) fail "gdb: after two finishes: '$f1'";; esac
	serve "$t"
	timeout -k 5 120 lldb -b "$GUESTS/timer.debug" -o "gdb-remote 127.0.0.1:$PORT" \
		-o "breakpoint set --name on_tick" -o "continue" -o "bt" -o "thread step-out" \
		-o "thread step-out" -o "register read pc" -o "kill" > "$t.lldb.out" 2>&1 < /dev/null
	finish "$t"
	out=$t.lldb.out
	expect "lldb: bt reaches hvt_main" "frame #[2-9]: .*hvt_main" "$out"
	expect "lldb: two step-outs return to hvt_main" "pc = 0x[0-9a-f]*  *timer.debug\`hvt_main" "$out"
}

case_"$CASE"
[ $FAILS -eq 0 ] || exit 1
