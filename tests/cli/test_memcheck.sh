#!/usr/bin/env bash
# valgrind memcheck over record + replay + stats + export + check of the timer
# guest on real KVM: no invalid access, no use of uninitialised memory, no
# leak. Needs a build without sanitizers (valgrind and ASan do not mix):
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
vg() {
	valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--error-exitcode=99 --quiet "$hvtrace" "$@" >/dev/null 2>"$tmp/vg.err"
	local st=$?
	if [ $st -eq 99 ]; then
		echo "FAIL: memcheck errors in hvtrace $*:"
		cat "$tmp/vg.err"
		return 1
	fi
	echo "ok   hvtrace $* (exit $st)"
}
fails=0
vg record -q -o "$tmp/t.hvt" "$guests/timer" || fails=$((fails + 1))
vg replay "$tmp/t.hvt" || fails=$((fails + 1))
vg stats --by port --hist "$tmp/t.hvt" || fails=$((fails + 1))
vg export --format perfetto -o "$tmp/t.json" "$tmp/t.hvt" || fails=$((fails + 1))
vg check "$tmp/t.hvt" || fails=$((fails + 1))
echo "$fails failed"
[ $fails -eq 0 ]
