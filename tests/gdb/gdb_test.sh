#!/bin/sh
# The gdb stub with the real clients on real KVM (label "gdb").
#
# usage: gdb_test.sh CASE HVTRACE GUEST_DIR MALFORMED_CLIENT WORK_DIR [DOC]
#   timer     break on a guest function, continue to its 3rd hit, print a guest
#             variable, reverse-continue to hit 2, continue forward to identical
#             registers, stepi / reverse-stepi to the same PC, monitor when
#   rewind    from just after the 3rd tick's handler back to a bookmark at the
#             start (monitor checkpoint / restart) and forward again: the
#             re-execution lands every tick again
#   watch     a write watchpoint on a guest variable forward and in reverse (flaky)
#   threads   two vCPUs are two threads; breakpoints hit in each; reverse on both
#   lldb      one lldb session: break, continue, register read
#   walkthrough  the gdb lines of docs/debugging.md, as written, on a failing
#             flaky recording: the lost update and the interrupted store are found
#   interrupt Ctrl-C (a 0x03 byte) stops a running continue with SIGINT
#   access    read and access watchpoints (rwatch, awatch) forward and in
#             reverse: each stop follows an instruction that read (or wrote)
#             the variable, per the guest's own disassembly
#   lldb_watch  lldb's read watchpoint (watchpoint set variable -w read)
#   malformed a stream of malformed packets is answered with errors; the stub
#             stays alive and answers valid packets after them
# Exit 77 (skipped) with a message when KVM, gdb or lldb is missing.
set -u
CASE=$1 HVT=$2 GUESTS=$3 BADCLIENT=$4 WORK=$5/$1 DOC=${6:-}
mkdir -p "$WORK" || exit 1
rm -f "$WORK"/*
. "$(dirname "$0")/gdb_lib.sh"

# record GUEST TRACE [ARGS]: also TRACE.elf (the embedded image, which must be
# the guest's) and TRACE.dbg (its twin with debug info, for the clients)
record() {
	g=$1 t=$2; shift 2
	timeout -k 5 120 "$HVT" record -q -o "$t" "$@" "$GUESTS/$g" > "$t.rec.out" 2> "$t.rec.err" < /dev/null
	rc=$?
	if [ $rc -eq 69 ]; then echo "SKIP: no usable /dev/kvm"; exit 77; fi
	# 0 or 1: the guest's exit code; 124: stopped by --timeout
	[ $rc -eq 0 ] || [ $rc -eq 1 ] || [ $rc -eq 124 ] || { echo "FAIL: record $g exited $rc"; cat "$t.rec.err"; exit 1; }
	"$HVT" replay --extract-image "$t.elf" "$t" 2> /dev/null || { echo "FAIL: --extract-image"; exit 1; }
	cmp -s "$t.elf" "$GUESTS/$g" || { echo "FAIL: --extract-image differs from $g"; exit 1; }
	"$HVT" replay --extract-image "$t.elf" "$t" > /dev/null 2>&1 &&
		{ echo "FAIL: --extract-image overwrote a file"; exit 1; }
	cp "$GUESTS/$g.debug" "$t.dbg"
}

run_gdb() { # run_gdb TRACE SCRIPT: output in TRACE.gdb.out
	sed "s/@PORT@/$PORT/" "$2" > "$1.gdb"
	timeout -k 5 240 gdb -batch -nx -x "$1.gdb" "$1.dbg" > "$1.gdb.out" 2>&1
}

case_timer() {
	t=$WORK/timer.hvt
	record timer "$t"
	serve "$t"
	cat > "$WORK/s.gdb" <<'G'
set pagination off
target remote 127.0.0.1:@PORT@
break on_tick
continue
continue
continue
echo P1\n
print ticks
echo R1\n
info registers rip rsp rax rbx rcx rdx rsi rdi eflags
echo R1E\n
reverse-continue
echo P2\n
print ticks
echo P2E\n
continue
echo R2\n
info registers rip rsp rax rbx rcx rdx rsi rdi eflags
echo R2E\n
delete
stepi
echo S1\n
print $pc
echo S1E\n
stepi
reverse-stepi
echo S2\n
print $pc
echo S2E\n
monitor when
kill
G
	run_gdb "$t" "$WORK/s.gdb"
	finish "$t"
	out=$t.gdb.out
	expect "breakpoint on a guest function" "Breakpoint 1, on_tick" "$out"
	timer_checks "$out"
	expect "monitor when" "^event [0-9]* of [0-9]*" "$out"
}

case_rewind() {
	t=$WORK/timer.hvt
	record timer "$t"
	serve "$t"
	cat > "$WORK/s.gdb" <<'G'
set pagination off
target remote 127.0.0.1:@PORT@
break hvt_main
continue
monitor checkpoint
delete
break on_tick
continue
continue
continue
tbreak *(*(long *)$rsp)
continue
delete
monitor restart 0
maint flush register-cache
echo B1\n
print $pc == hvt_main
echo B1E\n
continue
kill
G
	run_gdb "$t" "$WORK/s.gdb"
	finish "$t"
	out=$t.gdb.out
	# Since its last landing the handler wrote landed_at[], a page the first
	# landing's memory fingerprint (pages written since the start) does not
	# cover: back at the start, that landing must match again going forward.
	b1=$(between B1 B1E "$out")
	[ "${b1#*= }" = "1" ] && ok "monitor restart 0: back at hvt_main, before the first tick" ||
		fail "monitor restart 0: '$b1'"
	grep -q "diverged" "$out" && fail "the replay diverged going forward again" ||
		ok "no divergence going forward again over every tick"
	expect "forward again to the end" "No more reverse-execution history" "$out"
}

case_watch() {
	t=$WORK/flaky.hvt
	record flaky "$t"
	serve "$t"
	cat > "$WORK/s.gdb" <<'G'
set pagination off
target remote 127.0.0.1:@PORT@
watch counter
continue
continue
echo W1\n
print counter
echo W1E\n
continue
reverse-continue
echo W2\n
print counter
echo W2E\n
delete
kill
G
	run_gdb "$t" "$WORK/s.gdb"
	finish "$t"
	out=$t.gdb.out
	expect "watchpoint set" "Hardware watchpoint 1: counter" "$out"
	expect "first write seen" "Old value = 0" "$out"
	expect "second write seen" "New value = 2" "$out"
	w1=$(between W1 W1E "$out"); w2=$(between W2 W2E "$out")
	[ "$w1" = '$1 = 2' ] && ok "after two writes: counter = 2" || fail "after two writes: '$w1'"
	# Reverse: back over the third write, to just before it (counter = 2).
	[ "$w2" = '$2 = 2' ] && ok "reverse watchpoint stops before the write (counter = 2)" ||
		fail "after reverse-continue with the watchpoint: '$w2'"
}

case_threads() {
	t=$WORK/smp.hvt
	record smp "$t" --vcpus 2
	serve "$t"
	cat > "$WORK/s.gdb" <<'G'
set pagination off
target remote 127.0.0.1:@PORT@
info threads
break count_ticks
continue
continue
echo T1\n
print me
echo T1E\n
thread 1
echo T2\n
print $_thread
echo T2E\n
reverse-continue
echo T3\n
print me
echo T3E\n
kill
G
	run_gdb "$t" "$WORK/s.gdb"
	finish "$t"
	out=$t.gdb.out
	expect "two threads" "Thread 2 (vCPU 1)" "$out"
	expect "thread 2 hits the breakpoint" "Thread 2 hit Breakpoint 1" "$out"
	expect "thread 1 hits the breakpoint" "Thread 1 hit Breakpoint 1" "$out"
	t1=$(between T1 T1E "$out"); t3=$(between T3 T3E "$out")
	[ "$t1" != "$t3" ] && [ -n "$t3" ] && ok "reverse-continue goes back to the other vCPU's hit" ||
		fail "reverse-continue on two vCPUs: '$t1' then '$t3'"
}

case_lldb() {
	need lldb
	t=$WORK/timer.hvt
	record timer "$t"
	serve "$t"
	timeout -k 5 120 lldb -b "$t.dbg" -o "gdb-remote 127.0.0.1:$PORT" -o "breakpoint set -n on_tick" \
		-o "continue" -o "register read rip" -o "kill" > "$t.lldb.out" 2>&1
	finish "$t"
	expect "lldb stops at the breakpoint" "stop reason = breakpoint 1.1" "$t.lldb.out"
	expect "lldb reads rip at on_tick" "rip = 0x[0-9a-f]*  *.*on_tick" "$t.lldb.out"
}

case_walkthrough() {
	t=$WORK/flaky.hvt
	timeout -k 5 600 "$HVT" record -q --until-failure -o "$t" "$GUESTS/flaky" \
		> "$t.rec.out" 2> "$t.rec.err" < /dev/null
	rc=$?
	if [ $rc -eq 69 ]; then echo "SKIP: no usable /dev/kvm"; exit 77; fi
	[ -f "$t" ] || { echo "FAIL: --until-failure kept no trace (exit $rc)"; exit 1; }
	cp "$GUESTS/flaky.debug" "$t.dbg"
	serve "$t"
	# The fenced block after the walkthrough marker, port replaced.
	awk '/walkthrough.gdb/ { m = 1; next } m == 1 && /```/ { m = 2; next }
	     m == 2 && /```/ { exit } m == 2 { sub(/^   /, ""); print }' "$DOC" |
		sed 's/127.0.0.1:1234/127.0.0.1:@PORT@/' > "$WORK/s.gdb"
	[ -s "$WORK/s.gdb" ] || { echo "FAIL: no walkthrough block in $DOC"; exit 1; }
	run_gdb "$t" "$WORK/s.gdb"
	finish "$t"
	out=$t.gdb.out
	expect "continue reaches the end" "No more reverse-execution history" "$out"
	old=$(sed -n 's/^Old value = \([0-9]*\)$/\1/p' "$out" | tail -1)
	new=$(sed -n 's/^New value = \([0-9]*\)$/\1/p' "$out" | tail -1)
	if [ -n "$old" ] && [ -n "$new" ] && [ "$new" -lt "$old" ]; then
		ok "the watchpoint finds the lost update ($old -> $new)"
	else
		fail "no lost update found (old '$old', new '$new')"
	fi
	expect "reverse-continue to the tick handler" "^Breakpoint 2, on_tick" "$out"
	# Interrupted after the load: at the add or at the store.
	expect "the tick interrupted the load-add-store" "add  *\$0x1,%rax\|mov  *%rax,.*<counter>" "$out"
}

case_interrupt() {
	t=$WORK/busy.hvt
	record busy "$t" --timeout 2
	serve "$t"
	timeout -k 5 120 "$BADCLIENT" 127.0.0.1 "$PORT" interrupt > "$t.int.out" 2>&1
	rc=$?
	cat "$t.int.out"
	[ $rc -eq 0 ] && ok "Ctrl-C" || fail "the interrupt client exited $rc"
	finish "$t"
}

# next_after PATTERN DISASSEMBLY: the addresses of the instructions that
# follow each line matching PATTERN (objdump -d format)
next_after() {
	awk -v pat="$1" '/^ *[0-9a-f]+:/ { a = $1; sub(/:$/, "", a); if (want) { print a; want = 0 }
	                                  if ($0 ~ pat) want = 1 }' "$2" | sort -u
}

case_access() {
	need objdump
	t=$WORK/flaky.hvt
	record flaky "$t"
	objdump -d "$t.dbg" > "$t.dis" || { echo "FAIL: objdump"; exit 1; }
	# Loads of counter: "mov 0x..(%rip),%reg # <counter>"; stores: "mov %reg,0x..(%rip)".
	loads=$(next_after 'mov +0x[0-9a-f]+\(%rip\),%[a-z0-9]+ +# [0-9a-f]+ <counter>' "$t.dis")
	stores=$(next_after 'mov +%[a-z0-9]+,0x[0-9a-f]+\(%rip\) +# [0-9a-f]+ <counter>' "$t.dis")
	load_at=$(grep -E 'mov +0x[0-9a-f]+\(%rip\),%rax +# [0-9a-f]+ <counter>' "$t.dis" |
		awk '{ sub(/:$/, "", $1); print $1 }' | sort -u)
	[ -n "$loads" ] && [ -n "$stores" ] || { echo "FAIL: no loads/stores of counter in $t.dis"; exit 1; }
	serve "$t"
	cat > "$WORK/s.gdb" <<'G'
set pagination off
target remote 127.0.0.1:@PORT@
rwatch counter
continue
echo A1\n
print/x $pc
echo A1E\n
continue
reverse-continue
echo A2\n
print/x $pc
echo A2E\n
delete
awatch counter
continue
echo A3\n
print/x $pc
echo A3E\n
continue
echo A4\n
print/x $pc
echo A4E\n
kill
G
	run_gdb "$t" "$WORK/s.gdb"
	finish "$t"
	out=$t.gdb.out
	pc_of() { between "$1" "$1E" "$out" | sed -n 's/^\$[0-9]* = 0x0*//p'; }
	in_set() { [ -n "$1" ] && echo "$2" | grep -qx "0*$1"; }
	expect "read watchpoint set" "Hardware read watchpoint 1: counter" "$out"
	expect "read watchpoint reports the value" "^Value = 0" "$out"
	a1=$(pc_of A1); a2=$(pc_of A2); a3=$(pc_of A3); a4=$(pc_of A4)
	in_set "$a1" "$loads" && ok "rwatch stops after a load of counter ($a1)" ||
		fail "rwatch stopped at '$a1', not after a load of counter ($loads)"
	in_set "$a2" "$load_at" && ok "reverse-continue with rwatch stops on the load ($a2)" ||
		fail "reverse rwatch stopped at '$a2', not on a load of counter ($load_at)"
	expect "access watchpoint set" "Hardware access (read/write) watchpoint 2: counter" "$out"
	in_set "$a3" "$loads" && ok "awatch stops after a load ($a3)" ||
		fail "awatch first stop at '$a3', not after a load ($loads)"
	in_set "$a4" "$stores" && ok "awatch then stops after the store ($a4)" ||
		fail "awatch second stop at '$a4', not after a store ($stores)"
	# rwatch stopped at the second load (counter = 1), then went back
	# before it: the awatch's store is counter's second write, 1 -> 2.
	expect "the store is reported as a write" "^New value = 2" "$out"
}

case_lldb_watch() {
	need lldb
	need objdump
	t=$WORK/flaky.hvt
	record flaky "$t"
	objdump -d "$t.dbg" > "$t.dis" || { echo "FAIL: objdump"; exit 1; }
	loads=$(next_after 'mov +0x[0-9a-f]+\(%rip\),%[a-z0-9]+ +# [0-9a-f]+ <counter>' "$t.dis")
	[ -n "$loads" ] || { echo "FAIL: no loads of counter in $t.dis"; exit 1; }
	serve "$t"
	timeout -k 5 120 lldb -b "$t.dbg" -o "gdb-remote 127.0.0.1:$PORT" \
		-o "watchpoint set variable -w read counter" -o "continue" -o "register read rip" \
		-o "kill" > "$t.lldb.out" 2>&1
	finish "$t"
	expect "lldb sets a read watchpoint" "Watchpoint created: .*type = r" "$t.lldb.out"
	expect "lldb stops at it" "stop reason = watchpoint 1" "$t.lldb.out"
	rip=$(sed -n 's/^ *rip = 0x0*\([0-9a-f]*\) .*/\1/p' "$t.lldb.out" | head -1)
	[ -n "$rip" ] && echo "$loads" | grep -qx "0*$rip" && ok "after a load of counter ($rip)" ||
		fail "lldb's read watchpoint stopped at '$rip', not after a load ($loads)"
}

case_malformed() {
	t=$WORK/timer.hvt
	record timer "$t"
	serve "$t"
	timeout -k 5 120 "$BADCLIENT" 127.0.0.1 "$PORT" > "$t.bad.out" 2>&1
	rc=$?
	cat "$t.bad.out"
	[ $rc -eq 0 ] && ok "malformed packets answered with errors" || fail "malformed client exited $rc"
	finish "$t"
}

need gdb
case_"$CASE"
[ $FAILS -eq 0 ] || { echo "$FAILS failure(s); logs in $WORK"; exit 1; }
