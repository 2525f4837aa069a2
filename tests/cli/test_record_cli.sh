#!/usr/bin/env bash
# End-to-end: `hvtrace record` on real KVM, then check/info/dump on what it
# wrote. Usage: test_record_cli.sh HVTRACE GUEST_DIR. Exits 77 (skipped)
# with a message when /dev/kvm is not usable.
set -u
hvtrace=$1
guests=$2
if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	echo "SKIP: /dev/kvm is missing or not accessible; record tests need KVM"
	exit 77
fi
. "$(dirname "$0")/../support/check.sh"

# The embedded demo guest: exit 0, console on stdout, messages on stderr.
timeout -k 5 120 "$hvtrace" record -o "$tmp/demo.hvt" >"$tmp/out" 2>"$tmp/err"
expect "demo: exit status" $? 0
grep -q "hvtrace demo guest" "$tmp/out" && pass "demo: console on stdout" || fail "demo: console on stdout"
grep -q "hvtrace demo guest" "$tmp/err" && fail "demo: console leaked to stderr" || pass "demo: console not on stderr"
grep -q "^hvtrace: recorded" "$tmp/err" && pass "demo: summary on stderr" || fail "demo: summary on stderr"
"$hvtrace" check "$tmp/demo.hvt" >/dev/null
expect "demo: check intact" $? 0
"$hvtrace" info "$tmp/demo.hvt" | grep -q "meta backend *kvm" && pass "demo: backend metadata" || fail "demo: backend metadata"

# hello: the console output is exactly the guest's text, and dump shows one
# pio-out exit per byte printed plus the power-off.
timeout -k 5 120 "$hvtrace" record -q -o "$tmp/hello.hvt" "$guests/hello" >"$tmp/hello.out"
expect "hello: exit status" $? 0
expect "hello: console" "$(cat "$tmp/hello.out")" "Hello from an hvtrace guest!"
bytes=$(wc -c <"$tmp/hello.out")
outs=$("$hvtrace" dump "$tmp/hello.hvt" | grep -c "exit pio-out port=0x3f8 ")
expect "hello: one serial exit per byte" "$outs" "$bytes"
expect "hello: one power-off" "$("$hvtrace" dump "$tmp/hello.hvt" | grep -c "exit pio-out port=0x600 ")" 1
events=$("$hvtrace" info "$tmp/hello.hvt" | sed -n 's/^events: *\([0-9]*\) in.*/\1/p')
expect "hello: dump prints every event" "$("$hvtrace" dump "$tmp/hello.hvt" | wc -l)" "$events"

# Exit statuses: timeout 124, crash 125, unreadable image 66, text image 65.
timeout -k 5 120 "$hvtrace" record -q --timeout 0.3 -o "$tmp/spin.hvt" "$guests/bad_spin" >/dev/null
expect "spin: timeout status" $? 124
"$hvtrace" check "$tmp/spin.hvt" >/dev/null
expect "spin: trace intact after timeout" $? 0
timeout -k 5 120 "$hvtrace" record -q -o "$tmp/triple.hvt" "$guests/bad_triple" >/dev/null
expect "triple fault: status" $? 125
timeout -k 5 120 "$hvtrace" record -q -o "$tmp/x.hvt" "$tmp/does-not-exist" 2>/dev/null
expect "missing image: status" $? 66
printf 'not a guest\n' >"$tmp/text"
timeout -k 5 120 "$hvtrace" record -q -o "$tmp/x.hvt" "$tmp/text" 2>/dev/null
expect "text image: status" $? 65
timeout -k 5 120 "$hvtrace" record --vcpus 0 2>/dev/null
expect "bad option: status" $? 64

# SIGINT stops the guest and leaves a complete trace. --foreground: timeout then
# hands the signal to hvtrace alone (without it the whole group gets it twice,
# and a second Ctrl-C kills hvtrace as it should).
timeout --foreground -k 5 60 "$hvtrace" record -q -o "$tmp/int.hvt" "$guests/bad_spin" >/dev/null &
pid=$!
sleep 0.5
kill -INT $pid
wait $pid
expect "SIGINT: status" $? 130
"$hvtrace" check "$tmp/int.hvt" >/dev/null
expect "SIGINT: trace intact" $? 0
"$hvtrace" dump "$tmp/int.hvt" | grep -q " end interrupted " && pass "SIGINT: END event" || fail "SIGINT: END event"

# --until-failure keeps the failing run of the flaky guest, and nothing else.
timeout -k 5 120 "$hvtrace" record --until-failure=200 -o "$tmp/flaky.hvt" "$guests/flaky" >/dev/null 2>"$tmp/flaky.err"
st=$?
[ "$st" -ne 0 ] && pass "flaky: failure caught (status $st)" || fail "flaky: no failure in 200 runs"
[ -f "$tmp/flaky.hvt" ] && pass "flaky: trace kept" || fail "flaky: trace kept"
[ ! -e "$tmp/flaky.hvt.attempt" ] && pass "flaky: no attempt file left" || fail "flaky: attempt file left"
code=$("$hvtrace" info "$tmp/flaky.hvt" | sed -n 's/^meta exit_code *//p')
[ -n "$code" ] && [ "$code" != 0 ] && pass "flaky: trace records exit code $code" || fail "flaky: exit code in trace ('$code')"

if [ $fails -ne 0 ]; then
	echo "$fails failed"
	exit 1
fi
echo "all record CLI checks passed"
