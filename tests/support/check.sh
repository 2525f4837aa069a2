# Sourced by the shell tests: a temporary directory $tmp removed at exit,
# and result counting (pass NAME, fail NAME, expect NAME ACTUAL WANTED; the
# script ends with a non-zero status when $fails is not 0).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
pass() { echo "ok   $1"; }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }
expect() { # expect NAME ACTUAL WANTED
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got '$2', want '$3'"; fi
}
