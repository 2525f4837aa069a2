#!/bin/sh
# record -- COMMAND refuses what it cannot record, with a message and a
# nonzero status, and never leaves a trace that looks like a recording.
# usage: bad_input.sh HVTRACE WORKDIR FORK_VMM [CC]
set -eu
HVTRACE=$1 WORK=$2 VMM=$3 CC=${4:-cc}
. "$(dirname "$0")/common.sh"
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"

expect() { # expect STATUS MESSAGE_PART -- ARGS...
	want=$1 msg=$2
	shift 3
	set +e
	timeout -k 5 60 "$HVTRACE" record -o t.hvt -- "$@" >/dev/null 2>err.txt
	got=$?
	set -e
	echo "record -- $*: status $got: $(cat err.txt)"
	[ "$got" -eq "$want" ] || fail "expected status $want"
	grep -q "$msg" err.txt || fail "expected a message with '$msg'"
}

# Refused before running: an existing file at -o is left alone.
echo stale >t.hvt
expect 127 "command not found" -- no-such-command-hvtrace
[ -e t.hvt ] || fail "a refusal before running removed the old file"
# Ran but recorded nothing: the old file stays as it was, nothing is added.
expect 69 "never created a KVM VM" -- true
[ "$(cat t.hvt)" = stale ] || fail "record -- true changed or removed the existing file"
[ ! -e t.hvt.old ] || fail "record -- true moved the existing file aside"
ls t.hvt.*.partial 2>/dev/null && fail "a partial file was left behind"
expect 3 "never created a KVM VM" -- sh -c 'exit 3'
expect 143 "never created a KVM VM" -- sh -c 'kill -TERM $$'
printf 'int main(void) { return 0; }\n' >static.c
if "$CC" -static -o static static.c 2>/dev/null; then
	expect 69 "statically linked" -- ./static
	[ "$(cat t.hvt)" = stale ] || fail "refusing a static binary changed the existing file"
else
	echo "note: no static libc here; the static-binary check was not exercised"
fi
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	set +e
	timeout -k 5 60 "$HVTRACE" record -o t.hvt -- "$VMM" 0 >/dev/null 2>err.txt # a VM, no KVM_RUN
	got=$?
	set -e
	echo "record -- fork_vmm 0: status $got: $(cat err.txt)"
	[ "$got" -eq 69 ] && grep -q "no KVM_RUN was recorded" err.txt ||
		fail "a VM that never ran must not pass for a recording"
else
	echo "note: /dev/kvm unusable; the VM-without-KVM_RUN case was not exercised"
fi
set +e
timeout -k 5 60 "$HVTRACE" record -o t.hvt -- >/dev/null 2>err.txt
got=$?
set -e
[ "$got" -eq 64 ] && grep -q "missing COMMAND" err.txt || fail "record -- without COMMAND"
# Options of the built-in VMM are refused with --, not silently ignored.
set +e
timeout -k 5 60 "$HVTRACE" record --vcpus 2 -o t.hvt -- true >/dev/null 2>err.txt
got=$?
set -e
[ "$got" -eq 64 ] && grep -q "applies to the built-in VMM" err.txt || fail "record --vcpus -- COMMAND"
echo "PASS"
