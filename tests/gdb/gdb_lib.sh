# Shared by gdb_test.sh and gdb_arm64_test.sh (sourced; needs $HVT): result
# counting, the stub started on a free port, and output checks.
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }
need() { command -v "$1" > /dev/null 2>&1 || { echo "SKIP: $1 is not installed"; exit 77; }; }

# serve TRACE: starts the stub on a free port; sets PORT and STUB_PID
serve() {
	timeout -k 5 300 "$HVT" replay --gdb 127.0.0.1:0 "$1" > "$1.stub.out" 2> "$1.stub.err" &
	STUB_PID=$!
	PORT=
	for i in $(seq 1 100); do
		PORT=$(sed -n 's/.*serving the replay to gdb on 127.0.0.1:\([0-9]*\).*/\1/p' "$1.stub.err")
		[ -n "$PORT" ] && break
		sleep 0.1
	done
	[ -n "$PORT" ] || { echo "FAIL: the stub did not listen"; cat "$1.stub.err"; exit 1; }
}

# finish TRACE: the stub must end by itself after the client's kill/detach
finish() {
	wait "$STUB_PID"
	rc=$?
	if [ $rc -ne 0 ]; then fail "the stub exited $rc"; tail -20 "$1.stub.err"; else ok "stub exited 0"; fi
}

# between MARK_A MARK_B FILE: the lines between two echo markers
between() { sed -n "/^$1\$/,/^$2\$/p" "$3" | grep -v "^$1\$\|^$2\$"; }

# expect LABEL PATTERN FILE
expect() { if grep -q -- "$2" "$3"; then ok "$1"; else fail "$1 (no '$2')"; fi; }

# timer_checks OUT: the timer session's verdicts, from its echo markers: the
# 3rd hit prints ticks = 2 (P1), reverse-continue the 2nd (P2), registers
# before and after going back and forth (R1, R2), stepi and stepi +
# reverse-stepi (S1, S2).
timer_checks() {
	p1=$(between P1 R1 "$1"); p2=$(between P2 P2E "$1")
	[ "$p1" = '$1 = 2' ] && ok "3rd hit: ticks = 2" || fail "3rd hit printed '$p1', not ticks = 2"
	[ "$p2" = '$2 = 1' ] && ok "reverse-continue to the 2nd hit: ticks = 1" || fail "after reverse-continue: '$p2'"
	r1=$(between R1 R1E "$1"); r2=$(between R2 R2E "$1")
	if [ -n "$r1" ] && [ "$r1" = "$r2" ]; then ok "forward again: identical registers"
	else fail "registers differ after reverse and forward"; echo "$r1"; echo "--"; echo "$r2"; fi
	s1=$(between S1 S1E "$1"); s2=$(between S2 S2E "$1")
	s1=${s1#*=} s2=${s2#*=}
	if [ -n "$s1" ] && [ "$s1" = "$s2" ]; then ok "stepi / reverse-stepi: same PC ($s1)"
	else fail "stepi gave '$s1', stepi + reverse-stepi '$s2'"; fi
}
