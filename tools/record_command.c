/* hvtrace record [-o FILE] -- COMMAND [ARGS...]: the launcher side of
 * interposed recording (docs/interpose.md). It finds the shim next to the
 * hvtrace binary, refuses commands the shim cannot enter, creates the trace
 * and the rings shared with the shim, runs COMMAND with LD_PRELOAD, writes
 * what the shim publishes while it waits (record_wait.c, record_drain.c),
 * forwards the exit status, and never lets an empty trace pass for a
 * recording nor replaces an existing one (trace_output.c). */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "hvtrace/meta.h"
#include "record_command.h"
#include "record_drain.h"
#include "record_wait.h"
#include "trace_output.h"

#ifndef HVT_INSTALL_LIBDIR
#define HVT_INSTALL_LIBDIR "lib"
#endif
#define SHIM_NAME "libhvtrace-shim.so"
#define EXIT_NOT_FOUND 127
#define EXIT_CANNOT_EXEC 126
#define EXIT_UNAVAILABLE 69 /* nothing could be recorded (sysexits EX_UNAVAILABLE) */

struct launch {
	char exe[PATH_MAX];   /* COMMAND resolved through PATH */
	char shim[PATH_MAX];  /* absolute path of the shim */
	struct trace_output out;
	int region_fd;        /* the memfd COMMAND inherits, -1 when none */
	struct hvt_iring_region *region; /* our mapping of it */
	hvt_writer *w;
	struct record_drain drain;
	struct record_wait_result waited;
};

static int file_exists(const char *path)
{
	return access(path, R_OK) == 0;
}

/* build/bin/hvtrace -> build/lib/; PREFIX/bin/hvtrace -> PREFIX/<libdir>/.
 * HVTRACE_SHIM overrides both (tests, unusual layouts). */
static int find_shim(char *out, size_t len)
{
	const char *env = getenv("HVTRACE_SHIM");
	char self[PATH_MAX];
	if (env && *env)
		return snprintf(out, len, "%s", env) < (int)len && file_exists(out) ? 0 : -1;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return -1;
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (!slash)
		return -1;
	*slash = '\0'; /* the bin directory */
	const char *rel[] = { "../lib/", "../" HVT_INSTALL_LIBDIR "/", "../lib64/" };
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		char cand[PATH_MAX + 64];
		snprintf(cand, sizeof(cand), "%s/%s" SHIM_NAME, self, rel[i]);
		if (file_exists(cand) && realpath(cand, out))
			return 0;
	}
	return -1;
}

/* execvp's search, done up front so a missing command is reported by us. */
static int resolve_command(const char *cmd, char *out, size_t len)
{
	if (strchr(cmd, '/'))
		return snprintf(out, len, "%s", cmd) < (int)len && access(out, F_OK) == 0 ? 0 : -1;
	const char *path = getenv("PATH");
	path = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path; *p;) {
		size_t dlen = strcspn(p, ":");
		if (dlen > 0 && (size_t)snprintf(out, len, "%.*s/%s", (int)dlen, p, cmd) < len &&
		    access(out, X_OK) == 0)
			return 0;
		p += dlen + (p[dlen] == ':');
	}
	return -1;
}

/* 1 when path is an ELF executable without PT_INTERP: statically linked,
 * so the dynamic loader never runs and LD_PRELOAD is never read. */
static int is_static_elf(const char *path)
{
	Elf64_Ehdr eh;
	int fd = open(path, O_RDONLY | O_CLOEXEC), is_static = 0;
	if (fd < 0)
		return 0;
	if (pread(fd, &eh, sizeof(eh), 0) == (ssize_t)sizeof(eh) &&
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 && eh.e_ident[EI_CLASS] == ELFCLASS64 &&
	    eh.e_phentsize == sizeof(Elf64_Phdr) && eh.e_phnum < 4096) {
		is_static = 1;
		for (unsigned i = 0; i < eh.e_phnum; i++) {
			Elf64_Phdr ph;
			off_t at = (off_t)eh.e_phoff + (off_t)i * (off_t)sizeof(ph);
			if (pread(fd, &ph, sizeof(ph), at) != (ssize_t)sizeof(ph) || ph.p_type == PT_INTERP) {
				is_static = 0;
				break;
			}
		}
	}
	close(fd);
	return is_static;
}

static int check_command(const char *cmd, struct launch *l)
{
	if (resolve_command(cmd, l->exe, sizeof(l->exe)) != 0) {
		cli_err("record: %s: command not found", cmd);
		return EXIT_NOT_FOUND;
	}
	if (access(l->exe, X_OK) != 0) {
		cli_err("record: %s: %s", l->exe, strerror(errno));
		return EXIT_CANNOT_EXEC;
	}
	if (is_static_elf(l->exe)) {
		cli_err("record: %s is statically linked: LD_PRELOAD cannot enter it, so its KVM exits "
			"cannot be recorded (nothing was run)", l->exe);
		return EXIT_UNAVAILABLE;
	}
	return 0;
}

/* The rings the shim writes into: a memfd COMMAND inherits (no CLOEXEC),
 * sized for every vCPU id; pages no vCPU touches cost nothing. */
static int create_region(struct launch *l)
{
	l->region_fd = memfd_create("hvtrace-rings", 0);
	if (l->region_fd < 0 || ftruncate(l->region_fd, sizeof(*l->region)) != 0) {
		cli_err("record: cannot create the shared rings (memfd): %s", strerror(errno));
		return HVT_EXIT_SOFTWARE;
	}
	void *p = mmap(NULL, sizeof(*l->region), PROT_READ | PROT_WRITE, MAP_SHARED, l->region_fd, 0);
	if (p == MAP_FAILED) {
		cli_err("record: cannot map the shared rings: %s", strerror(errno));
		return HVT_EXIT_SOFTWARE;
	}
	l->region = p;
	hvt_iring_region_init(l->region);
	return 0;
}

static void free_region(struct launch *l)
{
	if (l->region)
		munmap(l->region, sizeof(*l->region));
	if (l->region_fd >= 0)
		close(l->region_fd);
	l->region = NULL;
	l->region_fd = -1;
}

static const char *join_command(int argc, char **argv, char *buf, size_t len)
{
	size_t at = 0;
	buf[0] = '\0';
	for (int i = 0; i < argc && at + 1 < len; i++) {
		int n = snprintf(buf + at, len - at, "%s%s", i ? " " : "", argv[i]);
		at += n > 0 ? (size_t)n : 0;
	}
	return buf;
}

/* What is known before COMMAND runs; the recorder's pid and own command
 * line are added once it has run. */
static int create_writer(struct launch *l, int argc, char **argv)
{
	struct hvt_writer_opts opts = HVT_WRITER_OPTS_INIT;
	char cmd[8192];
	opts.time_origin_ns = hvt_monotonic_ns(); /* the shim's records are monotonic ns */
	int err = hvt_writer_create(&l->w, l->out.partial, &opts);
	if (err) {
		cli_err("record: %s", hvt_writer_last_error());
		return HVT_EXIT_CANTCREAT;
	}
	err = hvt_writer_set_meta_str(l->w, HVT_META_HVTRACE_VERSION, HVT_VERSION_STRING);
	err = err ? err : hvt_writer_set_meta_str(l->w, HVT_META_BACKEND, HVT_BACKEND_KVM);
	err = err ? err : hvt_writer_set_meta_str(l->w, HVT_META_ARCH, HVT_META_ARCH_X86_64);
	err = err ? err : hvt_writer_set_meta_str(l->w, HVT_META_INTERPOSED, "1");
	err = err ? err : hvt_writer_set_meta_str(l->w, HVT_META_COMMAND_LINE,
						  join_command(argc, argv, cmd, sizeof(cmd)));
	if (err) {
		cli_err("record: %s: %s", l->out.final,
			hvt_writer_error(l->w)[0] ? hvt_writer_error(l->w) : hvt_strerror(err));
		return HVT_EXIT_IOERR;
	}
	l->drain.region = l->region;
	l->drain.w = l->w;
	l->drain.origin_ns = opts.time_origin_ns;
	return 0;
}

static int set_env(const struct launch *l)
{
	const char *old = getenv("LD_PRELOAD");
	char preload[2 * PATH_MAX], ring[96];
	struct stat st;
	if (fstat(l->region_fd, &st) != 0)
		return -1;
	if (old && *old)
		snprintf(preload, sizeof(preload), "%s:%s", l->shim, old);
	else
		snprintf(preload, sizeof(preload), "%s", l->shim);
	snprintf(ring, sizeof(ring), "%d:%llu:%ld", l->region_fd, (unsigned long long)st.st_ino,
		 (long)getpid());
	return setenv("LD_PRELOAD", preload, 1) || setenv(HVT_IRING_ENV, ring, 1);
}

/* Starts COMMAND; returns its pid, or -1 with *exec_errno set when it could
 * not be started (exec's errno comes back through a CLOEXEC pipe). */
static pid_t start_child(const struct launch *l, char **argv, int *exec_errno)
{
	int pipefd[2];
	*exec_errno = 0;
	if (pipe2(pipefd, O_CLOEXEC) != 0) {
		*exec_errno = errno;
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		execv(l->exe, argv);
		int e = errno;
		ssize_t n = write(pipefd[1], &e, sizeof(e));
		(void)n;
		_exit(EXIT_CANNOT_EXEC);
	}
	if (pid < 0)
		*exec_errno = errno;
	close(pipefd[1]);
	if (pid > 0 && read(pipefd[0], exec_errno, sizeof(*exec_errno)) != (ssize_t)sizeof(*exec_errno))
		*exec_errno = 0;
	close(pipefd[0]);
	if (pid > 0 && *exec_errno) {
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

static int exit_status_of(const struct record_wait_result *r)
{
	if (!r->reaped)
		return 128 + SIGKILL; /* killed by us and never reaped: as good as killed */
	if (WIFSIGNALED(r->wstatus))
		return 128 + WTERMSIG(r->wstatus);
	return WIFEXITED(r->wstatus) ? WEXITSTATUS(r->wstatus) : HVT_EXIT_SOFTWARE;
}

/* The recorder's pid and command line (the process that created the VM,
 * which may be a grandchild of a wrapper script) and what had to be dropped. */
static void finish_meta(struct launch *l)
{
	char buf[32];
	const struct record_wait_result *r = &l->waited;
	uint64_t lost = record_drain_lost(&l->drain);
	if (r->recorder > 0) {
		snprintf(buf, sizeof(buf), "%ld", (long)r->recorder);
		hvt_writer_set_meta_str(l->w, HVT_META_PID, buf);
	}
	if (r->recorder_cmdline[0])
		hvt_writer_set_meta_str(l->w, HVT_META_COMMAND_LINE, r->recorder_cmdline);
	if (lost) {
		snprintf(buf, sizeof(buf), "%" PRIu64, lost);
		hvt_writer_set_meta_str(l->w, HVT_META_LOST_RECORDS, buf);
		cli_err("record: %" PRIu64 " records were dropped while hvtrace was not draining "
			"(the trace misses those exits)", lost);
	}
}

/* Ends the trace: exits that never re-entered, END events, metadata, the
 * footer. 0, or HVT_EXIT_IOERR after saying why. */
static int close_trace(struct launch *l)
{
	int err = record_drain_finish(&l->drain, hvt_monotonic_ns());
	if (atomic_load(&l->region->recorder_pid) > 0)
		finish_meta(l);
	if (err && hvt_writer_error(l->w)[0])
		cli_err("record: %s", hvt_writer_error(l->w));
	int cerr = hvt_writer_close(l->w);
	l->w = NULL;
	if (cerr && !err)
		cli_err("record: %s", hvt_writer_last_error());
	return err || cerr ? HVT_EXIT_IOERR : 0;
}

/* Nothing was recorded: say why; the partial file goes, FILE stays. */
static int nothing_recorded(struct launch *l, const char *cmd, int status)
{
	if (atomic_load(&l->region->loaded) == 0)
		cli_err("record: %s: the shim was never loaded into it (setuid, static, or "
			"LD_PRELOAD removed): nothing recorded", cmd);
	else
		cli_err("record: %s never created a KVM VM through /dev/kvm: nothing recorded",
			cmd);
	trace_output_discard(&l->out);
	return status ? status : EXIT_UNAVAILABLE;
}

static void summarize(const struct launch *l)
{
	fprintf(stderr, "hvtrace: recorded pid %ld: %" PRIu64 " exit%s (%" PRIu64
		" failed KVM_RUN call%s, e.g. -EINTR kicks) on %u vCPU%s, %" PRIu64
		" event%s, into %s\n", (long)l->waited.recorder, l->drain.exits,
		cli_plural(l->drain.exits), l->drain.failed_runs, cli_plural(l->drain.failed_runs),
		l->drain.streams, cli_plural(l->drain.streams), l->drain.events,
		cli_plural(l->drain.events), l->out.final);
}

/* Decides what the run produced. status is COMMAND's own. */
static int judge(struct launch *l, const char *cmd, int status, int write_rc, int quiet)
{
	if (atomic_load(&l->region->recorder_pid) <= 0)
		return nothing_recorded(l, cmd, status);
	int rc = trace_output_commit(&l->out, quiet);
	if (rc || write_rc) {
		if (write_rc)
			cli_err("record: the trace %s is valid up to its last chunk written",
				rc ? l->out.partial : l->out.final);
		return status ? status : HVT_EXIT_IOERR;
	}
	if (l->drain.exits == 0) {
		cli_err("record: %s: the VMM created a VM but no KVM_RUN was recorded (raw "
			"syscalls, or it stopped before running a vCPU)", l->out.final);
		return status ? status : EXIT_UNAVAILABLE;
	}
	if (!quiet)
		summarize(l);
	return status;
}

static int prepare(struct launch *l, const char *out_path, int argc, char **argv)
{
	int rc;
	if ((rc = check_command(argv[0], l)) != 0)
		return rc;
	if (find_shim(l->shim, sizeof(l->shim)) != 0) {
		cli_err("record: cannot find %s next to the hvtrace binary (looked in ../lib/ and "
			"../" HVT_INSTALL_LIBDIR "/; set HVTRACE_SHIM)", SHIM_NAME);
		return EXIT_UNAVAILABLE;
	}
	if ((rc = trace_output_begin(&l->out, out_path)) != 0)
		return rc;
	if ((rc = create_region(l)) != 0 || (rc = create_writer(l, argc, argv)) != 0)
		return rc;
	if (set_env(l) != 0) {
		cli_err("record: cannot set the environment: %s", strerror(errno));
		return HVT_EXIT_SOFTWARE;
	}
	return 0;
}

static int run(struct launch *l, char **argv, int quiet)
{
	int exec_errno;
	record_wait_prepare();
	pid_t pid = start_child(l, argv, &exec_errno);
	if (pid < 0) {
		record_wait_restore();
		cli_err("record: %s: %s", l->exe, strerror(exec_errno));
		hvt_writer_close(l->w);
		l->w = NULL;
		trace_output_discard(&l->out);
		return exec_errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
	}
	record_wait(pid, &l->drain, &l->waited);
	int write_rc = close_trace(l);
	return judge(l, argv[0], exit_status_of(&l->waited), write_rc, quiet);
}

int record_command_run(const char *out_path, int quiet, int argc, char **argv)
{
	struct launch *l = calloc(1, sizeof(*l));
	if (!l) {
		cli_err("record: out of memory");
		return HVT_EXIT_SOFTWARE;
	}
	l->region_fd = -1;
	int rc = prepare(l, out_path, argc, argv);
	if (rc == 0) {
		rc = run(l, argv, quiet);
	} else if (l->out.partial[0]) {
		hvt_writer_close(l->w);
		trace_output_discard(&l->out);
	}
	free_region(l);
	free(l);
	return rc;
}
