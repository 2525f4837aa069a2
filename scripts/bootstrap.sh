#!/usr/bin/env bash
# The README's first command: install what is missing, build, and record the
# embedded demo guest on KVM, then show what the trace holds and verify it.
set -euo pipefail
HVT_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$HVT_ROOT/scripts/deps.sh"

hvt_install_deps
hvt_build "$HVT_ROOT/build"
bin="$HVT_ROOT/build/bin/hvtrace"
trace="$HVT_ROOT/build/demo.hvt"

echo "== hvtrace record -o build/demo.hvt   (the demo guest's console follows)" >&2
"$bin" record -o "$trace"
echo "== hvtrace info build/demo.hvt" >&2
"$bin" info "$trace"
echo "== hvtrace check build/demo.hvt" >&2
"$bin" check "$trace"
