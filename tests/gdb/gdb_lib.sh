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
