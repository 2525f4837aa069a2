/* Crash and full-disk safety of `hvtrace record` on real KVM.
 *
 * SIGKILL at 20 seeded random moments while the busy guest exits nonstop:
 * the trace is left as FILE.PID.partial (FILE itself never appears), must
 * open, verify and read to its end, `check` must call it truncated (exit 1),
 * and the last event recorded must be no older than the writer's flush
 * interval (50 ms) plus a scheduling allowance before the kill. Full disk:
 * recording onto a 1 MiB tmpfs (as root) and under a 1 MiB RLIMIT_FSIZE
 * (anyone) must stop with status 74 and leave a readable prefix at FILE.
 * Without /dev/kvm the program exits 77 (skipped), never "passed". */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "hvtrace/hvtrace.h"

#define FLUSH_INTERVAL_NS 50000000ull
/* The background thread can be descheduled on a busy 2-core machine. */
#define SCHED_ALLOWANCE_NS 450000000ull

static char tmpdir[] = "/tmp/hvt-crash-XXXXXX";

static int kvm_usable(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* Starts `hvtrace record` on the busy guest; console to /dev/null,
 * stderr to err_path (or /dev/null); files limited to fsize_bytes (0: no
 * limit; SIGXFSZ ignored, so a write past it fails with EFBIG). */
static pid_t start_record(const char *out, const char *err_path, rlim_t fsize_bytes)
{
	char guest[4096];
	snprintf(guest, sizeof(guest), "%s/busy", HVT_GUEST_DIR);
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		int err = open(err_path ? err_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(null, 1);
		dup2(err, 2);
		if (fsize_bytes) {
			struct rlimit lim = {fsize_bytes, fsize_bytes};
			signal(SIGXFSZ, SIG_IGN);
			setrlimit(RLIMIT_FSIZE, &lim);
		}
		execl(HVT_BIN, "hvtrace", "record", "-q", "--timeout", "30", "-o", out, guest, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static int run_check(const char *path)
{
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		execl(HVT_BIN, "hvtrace", "check", path, (char *)NULL);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Reads every event; returns the latest absolute (host monotonic) time. */
static uint64_t read_all(const char *path, uint64_t *events)
{
	hvt_reader *r;
	const hvt_event *ev;
	struct hvt_trace_info info;
	int rc = hvt_reader_open(&r, path, NULL);
	if (rc)
		fail_msg("%s does not open: %s", path, hvt_reader_open_error());
	for (uint64_t i = 0; i < hvt_reader_chunk_count(r); i++)
		assert_int_equal(hvt_reader_verify_chunk(r, i), 0);
	*events = 0;
	uint64_t last = 0;
	while ((rc = hvt_reader_next(r, &ev)) == 1) {
		(*events)++;
		last = ev->time_ns > last ? ev->time_ns : last;
	}
	assert_int_equal(rc, 0);
	hvt_reader_get_info(r, &info);
	assert_int_equal(info.has_footer, 0);
	hvt_reader_close(r);
	return info.time_origin_ns + last;
}

static void test_sigkill(void **state)
{
	(void)state;
	uint64_t rng = 0x5eed;
	for (int i = 0; i < 20; i++) {
		char path[4096];
		uint64_t events;
		snprintf(path, sizeof(path), "%s/kill-%d.hvt", tmpdir, i);
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		long delay_ms = 300 + (long)((rng >> 33) % 1500);
		pid_t pid = start_record(path, NULL, 0);
		struct timespec d = {delay_ms / 1000, (delay_ms % 1000) * 1000000};
		nanosleep(&d, NULL);
		uint64_t kill_ns = hvt_monotonic_ns();
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		char partial[4200];
		snprintf(partial, sizeof(partial), "%s.%ld.partial", path, (long)pid);
		assert_int_equal(access(path, F_OK), -1); /* never renamed into place */
		uint64_t last_ns = read_all(partial, &events);
		assert_true(events > 0);
		assert_int_equal(run_check(partial), 1);
		uint64_t lost_ns = kill_ns > last_ns ? kill_ns - last_ns : 0;
		print_message("kill %2d after %4ld ms: %llu events, last one %.1f ms before the kill\n", i,
			      delay_ms, (unsigned long long)events, (double)lost_ns / 1e6);
		assert_true(lost_ns <= FLUSH_INTERVAL_NS + SCHED_ALLOWANCE_NS);
	}
}

/* Records into dir/t.hvt (limited to fsize_bytes when nonzero): the
 * recording must stop with 74, say why_part, and leave a readable prefix. */
static void full_disk_case(const char *dir, rlim_t fsize_bytes, const char *why_part)
{
	char path[4200], err[4200], buf[512] = "";
	snprintf(path, sizeof(path), "%s/t.hvt", dir);
	snprintf(err, sizeof(err), "%s/err.txt", tmpdir);
	pid_t pid = start_record(path, err, fsize_bytes);
	int st;
	waitpid(pid, &st, 0);
	FILE *f = fopen(err, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	buf[n] = 0;
	if (f)
		fclose(f);
	print_message("%s", buf);
	uint64_t events;
	read_all(path, &events);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 74);
	assert_non_null(strstr(buf, why_part));
	assert_true(events > 1000);
	assert_int_equal(run_check(path), 1);
}

/* A 1 MiB tmpfs: the real ENOSPC. Needs root to mount; see the next test. */
static void test_full_disk(void **state)
{
	(void)state;
	char mnt[4096];
	snprintf(mnt, sizeof(mnt), "%s/small", tmpdir);
	mkdir(mnt, 0755);
	if (geteuid() != 0 || mount("tmpfs", mnt, "tmpfs", 0, "size=1m") != 0) {
		print_message("not root (%s): the tmpfs case is covered by the file-size limit "
			      "case below\n", strerror(errno));
		return;
	}
	full_disk_case(mnt, 0, "No space left on device");
	umount(mnt);
}

/* The same write failure for any user: a 1 MiB file-size limit. */
static void test_file_size_limit(void **state)
{
	(void)state;
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/limited", tmpdir);
	mkdir(dir, 0755);
	full_disk_case(dir, 1u << 20, "File too large");
}

int main(void)
{
	if (!kvm_usable()) {
		printf("SKIP: /dev/kvm is missing or not accessible; crash tests need KVM\n");
		return 77; /* ctest SKIP_RETURN_CODE: a skip is never a pass */
	}
	if (!mkdtemp(tmpdir))
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigkill),
		cmocka_unit_test(test_full_disk),
		cmocka_unit_test(test_file_size_limit),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return rc;
}
