#!/usr/bin/env bash
# The README's second command: install what is missing, build with
# AddressSanitizer and UndefinedBehaviorSanitizer, and run the whole test
# suite with ctest. Tests that need /dev/kvm say so and skip where it is
# missing.
set -euo pipefail
HVT_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$HVT_ROOT/scripts/deps.sh"

hvt_install_deps
dir="$HVT_ROOT/build-test"
hvt_build "$dir" -DHVT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
[ -r /dev/kvm ] && [ -w /dev/kvm ] ||
	echo "hvtrace: /dev/kvm is not usable here: the KVM tests will skip" >&2
cd "$dir"
ctest --output-on-failure -j"$(nproc)" "$@"
