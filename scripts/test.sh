#!/usr/bin/env bash
# The README's second command: install what is missing, then
#  1. a plain build: valgrind memcheck over record + replay + stats (ctest -L valgrind);
#  2. a build with AddressSanitizer and UndefinedBehaviorSanitizer: the whole
#     test suite with ctest (this one's summary is the last line printed).
# Tests that need /dev/kvm say so and skip where it is missing.
set -euo pipefail
HVT_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$HVT_ROOT/scripts/deps.sh"

hvt_install_deps
[ -r /dev/kvm ] && [ -w /dev/kvm ] ||
	echo "hvtrace: /dev/kvm is not usable here: the KVM tests will skip" >&2

plain="$HVT_ROOT/build-valgrind"
hvt_build "$plain" -DCMAKE_BUILD_TYPE=RelWithDebInfo
(cd "$plain" && ctest --output-on-failure -L valgrind)

asan="$HVT_ROOT/build-test"
hvt_build "$asan" -DHVT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
cd "$asan"
ctest --output-on-failure -j"$(nproc)" "$@"
