#!/bin/sh
# check_cycles.sh NM ARCHIVE...: no two files of a module call each other in
# a loop. For each static library (one module: core, replay, analysis, the
# trace library), every object file is a node and a global symbol one file
# uses and another defines is an edge; any cycle is printed as the chain of
# files and the symbols that close it. A module's shared helper belongs in a
# small base file below its callers, not in the top file that calls them.
# Exit 0 without cycles, 1 with, 77 (skip) when the objects carry no symbol
# table this nm can read (an LTO build without the plugin).
set -eu
nm=$1
shift
status=0
for lib in "$@"; do
	syms=$("$nm" -A -g "$lib" 2>/dev/null) || { echo "check_cycles: $nm cannot read $lib" >&2; exit 2; }
	printf '%s\n' "$syms" | awk -v lib="$(basename "$lib")" '
	# nm -A: "lib.a:member.o:<value> T sym" or "lib.a:member.o:  U sym"
	{
		f = $1; sub(/^[^:]*:/, "", f); sub(/:.*/, "", f)
		sym = $NF; type = $(NF - 1)
		if (type == "U") { uses[f] = uses[f] " " sym; files[f] = 1 }
		else if (type ~ /^[TDBRCVWGS]$/) { def[sym] = f; files[f] = 1; ndef++ }
	}
	function dfs(u,   n, vs, i, v, k, chain) {
		color[u] = 1; stack[++sp] = u
		n = split(adj[u], vs, " ")
		for (i = 1; i <= n; i++) {
			v = vs[i]
			if (color[v] == 1) {
				chain = ""
				for (k = 1; k <= sp; k++)
					if (started || stack[k] == v) {
						started = 1
						chain = chain stack[k] " -(" via[stack[k], (k < sp ? stack[k + 1] : v)] ")-> "
					}
				started = 0
				printf "check_cycles: %s: %s%s\n", lib, chain, v
				cycles++
			} else if (!color[v])
				dfs(v)
		}
		sp--; color[u] = 2
	}
	END {
		if (ndef == 0) { printf "check_cycles: %s: no symbols (LTO objects?)\n", lib; exit 77 }
		for (f in uses) {
			n = split(uses[f], us, " ")
			for (i = 1; i <= n; i++) {
				s = us[i]
				if (!(s in def) || def[s] == f) continue
				if (!((f, def[s]) in via)) adj[f] = adj[f] " " def[s]
				via[f, def[s]] = s
			}
		}
		for (f in files) if (!color[f]) dfs(f)
		if (cycles) exit 1
		printf "check_cycles: %s: no file-level cycle\n", lib
	}' || { rc=$?; [ $rc -eq 77 ] && [ $status -eq 0 ] && status=77; [ $rc -ne 77 ] && status=1; }
done
exit $status
