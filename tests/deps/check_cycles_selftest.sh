#!/bin/sh
# check_cycles_selftest.sh CHECKER CC AR NM WORKDIR: scripts/check_cycles.sh
# must pass a library whose files call downwards only and fail, naming the
# files and the symbol, on one where two files call each other through a
# third. Without this the file_cycles test could pass checking nothing.
set -u
checker=$1 cc=$2 ar=$3 nm=$4 work=$5
rm -rf "$work"
mkdir -p "$work"
cd "$work" || exit 1
fails=0
printf 'int base(int x);\nint base(int x) { return x + 1; }\n' >base.c
printf 'int base(int x);\nint mid(int x);\nint mid(int x) { return base(x) * 2; }\n' >mid.c
printf 'int mid(int x);\nint top(int x);\nint top(int x) { return mid(x) - 1; }\n' >top.c
# loop: back.c calls top(), and base2.c (used by top2) calls back()
printf 'int top2(int x);\nint back(int x);\nint back(int x) { return top2(x); }\n' >back.c
printf 'int back(int x);\nint helper(int x);\nint helper(int x) { return x ? back(x - 1) : 0; }\n' >helper.c
printf 'int helper(int x);\nint top2(int x);\nint top2(int x) { return helper(x); }\n' >top2.c
for f in base mid top back helper top2; do
	"$cc" -c -O0 -o "$f.o" "$f.c" || exit 1
done
"$ar" rcs libdown.a base.o mid.o top.o || exit 1
"$ar" rcs libloop.a base.o back.o helper.o top2.o || exit 1

out=$(sh "$checker" "$nm" libdown.a 2>&1)
rc=$?
if [ $rc -eq 77 ]; then
	echo "SKIP: $nm reads no symbols here: $out"
	exit 77
fi
[ $rc -eq 0 ] || { echo "FAIL: a library without a loop is refused (exit $rc): $out"; fails=$((fails + 1)); }
out=$(sh "$checker" "$nm" libloop.a 2>&1)
rc=$?
case $rc:$out in
1:*back.o*helper.o*|1:*helper.o*back.o*) echo "ok: the loop is found: $out" ;;
*) echo "FAIL: the loop back -> top2 -> helper -> back gave exit $rc: $out"; fails=$((fails + 1)) ;;
esac
out=$(sh "$checker" "$nm" libdown.a libloop.a 2>&1)
[ $? -eq 1 ] || { echo "FAIL: a loop in the second library is missed: $out"; fails=$((fails + 1)); }

[ $fails -eq 0 ] || exit 1
echo "check_cycles_selftest: all cases as expected"
