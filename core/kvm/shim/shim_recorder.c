/* The process-wide recorder: who records (the claim), the writer and its
 * metadata, stream creation, and the end of recording (exit or fork). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hvtrace/error.h"
#include "hvtrace/meta.h"
#include "shim.h"

#define SHIM_PATH_MAX 4096

static struct {
	atomic_int recording;        /* this process owns the writer */
	atomic_int never;            /* a fork child of the recorder: never records */
	int closing;                 /* under mu: the exit path runs, no new streams */
	pid_t pid;                   /* the recording process */
	hvt_writer *writer;
	hvt_writer *abandoned;       /* a fork child's copy of the parent's writer */
	uint64_t origin_ns;          /* monotonic ns of event time 0 */
	pthread_mutex_t mu;          /* writer creation, stream opening, slots, finish */
	struct shim_vcpu *_Atomic slots[HVT_MAX_STREAMS];
	char out[SHIM_PATH_MAX];     /* HVTRACE_SHIM_OUT, copied at load */
	char dir[SHIM_PATH_MAX];     /* HVTRACE_SHIM_DIR */
} g = { .mu = PTHREAD_MUTEX_INITIALIZER };

int shim_recording(void)
{
	return atomic_load_explicit(&g.recording, memory_order_acquire);
}

pid_t shim_recorder_pid(void)
{
	return g.pid;
}

uint64_t shim_time_ns(uint64_t mono_ns)
{
	return mono_ns > g.origin_ns ? mono_ns - g.origin_ns : 0;
}

struct shim_vcpu *shim_vcpu_slot(unsigned id)
{
	if (id >= HVT_MAX_STREAMS || !shim_recording())
		return NULL;
	return atomic_load_explicit(&g.slots[id], memory_order_acquire);
}

struct shim_vcpu *shim_vcpu_slot_make(unsigned id)
{
	if (id >= HVT_MAX_STREAMS || !shim_recording())
		return NULL;
	pthread_mutex_lock(&g.mu);
	struct shim_vcpu *v = g.slots[id];
	if (!v && (v = calloc(1, sizeof(*v))) != NULL)
		atomic_store_explicit(&g.slots[id], v, memory_order_release);
	pthread_mutex_unlock(&g.mu);
	return v;
}

int shim_open_stream(struct shim_vcpu *v)
{
	int err = -1;
	pthread_mutex_lock(&g.mu);
	if (g.writer && !g.closing)
		err = hvt_writer_open_stream(g.writer, v->id, &v->stream);
	pthread_mutex_unlock(&g.mu);
	return err;
}

/* Copies the environment at load: the VMM may clear it before creating a VM. */
static void read_env(void)
{
	const char *out = getenv(HVT_SHIM_ENV_OUT), *dir = getenv(HVT_SHIM_ENV_DIR);
	if (out && dir && strlen(out) < sizeof(g.out) && strlen(dir) < sizeof(g.dir) - 16) {
		strcpy(g.out, out);
		strcpy(g.dir, dir);
	}
}

static int open_in_dir(const char *name, int flags)
{
	char path[SHIM_PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/%s", g.dir, name);
	return shim_real.open(path, flags | O_CLOEXEC, 0600);
}

/* The launcher's handshake: proof that the shim entered a process at all. */
void shim_touch_loaded(void)
{
	read_env();
	if (!g.dir[0])
		return;
	int fd = open_in_dir(HVT_SHIM_LOADED_FILE, O_WRONLY | O_CREAT);
	if (fd >= 0)
		shim_real.close(fd);
}

/* "prog arg1 arg2" from /proc/self/cmdline (NULs become spaces). */
static void command_line(char *buf, size_t len)
{
	int fd = shim_real.open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : 0;
	if (fd >= 0)
		shim_real.close(fd);
	n = n > 0 ? n : 0;
	buf[n] = '\0';
	for (ssize_t i = 0; i + 1 < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
}

static int write_meta(hvt_writer *w)
{
	static char cmd[65536];
	char pid[32];
	command_line(cmd, sizeof(cmd));
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	int err = hvt_writer_set_meta_str(w, HVT_META_HVTRACE_VERSION, HVT_VERSION_STRING);
	err = err ? err : hvt_writer_set_meta_str(w, HVT_META_BACKEND, HVT_BACKEND_KVM);
	err = err ? err : hvt_writer_set_meta_str(w, HVT_META_ARCH, HVT_META_ARCH_X86_64);
	err = err ? err : hvt_writer_set_meta_str(w, HVT_META_INTERPOSED, "1");
	err = err ? err : hvt_writer_set_meta_str(w, HVT_META_COMMAND_LINE, cmd);
	err = err ? err : hvt_writer_set_meta_str(w, HVT_META_PID, pid);
	return err;
}

/* The claim file says which process records; the launcher reads it back
 * (a pid, or "error: ..." when the trace could not be created). */
static void write_claim(int fd, const char *text)
{
	ssize_t n = write(fd, text, strlen(text));
	(void)n;
	shim_real.close(fd);
}

static int create_writer(int claim_fd)
{
	struct hvt_writer_opts opts = HVT_WRITER_OPTS_INIT;
	char msg[512];
	sigset_t all, old;
	g.origin_ns = hvt_monotonic_ns();
	opts.time_origin_ns = g.origin_ns;
	/* The writer's thread inherits a fully blocked mask: the VMM's
	 * process-directed signals keep landing on the VMM's own threads. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int err = hvt_writer_create(&g.writer, g.out, &opts);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	err = err ? err : write_meta(g.writer);
	if (err) {
		/* The writer's messages name the file; a bare code gets the path. */
		const char *why = g.writer ? hvt_writer_error(g.writer) : hvt_writer_last_error();
		if (why && *why)
			snprintf(msg, sizeof(msg), "error: %s", why);
		else
			snprintf(msg, sizeof(msg), "error: %s: %s", g.out, hvt_strerror(err));
		hvt_writer_close(g.writer);
		g.writer = NULL;
		write_claim(claim_fd, msg);
		return -1;
	}
	snprintf(msg, sizeof(msg), "%ld", (long)getpid());
	write_claim(claim_fd, msg);
	return 0;
}

int shim_claim(void)
{
	int rc = -1;
	if (atomic_load(&g.never) || !g.out[0])
		return -1; /* a fork child, or the shim was preloaded without the launcher */
	pthread_mutex_lock(&g.mu);
	if (shim_recording()) {
		rc = 0; /* a second VM in the recording process joins the same trace */
	} else {
		int fd = open_in_dir(HVT_SHIM_CLAIM_FILE, O_WRONLY | O_CREAT | O_EXCL);
		if (fd >= 0 && create_writer(fd) == 0) {
			g.pid = getpid();
			atomic_store_explicit(&g.recording, 1, memory_order_release);
			rc = 0;
		}
		if (fd < 0)
			atomic_store(&g.never, 1); /* another process records: pass through */
	}
	pthread_mutex_unlock(&g.mu);
	return rc;
}

/* At exit: commit every vCPU's pending exit, end its stream, close the
 * file. vCPU threads still running pass through from here on. */
void shim_finish(void)
{
	if (!shim_recording() || getpid() != g.pid)
		return;
	/* Detach without holding mu: a vCPU thread inside its critical section
	 * may be waiting for mu to open its stream (it then gets none). */
	pthread_mutex_lock(&g.mu);
	int already = g.closing;
	g.closing = 1;
	pthread_mutex_unlock(&g.mu);
	if (already)
		return;
	for (unsigned id = 0; id < HVT_MAX_STREAMS; id++) {
		struct shim_vcpu *v = atomic_load(&g.slots[id]);
		if (v)
			shim_vcpu_detach(v);
	}
	pthread_mutex_lock(&g.mu);
	atomic_store(&g.recording, 0);
	hvt_writer *w = g.writer;
	g.writer = NULL;
	pthread_mutex_unlock(&g.mu);
	hvt_writer_close(w);
}

/* pthread_atfork child handler: the child is a copy with the parent's
 * writer (buffers, but no background thread). Dropping it without a flush
 * keeps the child from writing the parent's events a second time; the
 * memory is simply left behind (still referenced, so a leak checker in an
 * instrumented VMM does not change the child's exit status), and the child
 * never records. The mutex may have been held by another
 * parent thread at fork: reinitialise it. */
void shim_drop_in_child(void)
{
	pthread_mutex_init(&g.mu, NULL);
	if (!shim_recording())
		return; /* a non-recording process's child may still create the VM */
	atomic_store(&g.never, 1);
	atomic_store(&g.recording, 0); /* slots and fds are now ignored */
	g.abandoned = g.writer; /* still referenced: leak checkers stay quiet */
	g.writer = NULL;
}
