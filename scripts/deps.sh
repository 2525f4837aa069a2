# Sourced by bootstrap.sh and test.sh: installs the Debian packages hvtrace
# needs to build and test, when they are missing. gdb, gdb-multiarch (arm64
# traces) and lldb are the clients of the replay gdb stub tests (tests/gdb).
# chromium and nodejs run the browser tests of the report and exports (npm, for speedscope, comes with
# nodejs where it is NodeSource's; without them those tests skip).
HVT_PACKAGES="cmake gcc make pkg-config binutils libzstd-dev libxxhash-dev libcmocka-dev libseccomp-dev valgrind qemu-system-x86 libunicorn-dev libcapstone-dev gcc-aarch64-linux-gnu chromium nodejs gdb gdb-multiarch lldb"

hvt_missing_packages() {
	local missing="" p
	for p in $HVT_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
	echo "$missing"
}

hvt_install_deps() {
	local missing
	missing=$(hvt_missing_packages)
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" = 0 ]; then
		echo "hvtrace: installing:$missing" >&2
		DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2 || {
			echo "hvtrace: apt-get failed" >&2
			return 1
		}
	else
		echo "hvtrace: missing packages:$missing" >&2
		echo "hvtrace: run this once, then try again:" >&2
		echo "    sudo apt-get install -y$missing" >&2
		return 1
	fi
}

# hvt_build DIR [CMAKE ARGS...]: configure and build into DIR.
hvt_build() {
	local dir=$1
	shift
	cmake -S "$HVT_ROOT" -B "$dir" "$@" >/dev/null &&
		cmake --build "$dir" -j"$(nproc)"
}
