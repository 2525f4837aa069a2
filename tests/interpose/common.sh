# Shared by the interpose tests: skips, QEMU's command line, comparisons.
# Sourced, not run. Skips exit 77 (SKIP_RETURN_CODE) with a visible reason.

# Our sanitized binaries (fork_vmm, an ASan hvtrace) get the shim preloaded
# ahead of the ASan runtime; the shim is never sanitized, so that is fine.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

need_kvm() {
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		echo "SKIP: /dev/kvm is not usable here"
		exit 77
	fi
}

need_qemu() {
	QEMU=$(command -v qemu-system-x86_64 || true)
	if [ -z "$QEMU" ]; then
		echo "SKIP: qemu-system-x86_64 not installed (apt-get install qemu-system-x86)"
		exit 77
	fi
}

fail() {
	echo "FAIL: $*"
	exit 1
}

# qemu_args IMAGE LOG: a bounded QEMU run: SeaBIOS boots IMAGE, whose boot
# sector pokes ports and leaves through isa-debug-exit (QEMU exits 1).
qemu_args() {
	echo "-accel kvm -nodefaults -nographic -m 16 -no-reboot" \
	     "-drive file=$1,format=raw,if=ide -boot c" \
	     "-device isa-debug-exit,iobase=0xf4,iosize=0x04" \
	     "-d trace:kvm_run_exit -D $2"
}

# QEMU's own log as "CPU REASON COUNT" lines, sorted like count_exits.
qemu_log_counts() {
	sed -n 's/.*kvm_run_exit cpu_index \([0-9]*\), reason \([0-9]*\).*/\1 \2/p' "$1" |
		sort | uniq -c | awk '{print $2, $3, $1}' | sort -n -k1 -k2
}
