#!/usr/bin/env bash
# valgrind memcheck over record + replay + stats + export + check of the timer
# guest on real KVM: no invalid access, no use of uninitialised memory, no
# leak, and each command does its job under valgrind: the expected exit
# status and output (a memcheck-clean command that failed is still a
# failure). Needs a build without sanitizers (valgrind and ASan do not mix):
# the test registers itself only in such builds. Exits 77 without KVM.
set -u
hvtrace=$1
guests=$2
if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	echo "SKIP: /dev/kvm is missing or not accessible"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# vg WANT_STATUS NAME ARGS...: stdout in $tmp/NAME.out; fails on memcheck
# errors (status 99) and on any status other than WANT_STATUS.
vg() {
	local want=$1 name=$2
	shift 2
	timeout -k 5 600 valgrind --tool=memcheck --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=99 --quiet \
		"$hvtrace" "$@" >"$tmp/$name.out" 2>"$tmp/vg.err" </dev/null
	local st=$?
	if [ $st -eq 99 ]; then
		echo "FAIL: memcheck errors in hvtrace $*:"
		cat "$tmp/vg.err"
		return 1
	fi
	if [ $st -ne "$want" ]; then
		echo "FAIL: hvtrace $* exited $st under valgrind, want $want:"
		cat "$tmp/vg.err"
		return 1
	fi
	echo "ok   hvtrace $* (exit $st)"
}
# has NAME WHAT PATTERN: the command's output holds PATTERN.
has() {
	if grep -q "$3" "$1"; then echo "ok   $2"; else echo "FAIL: $2: no '$3' in $1"; return 1; fi
}
fails=0
vg 0 record record -q -o "$tmp/t.hvt" "$guests/timer" || fails=$((fails + 1))
[ -s "$tmp/t.hvt" ] && echo "ok   the trace exists" || { echo "FAIL: record left no trace"; fails=$((fails + 1)); }
vg 0 replay replay -q "$tmp/t.hvt" || fails=$((fails + 1))
cmp -s "$tmp/record.out" "$tmp/replay.out" && [ -s "$tmp/record.out" ] &&
	echo "ok   replay printed what the recording printed" ||
	{ echo "FAIL: replay console output differs from the recording's"; fails=$((fails + 1)); }
vg 0 stats stats --by port --hist "$tmp/t.hvt" || fails=$((fails + 1))
has "$tmp/stats.out" "stats lists the serial port's exits" "0x3f8:out" || fails=$((fails + 1))
vg 0 export export --format perfetto -o "$tmp/t.json" "$tmp/t.hvt" || fails=$((fails + 1))
has "$tmp/t.json" "export wrote exit events" '"cat": "exit"' || fails=$((fails + 1))
vg 0 check check "$tmp/t.hvt" || fails=$((fails + 1))
has "$tmp/check.out" "check says intact" ": ok: " || fails=$((fails + 1))
echo "$fails failed"
[ $fails -eq 0 ]
