#!/bin/sh
# check_deps_selftest.sh CHECKER WORKDIR: scripts/check_deps.sh must pass a
# small tree that keeps every rule and fail, naming the file, on each kind of
# violation added to it one at a time. Without this the "deps" test could
# pass because the checker checks nothing.
set -u
checker=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
cd "$work" || exit 1
fails=0

put() { # put PATH LINE...: write a file, one line per argument
	mkdir -p "$(dirname "$1")"
	f=$1
	shift
	printf '%s\n' "$@" >"$f"
}

put core/kvm/kvm_internal.h '#include <linux/kvm.h>' '#include "backend.h"'
put core/kvm/kvm_vm.c '#include "kvm_internal.h"' '#include "../errmsg.h"'
put core/kvm/shim/shim.c '#include <linux/kvm.h>' '#include "kvm/kvm_internal.h"'
put core/include/core/backend.h '#include "hvtrace/event.h"'
put core/include/core/vmm.h '#include "backend.h"'
put core/vm_internal.h '#include "vmm.h"'
put core/errmsg.h '#include <stddef.h>'
put core/vm.c '#include "vm_internal.h"' '#include "errmsg.h"'
put core/hvf/hvf_internal.h '#include <Hypervisor/Hypervisor.h>'
put core/hvf/hvf_vcpu.c '#include "hvf_internal.h"' '#include "backend.h"'
put compat/hvf/include/Hypervisor/Hypervisor.h '#include <stdint.h>'
put compat/hvf/uc_glue.h '#include <stdint.h>'
put compat/hvf/hv_vcpu.c '#include <Hypervisor/Hypervisor.h>' '#include "uc_glue.h"'
put tests/hvf/test_standin.c '#include <Hypervisor/Hypervisor.h>'
put tests/interpose/fork_vmm.c '#include <linux/kvm.h>'
put include/hvtrace/event.h '#include "hvtrace/api.h"'
put trace/reader.c '#include "hvtrace/event.h"' '#include "reader_impl.h"'
put trace/reader_impl.h '#include "layout.h"'
put formats/layout.h '#include <stdint.h>'
put replay/replay.h '#include "hvtrace/reader.h"'
put replay/replay.c '#include "core/backend.h"' '#include "core/vmm.h"' '#include "replay.h"'
put analysis/include/analysis/stats.h '#include "hvtrace/hvtrace.h"'
put tools/cmd_stats.c '#include "analysis/stats.h"' '#include "core/vmm.h"'
put build-x/generated.c '#include <linux/kvm.h>' # build folders are not the source

out=$(sh "$checker" . 2>&1)
rc=$?
if [ $rc -ne 0 ]; then
	echo "FAIL: the clean tree is refused (exit $rc): $out"
	fails=$((fails + 1))
fi

# expect_bad PATH LINE: that file alone must make the checker fail, naming it.
expect_bad() {
	put "$1" "$2"
	out=$(sh "$checker" . 2>&1)
	rc=$?
	rm -f "$1"
	case $rc:$out in
	1:*"$1:1: "*) echo "ok: $1 ($2) refused" ;;
	*) echo "FAIL: $1 with '$2' gave exit $rc: $out"; fails=$((fails + 1)) ;;
	esac
}

expect_bad replay/bad.c '#include "core/kvm/kvm_internal.h"'
expect_bad tools/bad.c '#include <linux/kvm.h>'
expect_bad analysis/bad.c '#include "kvm_internal.h"'
expect_bad core/bad.c '#include <linux/kvm.h>'
expect_bad core/hvf/bad.c '#include <linux/kvm.h>'
expect_bad tests/kvm/bad.c '#include <linux/kvm.h>'
expect_bad tools/bad.c '#include <Hypervisor/Hypervisor.h>'
expect_bad core/kvm/bad.c '#include <Hypervisor/Hypervisor.h>'
expect_bad replay/bad.c '#include "core/hvf/hvf_internal.h"'
expect_bad compat/hvf/bad.c '#include "hvf_internal.h"'
expect_bad core/hvf/bad.c '#include "uc_glue.h"'
expect_bad core/hvf/bad.c '#include "../../compat/hvf/uc_glue.h"'
expect_bad trace/bad.c '#include "core/backend.h"'
expect_bad formats/bad.h '#include "replay.h"'
expect_bad include/hvtrace/bad.h '#include "analysis/stats.h"'
expect_bad tools/bad.c '#include "vm_internal.h"'
expect_bad bench/bad.c '#include "errmsg.h"'

# Nothing to check is an error, not a pass.
mkdir -p empty
out=$(sh "$checker" empty 2>&1)
rc=$?
if [ $rc -ne 2 ]; then
	echo "FAIL: an empty tree gave exit $rc: $out"
	fails=$((fails + 1))
fi

if [ $fails -ne 0 ]; then
	echo "check_deps_selftest: $fails failure(s)"
	exit 1
fi
echo "check_deps_selftest: all cases as expected"
