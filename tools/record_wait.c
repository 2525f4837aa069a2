/* The launcher's wait loop: drain the rings, reap, and react to stop
 * signals, with a deadline for every wait that follows a signal.
 *
 * One thread does it all (the writer's encoder thread blocks no signal), so
 * nothing here can sit in a blocking call: the loop sleeps 1 ms between
 * passes (a ring holds 16384 records, far more than 1 ms of exits), and a
 * signal cuts that sleep short. */
#define _GNU_SOURCE
#include "record_wait.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define IDLE_SLEEP_NS 1000000L

static volatile sig_atomic_t g_stop_signal; /* the last stop signal received */
static volatile sig_atomic_t g_stop_count;  /* how many */

static void on_stop_signal(int sig)
{
	g_stop_signal = sig;
	g_stop_count++;
}

static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};

static void set_handlers(int install)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = install ? on_stop_signal : SIG_DFL; /* no SA_RESTART: cut the sleep */
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		sigaction(stop_signals[i], &sa, NULL);
}

/* Handlers go in before the fork, so no stop signal falls between fork and
 * wait; exec resets them to the default in COMMAND. */
void record_wait_prepare(void)
{
#ifdef __linux__
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
#endif /* macOS has no subreaper: a recorder whose parent exits is not waited for */
	g_stop_signal = 0;
	g_stop_count = 0;
	set_handlers(1);
}

void record_wait_restore(void)
{
	set_handlers(0);
}

struct waiter {
	pid_t child;
	struct record_wait_result *res;
	int recorder_done;
	int seen_signals;           /* g_stop_count already acted upon */
	uint64_t kill_at_ns;        /* 0, or when to SIGKILL the VMM */
	uint64_t give_up_at_ns;     /* 0, or when to stop waiting for a killed VMM */
};

static void read_cmdline(pid_t pid, char *buf, size_t len)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : 0;
	if (fd >= 0)
		close(fd);
	n = n > 0 ? n : 0;
	buf[n] = '\0';
	for (ssize_t i = 0; i + 1 < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
}

/* Learns which process records, while it is alive to be asked its name. */
static void note_recorder(struct waiter *w, const struct hvt_iring_region *region)
{
	pid_t pid = (pid_t)atomic_load(&region->recorder_pid);
	if (pid <= 0 || w->res->recorder)
		return;
	w->res->recorder = pid;
	read_cmdline(pid, w->res->recorder_cmdline, sizeof(w->res->recorder_cmdline));
}

/* Reaps COMMAND, the recorder (once orphaned to us) and any other orphan. */
static void reap(struct waiter *w)
{
	int st;
	pid_t p;
	while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
		if (p == w->child) {
			w->res->wstatus = st;
			w->res->reaped = 1;
		}
		if (p == w->res->recorder)
			w->recorder_done = 1;
	}
	if (p < 0 && errno == ECHILD && !w->res->reaped) {
		w->res->reaped = 1; /* reaped elsewhere: cannot happen, but never wait forever */
		w->res->wstatus = 0;
	}
}

static int finished(struct waiter *w)
{
	pid_t rec = w->res->recorder;
	if (!w->res->reaped)
		return 0;
	/* The recorder is COMMAND itself, none, or a descendant: gone when we
	 * reaped it or when kill() no longer finds it (its own parent reaped it). */
	return rec <= 0 || rec == w->child || w->recorder_done || kill(rec, 0) != 0;
}

static void signal_vmm(struct waiter *w, int sig)
{
	if (!w->res->reaped)
		kill(w->child, sig);
	if (w->res->recorder > 0 && w->res->recorder != w->child && !w->recorder_done)
		kill(w->res->recorder, sig);
}

static void kill_vmm(struct waiter *w, uint64_t now, const char *why)
{
	cli_err("record: %s: killing it (SIGKILL)", why);
	signal_vmm(w, SIGKILL);
	w->res->killed = 1;
	w->kill_at_ns = 0;
	w->give_up_at_ns = now + RECORD_KILL_GRACE_NS;
}

/* Forward a new stop signal; escalate on a second one or past the grace. */
static void handle_signals(struct waiter *w, uint64_t now)
{
	int count = g_stop_count;
	if (count != w->seen_signals) {
		int sig = g_stop_signal;
		if (!w->res->stop_signal) {
			w->res->stop_signal = sig;
			w->kill_at_ns = now + RECORD_STOP_GRACE_NS;
		}
		/* Once killed, only the reaping deadline is left to wait for. */
		if (!w->res->killed && count >= 2)
			kill_vmm(w, now, "a second stop signal");
		else if (!w->res->killed)
			signal_vmm(w, sig);
		w->seen_signals = count;
	}
	if (w->kill_at_ns && now >= w->kill_at_ns && !w->res->killed)
		kill_vmm(w, now, "the VMM did not exit within 5 s of the stop signal");
}

static int drain_all(struct record_drain *d)
{
	int n, total = 0;
	while ((n = record_drain_poll(d)) > 0)
		total += n;
	return n < 0 ? n : total;
}

static void sleep_idle(void)
{
	struct timespec ts = {0, IDLE_SLEEP_NS};
	nanosleep(&ts, NULL); /* a signal ends it early: fine */
}

int record_wait(pid_t child, struct record_drain *d, struct record_wait_result *res)
{
	struct waiter w = {.child = child, .res = res};
	for (;;) {
		uint64_t now = hvt_monotonic_ns();
		atomic_store(&d->region->consumer_beat_ns, now);
		int n = record_drain_poll(d); /* a writer error keeps draining: the VMM must not stall */
		note_recorder(&w, d->region);
		reap(&w);
		if (finished(&w))
			break;
		handle_signals(&w, now);
		if (w.give_up_at_ns && now >= w.give_up_at_ns) {
			cli_err("record: the VMM was killed but is still not gone after 5 s; "
				"finishing the trace without it");
			break;
		}
		/* Sleep between passes even when there was work: spinning on a
		 * trickle of records would take a core from the VMM (measured: +5%
		 * wall time on QEMU with 2 cores). Only a real backlog skips it. */
		if (n < (int)(HVT_IRING_RECORDS / 4))
			sleep_idle();
	}
	int rc = drain_all(d);
	record_wait_restore();
	return rc < 0 ? rc : d->err;
}
