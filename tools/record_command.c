/* hvtrace record [-o FILE] -- COMMAND [ARGS...]: the launcher side of
 * interposed recording (docs/interpose.md). It finds the shim next to the
 * hvtrace binary, refuses commands the shim cannot enter, runs COMMAND with
 * LD_PRELOAD and a private handshake directory, forwards the exit status,
 * and never lets an empty or missing trace pass for a recording. */
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "record_command.h"

#ifndef HVT_INSTALL_LIBDIR
#define HVT_INSTALL_LIBDIR "lib"
#endif
#define SHIM_NAME "libhvtrace-shim.so"
#define EXIT_NOT_FOUND 127
#define EXIT_CANNOT_EXEC 126
#define EXIT_UNAVAILABLE 69 /* nothing could be recorded (sysexits EX_UNAVAILABLE) */

struct launch {
	char out[PATH_MAX];   /* absolute trace path */
	char dir[PATH_MAX];   /* handshake directory (mkdtemp) */
	char exe[PATH_MAX];   /* COMMAND resolved through PATH */
	char shim[PATH_MAX];  /* absolute path of the shim */
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

static int absolute_path(const char *path, char *out, size_t len)
{
	char cwd[PATH_MAX];
	if (path[0] == '/')
		return snprintf(out, len, "%s", path) < (int)len ? 0 : -1;
	if (!getcwd(cwd, sizeof(cwd)))
		return -1;
	return snprintf(out, len, "%s/%s", cwd, path) < (int)len ? 0 : -1;
}

static int prepare(const char *out_path, struct launch *l)
{
	if (find_shim(l->shim, sizeof(l->shim)) != 0) {
		cli_err("record: cannot find %s next to the hvtrace binary (looked in ../lib/ and "
			"../" HVT_INSTALL_LIBDIR "/; set HVTRACE_SHIM)", SHIM_NAME);
		return EXIT_UNAVAILABLE;
	}
	if (absolute_path(out_path, l->out, sizeof(l->out)) != 0) {
		cli_err("record: %s: path too long", out_path);
		return HVT_EXIT_USAGE;
	}
	const char *tmp = getenv("TMPDIR");
	snprintf(l->dir, sizeof(l->dir), "%s/hvtrace-record.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(l->dir)) {
		cli_err("record: cannot create a directory in %s: %s", tmp && *tmp ? tmp : "/tmp",
			strerror(errno));
		return HVT_EXIT_IOERR;
	}
	/* An old trace at the output path must not pass for this run's. */
	if (unlink(l->out) != 0 && errno != ENOENT) {
		cli_err("record: %s: %s", l->out, strerror(errno));
		return HVT_EXIT_IOERR;
	}
	return 0;
}

static int set_env(const struct launch *l)
{
	const char *old = getenv("LD_PRELOAD");
	char preload[2 * PATH_MAX];
	if (old && *old)
		snprintf(preload, sizeof(preload), "%s:%s", l->shim, old);
	else
		snprintf(preload, sizeof(preload), "%s", l->shim);
	return setenv("LD_PRELOAD", preload, 1) || setenv("HVTRACE_SHIM_OUT", l->out, 1) ||
	       setenv("HVTRACE_SHIM_DIR", l->dir, 1);
}

static volatile sig_atomic_t child_pid;

static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill((pid_t)child_pid, sig);
}

/* Like system(): the terminal's SIGINT/SIGQUIT reach the VMM directly; we
 * wait for it. SIGTERM/SIGHUP sent to us are handed on. */
static void parent_signals(int install)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = install ? SIG_IGN : SIG_DFL;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sa.sa_handler = install ? forward_signal : SIG_DFL;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* Runs the command; returns its wait status, or -1 with a message. */
static int run_child(const struct launch *l, char **argv, int *exec_errno)
{
	int pipefd[2], status = 0;
	if (pipe2(pipefd, O_CLOEXEC) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(pipefd[0]);
		execv(l->exe, argv);
		int e = errno;
		ssize_t n = write(pipefd[1], &e, sizeof(e));
		(void)n;
		_exit(EXIT_CANNOT_EXEC);
	}
	close(pipefd[1]);
	child_pid = pid;
	parent_signals(1);
	if (read(pipefd[0], exec_errno, sizeof(*exec_errno)) != (ssize_t)sizeof(*exec_errno))
		*exec_errno = 0;
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	parent_signals(0);
	return status;
}

static int exit_status_of(int wstatus)
{
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : HVT_EXIT_SOFTWARE;
}

/* The shim's handshake files: "loaded" by every process it entered, and
 * "claim" by the one that recorded (its pid, or "error: ..."). */
static int read_dir_file(const struct launch *l, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/%s", l->dir, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return 0;
}

static void remove_dir(const struct launch *l)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/loaded", l->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/claim", l->dir);
	unlink(path);
	rmdir(l->dir);
}

/* Reads the trace back: the summary line, and proof it is a trace. */
static int summarize(const struct launch *l, const char *claim, int quiet)
{
	hvt_reader *r;
	const hvt_event *ev;
	uint64_t events = 0, exits = 0, kicks = 0;
	if (cli_open_trace(l->out, &r) != 0)
		return HVT_EXIT_IOERR;
	int err;
	while ((err = hvt_reader_next(r, &ev)) == 1) {
		events++;
		exits += ev->type == HVT_EV_EXIT;
		kicks += ev->type == HVT_EV_EXIT && (ev->flags & HVT_EVF_EXIT_ERRNO);
	}
	uint32_t streams = hvt_reader_stream_count(r);
	if (err < 0)
		cli_err("%s: %s (the trace is readable up to there)", l->out, hvt_reader_error(r));
	hvt_reader_close(r);
	if (exits == 0) {
		cli_err("record: %s: the VMM created a VM but no KVM_RUN was recorded (raw "
			"syscalls, or it stopped before running a vCPU)", l->out);
		return EXIT_UNAVAILABLE;
	}
	if (!quiet)
		fprintf(stderr, "hvtrace: recorded pid %s: %" PRIu64 " exits (%" PRIu64
			" failed KVM_RUN calls, e.g. -EINTR kicks) on %u vCPUs, %" PRIu64
			" events, into %s\n", claim, exits, kicks, streams, events, l->out);
	return 0;
}

/* Decides what the run produced. status is the command's own. */
static int judge(const struct launch *l, const char *cmd, int status, int quiet)
{
	char loaded[8], claim[600];
	if (read_dir_file(l, "claim", claim, sizeof(claim)) != 0) {
		if (read_dir_file(l, "loaded", loaded, sizeof(loaded)) != 0)
			cli_err("record: %s: the shim was never loaded into it (setuid, static, or "
				"LD_PRELOAD removed): nothing recorded", cmd);
		else
			cli_err("record: %s never created a KVM VM through /dev/kvm: nothing "
				"recorded, no trace written", cmd);
		unlink(l->out);
		return status ? status : EXIT_UNAVAILABLE;
	}
	if (strncmp(claim, "error: ", 7) == 0) {
		cli_err("record: the trace could not be written: %s", claim + 7);
		return status ? status : HVT_EXIT_IOERR;
	}
	int rc = summarize(l, claim, quiet);
	return status ? status : rc;
}

int record_command_run(const char *out_path, int quiet, int argc, char **argv)
{
	struct launch l;
	int rc, exec_errno = 0;
	(void)argc;
	memset(&l, 0, sizeof(l));
	if ((rc = check_command(argv[0], &l)) != 0 || (rc = prepare(out_path, &l)) != 0)
		return rc;
	if (set_env(&l) != 0) {
		cli_err("record: cannot set the environment: %s", strerror(errno));
		remove_dir(&l);
		return HVT_EXIT_SOFTWARE;
	}
	fflush(NULL);
	int wstatus = run_child(&l, argv, &exec_errno);
	if (wstatus < 0 || exec_errno) {
		cli_err("record: %s: %s", l.exe, strerror(exec_errno ? exec_errno : errno));
		remove_dir(&l);
		return exec_errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
	}
	rc = judge(&l, argv[0], exit_status_of(wstatus), quiet);
	remove_dir(&l);
	return rc;
}
