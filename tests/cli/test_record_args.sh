#!/usr/bin/env bash
# `hvtrace record`'s command line as a new user types it (issue 10, item 2):
# options anywhere before "--", "--until-failure 50" with a separate number,
# numbers in decimal. Every guest runs under `timeout -k 5 N`.
# usage: test_record_args.sh HVTRACE GUEST_DIR. Exits 77 without /dev/kvm.
set -u
hvtrace=$1
guests=$2
if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	echo "SKIP: /dev/kvm is missing or not accessible; record tests need KVM"
	exit 77
fi
. "$(dirname "$0")/../support/check.sh"
rec() { timeout -k 5 60 "$hvtrace" record "$@"; }
meta() { "$hvtrace" info "$1" | sed -n "s/^meta $2 *//p"; }

# The README's own line: an option after the guest image.
rec -o "$tmp/t.hvt" "$guests/timer" --timeout 5 >/dev/null 2>"$tmp/err"
expect "option after the image: status" $? 0
expect "option after the image: trace of the timer guest" "$(meta "$tmp/t.hvt" image_name)" "$guests/timer"

# -q after the image, --vcpus between options and the image.
rec -o "$tmp/h.hvt" --vcpus 2 "$guests/hello" -q >/dev/null 2>"$tmp/err"
expect "-q after the image: status" $? 0
expect "-q after the image: no summary" "$(wc -c <"$tmp/err")" 0
expect "--vcpus before the image" "$(meta "$tmp/h.hvt" vcpus)" 2

# Numbers are decimal: 010 is ten vCPUs, not eight.
rec -q --vcpus 010 -o "$tmp/v.hvt" "$guests/hello" >/dev/null
expect "--vcpus 010: status" $? 0
expect "--vcpus 010 means ten" "$(meta "$tmp/v.hvt" vcpus)" 10

# --until-failure 50 (a separate number), options after it.
rec --until-failure 50 -o "$tmp/q.hvt" "$guests/flaky" >/dev/null 2>"$tmp/err"
st=$?
grep -q "bad value\|usage" "$tmp/err" && fail "--until-failure 50: refused: $(head -1 "$tmp/err")"
[ "$st" -ne 64 ] && [ -f "$tmp/q.hvt" ] && pass "--until-failure 50 -o FILE GUEST (status $st)" ||
	fail "--until-failure 50 -o FILE GUEST: status $st, trace kept: $(ls "$tmp")"
grep -q "of at most 50 failed\|in 50 runs" "$tmp/err" && pass "--until-failure 50: MAX taken as 50" ||
	fail "--until-failure 50: MAX not 50: $(tail -1 "$tmp/err")"

# Only "--" ends option parsing: after it everything is COMMAND; and a guest
# image before "--" is refused, not ignored.
rec -o "$tmp/x.hvt" "$guests/hello" -- true >/dev/null 2>"$tmp/err"
expect "a guest image with -- COMMAND: status" $? 64
grep -q "applies to the built-in VMM" "$tmp/err" && pass "a guest image with --: message" ||
	fail "a guest image with --: message: $(cat "$tmp/err")"
rec -o "$tmp/a.hvt" "$guests/hello" extra >/dev/null 2>"$tmp/err"
expect "two guest images: status" $? 64

if [ $fails -ne 0 ]; then
	echo "$fails failed"
	exit 1
fi
echo "all record argument checks passed"
