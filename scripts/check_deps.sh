#!/bin/sh
# check_deps.sh [SOURCE_DIR]: DESIGN.md's dependency rules, checked on every
# #include of every C source and header in the tree (build folders skipped).
# Exit 0 when every rule holds, 1 with one line per violation otherwise, 2
# when there is nothing to check (a wrong SOURCE_DIR must not pass).
#
# The rules (a folder is a prefix of the includer's path):
#  kvm    only core/kvm/ includes <linux/kvm.h> or a header of core/kvm/
#         (test VMMs standing in for a third-party VMM are exempt, below);
#  hvf    only core/hvf/ and compat/hvf/ include the Hypervisor API
#         (<Hypervisor/...>; tests of the stand-in in tests/hvf*/ and the
#         HVF VMM fixture tests/interpose/hvf_vmm.c too), and
#         only core/hvf/ includes a header of core/hvf/;
#  stand  core/hvf/ includes nothing of compat/ but Apple's API headers: the
#         backend knows nothing of the stand-in;
#  below  trace/, formats/ and include/ (the public API) include nothing of
#         core/, replay/, analysis/ or tools/;
#  face   replay/, analysis/, tools/ and bench/ include only core's public face
#         (core/include/core/), never core/'s own headers.
#
# An include names a file of a folder when it resolves there from the
# includer's folder, when its path starts with the folder, or (quoted
# includes) when its file name is that of a header in the folder and it does
# not resolve beside the includer: so an -I flag cannot hide a violation.
set -eu

root=${1:-$(dirname "$0")/..}
cd "$root"

# Test fixtures that stand in for a third-party KVM VMM (QEMU, Firecracker):
# like them they drive KVM's ABI directly, and hvtrace records them from the
# outside. Name each one; tests/interpose/*_vmm.c is the naming rule for them.
kvm_fixtures='tests/interpose/fork_vmm.c tests/interpose/*_vmm.c'
# Tests of the Hypervisor.framework stand-in call Apple's API directly, and
# so does the fixture standing in for a third-party HVF VMM (issue 15).
hvf_api_tests='tests/hvf*/* tests/interpose/hvf_vmm.c'

list=$(mktemp)
incs=$(mktemp)
trap 'rm -f "$list" "$incs"' EXIT
find . \( -type d \( -name .git -o -name 'build*' -o -name '_deps' \) -prune \) -o \
	-type f \( -name '*.c' -o -name '*.h' -o -name '*.S' -o -name '*.m' \) -print |
	sed 's|^\./||' | LC_ALL=C sort >"$list"
if [ ! -s "$list" ]; then
	echo "check_deps: no C sources under $(pwd)" >&2
	exit 2
fi
# path:line:text of every #include line
tr '\n' '\0' <"$list" | xargs -0 grep -nE '^[[:space:]]*#[[:space:]]*include' >"$incs" || true

awk -v kvm_fixtures="$kvm_fixtures" -v hvf_api_tests="$hvf_api_tests" '
function under(path, dir) { return substr(path, 1, length(dir)) == dir }
function base(path,   n, parts) { n = split(path, parts, "/"); return parts[n] }
function dirof(path) { return path ~ /\// ? substr(path, 1, match(path, /\/[^\/]*$/) - 1) : "" }
function norm(path,   n, parts, out, k, i) {
	n = split(path, parts, "/"); k = 0
	for (i = 1; i <= n; i++) {
		if (parts[i] == "" || parts[i] == ".") continue
		if (parts[i] == ".." && k > 0 && out[k] != "..") { k--; continue }
		out[++k] = parts[i]
	}
	path = ""
	for (i = 1; i <= k; i++) path = path (i > 1 ? "/" : "") out[i]
	return path
}
# glob match for the exemption lists (space separated shell patterns)
function exempt(path, pats,   n, p, i, re) {
	n = split(pats, p, " ")
	for (i = 1; i <= n; i++) {
		re = p[i]; gsub(/\./, "\\.", re); gsub(/\*/, "[^/]*", re)
		if (path ~ ("^" re "$")) return 1
	}
	return 0
}
# Does include target t (delimiter q) of file f name a file of folder dir?
# hdrs is the set of header file names in that folder.
function names(f, t, q, dir, hdrs,   local, tt) {
	local = norm(dirof(f) "/" t)
	if (local in exists) return under(local, dir)
	tt = norm(t); sub(/^(\.\.\/)+/, "", tt)
	if (under(tt, dir)) return 1
	return q == "\"" && (base(t) in hdrs)
}
function violation(f, line, t, why) {
	printf "check_deps: %s:%s: includes %s: %s\n", f, line, t, why
	bad++
}
FNR == NR {
	exists[$0] = 1; n_files++
	if ($0 !~ /\.h$/) next
	b = base($0)
	if (under($0, "core/kvm/")) kvm_h[b] = 1
	if (under($0, "core/hvf/")) hvf_h[b] = 1
	if (under($0, "compat/") && $0 !~ /\/include\/Hypervisor\//) compat_h[b] = 1
	if (under($0, "core/") && !under($0, "core/include/") && !under($0, "core/kvm/") &&
	    !under($0, "core/hvf/")) core_priv_h[b] = 1
	if (under($0, "core/") || under($0, "replay/") || under($0, "analysis/") ||
	    under($0, "tools/")) upper_h[b] = 1
	next
}
{
	f = $0; sub(/:.*/, "", f)
	rest = substr($0, length(f) + 2); line = rest; sub(/:.*/, "", line)
	text = substr(rest, length(line) + 2)
	if (!match(text, /include[[:space:]]*[<"][^>"]+[>"]/)) next
	spec = substr(text, RSTART, RLENGTH); sub(/^include[[:space:]]*/, "", spec)
	q = substr(spec, 1, 1); t = substr(spec, 2, length(spec) - 2)
	n_inc++

	in_kvm = under(f, "core/kvm/"); in_hvf = under(f, "core/hvf/")
	if ((t == "linux/kvm.h" || names(f, t, q, "core/kvm/", kvm_h)) && !in_kvm &&
	    !exempt(f, kvm_fixtures))
		violation(f, line, t, "only core/kvm/ includes <linux/kvm.h> and the KVM backend'"'"'s headers")
	if (t ~ /^Hypervisor\// && !in_hvf && !under(f, "compat/hvf/") && !exempt(f, hvf_api_tests))
		violation(f, line, t, "only core/hvf/ and the stand-in (compat/hvf/) include the Hypervisor API")
	if (names(f, t, q, "core/hvf/", hvf_h) && !in_hvf)
		violation(f, line, t, "the HVF backend'"'"'s headers are private to core/hvf/")
	if (in_hvf && t !~ /^Hypervisor\// && names(f, t, q, "compat/", compat_h))
		violation(f, line, t, "core/hvf/ knows nothing of the stand-in: Apple'"'"'s API only")
	if ((under(f, "trace/") || under(f, "formats/") || under(f, "include/")) &&
	    (names(f, t, q, "core/", upper_h) || names(f, t, q, "replay/", upper_h) ||
	     names(f, t, q, "analysis/", upper_h) || names(f, t, q, "tools/", upper_h)))
		violation(f, line, t, "trace/, formats/ and the public API know nothing of core/, replay/, analysis/ or tools/")
	if ((under(f, "replay/") || under(f, "analysis/") || under(f, "tools/") || under(f, "bench/")) &&
	    q == "\"" && (base(t) in core_priv_h) && !(norm(dirof(f) "/" t) in exists))
		violation(f, line, t, "outside core/ only its public face (core/include/core/) may be included")
}
END {
	if (n_inc == 0) { print "check_deps: no #include lines found" > "/dev/stderr"; exit 2 }
	if (bad) { printf "check_deps: %d violation(s) of the dependency rules (DESIGN.md, Layout)\n", bad; exit 1 }
	printf "check_deps: %d files, %d includes: every dependency rule holds\n", n_files, n_inc
}' "$list" "$incs"
