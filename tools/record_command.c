/* hvtrace record [-o FILE] -- COMMAND [ARGS...]: the launcher side of
 * interposed recording (docs/interpose.md). It finds the interposers next to
 * the hvtrace binary (the KVM shim and the Hypervisor.framework one: both are
 * preloaded, each stays inert unless its API is used), refuses commands they
 * cannot enter, creates the trace and the rings shared with them, runs
 * COMMAND with LD_PRELOAD (DYLD_INSERT_LIBRARIES on macOS), writes
 * what the shim publishes while it waits (record_wait.c, record_drain.c),
 * forwards the exit status, and never lets an empty trace pass for a
 * recording nor replaces an existing one (trace_output.c). */
#define _GNU_SOURCE
#ifdef __APPLE__
#include <mach-o/dyld.h>
#else
#include <elf.h>
#endif
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
#define SHIM_NAME "libhvtrace-shim.so" /* KVM */
#ifdef __APPLE__
#define HVF_SHIM_NAME "libhvtrace-hvf-shim.dylib"
#define PRELOAD_VAR "DYLD_INSERT_LIBRARIES"
#else
#define HVF_SHIM_NAME "libhvtrace-hvf-shim.so"
#define PRELOAD_VAR "LD_PRELOAD"
#endif
#define EXIT_NOT_FOUND 127
#define EXIT_CANNOT_EXEC 126
#define EXIT_UNAVAILABLE 69 /* nothing could be recorded (sysexits EX_UNAVAILABLE) */

struct launch {
	char exe[PATH_MAX];   /* COMMAND resolved through PATH */
	char shim[PATH_MAX];  /* absolute path of the KVM shim, "" when not built */
	char hvf_shim[PATH_MAX]; /* the HVF interposer's, "" when not built */
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

/* The directory hvtrace runs from. */
static int self_dir(char *out, size_t len)
{
#ifdef __APPLE__
	uint32_t n = (uint32_t)len;
	char raw[PATH_MAX];
	if (_NSGetExecutablePath(raw, &n) != 0 || !realpath(raw, out))
		return -1;
#else
	ssize_t n = readlink("/proc/self/exe", out, len - 1);
	if (n <= 0)
		return -1;
	out[n] = '\0';
#endif
	char *slash = strrchr(out, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	return 0;
}

/* build/bin/hvtrace -> build/lib/; PREFIX/bin/hvtrace -> PREFIX/<libdir>/.
 * env (HVTRACE_SHIM, HVTRACE_HVF_SHIM) overrides both (tests, unusual
 * layouts); set to "none", that interposer is left out. */
static int find_shim(const char *env_name, const char *name, char *out, size_t len)
{
	const char *env = getenv(env_name);
	char self[PATH_MAX];
	out[0] = '\0';
	if (env && strcmp(env, "none") == 0)
		return -1;
	if (env && *env)
		return snprintf(out, len, "%s", env) < (int)len && file_exists(out) ? 0 : -1;
	if (self_dir(self, sizeof(self)) != 0)
		return -1;
	const char *rel[] = { "../lib/", "../" HVT_INSTALL_LIBDIR "/", "../lib64/" };
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		char cand[PATH_MAX + 64];
		snprintf(cand, sizeof(cand), "%s/%s%s", self, rel[i], name);
		if (file_exists(cand) && realpath(cand, out))
			return 0;
	}
	out[0] = '\0';
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
#ifdef __APPLE__
	(void)path; /* Mach-O executables always go through dyld */
	return 0;
#else
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
#endif
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
		cli_err("record: %s is statically linked: LD_PRELOAD cannot enter it, so its KVM or "
			"Hypervisor.framework exits cannot be recorded (nothing was run)", l->exe);
		return EXIT_UNAVAILABLE;
	}
	return 0;
}

/* A file with no name that COMMAND inherits (no CLOEXEC): a memfd on Linux,
 * an unlinked temporary file on macOS (untested: docs/macos.md). */
static int anonymous_file(void)
{
#ifdef __APPLE__
	const char *dir = getenv("TMPDIR");
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/hvtrace-rings.XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(path);
	if (fd >= 0)
		unlink(path);
	return fd;
#else
	return memfd_create("hvtrace-rings", 0);
#endif
}

/* The rings the shims write into, sized for every vCPU id; pages no vCPU
 * touches cost nothing. */
static int create_region(struct launch *l)
{
	l->region_fd = anonymous_file();
	if (l->region_fd < 0 || ftruncate(l->region_fd, sizeof(*l->region)) != 0) {
		cli_err("record: cannot create the shared rings: %s", strerror(errno));
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

/* What is known before COMMAND runs; the backend (which interposer
 * claimed), the recorder's pid and own command line are added once it ran. */
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

/* Both interposers, ahead of whatever the user preloads: each maps the
 * region at load and stays inert unless its API is used (docs/interpose.md). */
static int set_env(const struct launch *l)
{
	const char *old = getenv(PRELOAD_VAR);
	char preload[3 * PATH_MAX + 2], ring[96];
	struct stat st;
	if (fstat(l->region_fd, &st) != 0)
		return -1;
	snprintf(preload, sizeof(preload), "%s%s%s%s%s", l->shim,
		 l->shim[0] && l->hvf_shim[0] ? ":" : "", l->hvf_shim,
		 old && *old ? ":" : "", old && *old ? old : "");
	snprintf(ring, sizeof(ring), "%d:%llu:%ld", l->region_fd, (unsigned long long)st.st_ino,
		 (long)getpid());
	return setenv(PRELOAD_VAR, preload, 1) || setenv(HVT_IRING_ENV, ring, 1);
}

/* Starts COMMAND; returns its pid, or -1 with *exec_errno set when it could
 * not be started (exec's errno comes back through a CLOEXEC pipe). */
static pid_t start_child(const struct launch *l, char **argv, int *exec_errno)
{
	int pipefd[2];
	*exec_errno = 0;
#ifdef __APPLE__
	if (pipe(pipefd) != 0 || fcntl(pipefd[0], F_SETFD, FD_CLOEXEC) != 0 ||
	    fcntl(pipefd[1], F_SETFD, FD_CLOEXEC) != 0) {
#else
	if (pipe2(pipefd, O_CLOEXEC) != 0) {
#endif
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

static int recorded_hvf(const struct launch *l)
{
	return atomic_load(&l->region->recorder_api) == HVT_IRING_API_HVF;
}

/* The VMM's hv_vm_map calls: "0xIPA 0xBYTES rwx", joined by ", ". */
static void guest_maps_meta(struct launch *l)
{
	char text[HVT_IRING_MAPS * 48 + 1];
	size_t at = 0;
	uint32_t n = atomic_load(&l->region->n_maps);
	text[0] = '\0';
	for (uint32_t i = 0; i < n && i < HVT_IRING_MAPS; i++) {
		const struct hvt_iring_map *m = &l->region->maps[i];
		if (!atomic_load(&m->ready))
			continue;
		int w = snprintf(text + at, sizeof(text) - at, "%s0x%" PRIx64 " 0x%" PRIx64 " %c%c%c",
				 at ? ", " : "", m->ipa, m->bytes, m->flags & 1 ? 'r' : '-', m->flags & 2 ? 'w' : '-',
				 m->flags & 4 ? 'x' : '-');
		at += w > 0 && (size_t)w < sizeof(text) - at ? (size_t)w : 0;
	}
	if (at)
		hvt_writer_set_meta_str(l->w, HVT_META_GUEST_MAPS, text);
}

/* Which API was recorded, the recorder's pid and command line (the process
 * that created the VM, which may be a grandchild of a wrapper script) and
 * what had to be dropped. */
static void finish_meta(struct launch *l)
{
	char buf[32];
	const struct record_wait_result *r = &l->waited;
	int hvf = recorded_hvf(l);
	hvt_writer_set_meta_str(l->w, HVT_META_BACKEND, hvf ? HVT_BACKEND_HVF : HVT_BACKEND_KVM);
	hvt_writer_set_meta_str(l->w, HVT_META_ARCH, hvf ? HVT_META_ARCH_ARM64 : HVT_META_ARCH_X86_64);
	if (hvf)
		guest_maps_meta(l);
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
		cli_err("record: %s: the interposer was never loaded into it (setuid, static, or "
			PRELOAD_VAR " removed): nothing recorded", cmd);
	else
		cli_err("record: %s never created a KVM VM through /dev/kvm nor a "
			"Hypervisor.framework VM (hv_vm_create): nothing recorded", cmd);
	trace_output_discard(&l->out);
	return status ? status : EXIT_UNAVAILABLE;
}

/* The run call of the API that was recorded, for messages. */
static const char *run_call(const struct launch *l)
{
	return recorded_hvf(l) ? "hv_vcpu_run" : "KVM_RUN";
}

static void summarize(const struct launch *l)
{
	fprintf(stderr, "hvtrace: recorded pid %ld: %" PRIu64 " exit%s (%" PRIu64
		" failed %s call%s%s) on %u vCPU%s, %" PRIu64
		" event%s, into %s\n", (long)l->waited.recorder, l->drain.exits,
		cli_plural(l->drain.exits), l->drain.failed_runs, run_call(l),
		cli_plural(l->drain.failed_runs), recorded_hvf(l) ? "" : ", e.g. -EINTR kicks",
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
		cli_err("record: %s: the VMM created a VM but no %s was recorded (raw "
			"syscalls, or it stopped before running a vCPU)", l->out.final, run_call(l));
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
	int kvm = find_shim("HVTRACE_SHIM", SHIM_NAME, l->shim, sizeof(l->shim));
	int hvf = find_shim("HVTRACE_HVF_SHIM", HVF_SHIM_NAME, l->hvf_shim, sizeof(l->hvf_shim));
	if (kvm != 0 && hvf != 0) {
		cli_err("record: cannot find %s nor %s next to the hvtrace binary (looked in ../lib/ "
			"and ../" HVT_INSTALL_LIBDIR "/; set HVTRACE_SHIM or HVTRACE_HVF_SHIM)",
			SHIM_NAME, HVF_SHIM_NAME);
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
