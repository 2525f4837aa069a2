/* hvt_replay_gdb: the listening socket (loopback unless asked), one
 * connection, the watcher thread (Ctrl-C and the watchdog while the guest
 * runs), and the session's life cycle around the forward driver. */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "opts.h"
#include "gdb_internal.h"
#include "hvtrace/error.h"

#define WATCH_PERIOD_NS 20000000L

static int resolve(const char *host, struct in_addr *a)
{
	if (!host || strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	return inet_pton(AF_INET, host, a) == 1 ? 0 : -1;
}

static int listen_on(struct hvt_gdb *s, char *msg, size_t msg_len)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int one = 1, fd;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)s->o.port);
	if (resolve(s->o.host, &sa.sin_addr) != 0) {
		snprintf(msg, msg_len, "'%s' is not an IPv4 address", s->o.host);
		return HVT_E_INVAL;
	}
	if ((ntohl(sa.sin_addr.s_addr) >> 24) != 127 && !s->o.allow_remote) {
		snprintf(msg, msg_len, "%s is not a loopback address: the stub can read and write "
			 "guest memory; pass --gdb-allow-remote to serve it anyway", s->o.host);
		return HVT_E_INVAL;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
		snprintf(msg, msg_len, "cannot listen on %s:%u: %s", s->o.host ? s->o.host :
			 "127.0.0.1", s->o.port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return HVT_E_IO;
	}
	s->o.port = ntohs(sa.sin_port);
	return fd;
}

/* The client command lines. arm64: a gdb built for x86-64 only (Debian's
 * plain gdb) cannot debug it: gdb-multiarch (or an aarch64 gdb) can, and
 * switches by itself from the image and the target description. */
static void print_banner(struct hvt_gdb *s)
{
	const char *host = s->o.host ? s->o.host : "127.0.0.1";
	const char *img = s->o.image_hint ? s->o.image_hint : "GUEST.elf";

	fprintf(s->log, "hvtrace: serving the replay to gdb on %s:%u (one connection)\n",
		host, s->o.port);
	if (!s->o.image_hint)
		fprintf(s->log, "hvtrace: for symbols: hvtrace replay --extract-image GUEST.elf FILE\n");
	fprintf(s->log, "hvtrace: %s %s -ex 'target remote %s:%u'\n", s->arch->gdb_client, img,
		host, s->o.port);
	fprintf(s->log, "hvtrace: lldb %s -o 'gdb-remote %s:%u'\n", img, host, s->o.port);
	fflush(s->log);
}

static const struct gdb_arch *arch_for(int arch_id)
{
	return arch_id == HVT_ARCH_X86_64 ? &gdb_arch_x86_64 :
	       arch_id == HVT_ARCH_ARM64 ? &gdb_arch_arm64 : NULL;
}

/* The stub needs the architecture's tables and the backend's whole vCPU
 * state (checkpoints): refused before anyone connects otherwise. */
static int check_servable(struct hvt_gdb *s)
{
	const hvt_backend_ops *ops = s->rp.m->ops;

	s->arch = arch_for(s->rp.m->arch->id);
	if (!s->arch) {
		hvt_rp_fail(&s->rp, HVT_REPLAY_REFUSED, "the gdb stub serves x86-64 and arm64 "
			    "traces only");
		return -1;
	}
	if (!ops->vcpu_state_save || !ops->vcpu_state_load) {
		hvt_rp_fail(&s->rp, HVT_REPLAY_REFUSED, "the gdb stub needs checkpoints of the "
			    "vCPU state, which the %s backend does not provide", ops->name);
		return -1;
	}
	return 0;
}

static int accept_one(struct hvt_gdb *s, int lfd)
{
	int fd, one = 1;

	do
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd >= 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd < 0 ? HVT_E_IO : fd;
}

/* While the guest runs: a 0x03 from the client or its disconnection stops
 * it; a run past its watchdog budget is kicked (the engine reports the
 * divergence). Reads only peek unless the byte is the interrupt. */
static void watch_socket(struct hvt_gdb *s)
{
	struct pollfd p = { .fd = s->io.fd, .events = POLLIN };
	uint8_t c;

	if (poll(&p, 1, 0) != 1)
		return;
	ssize_t n = recv(s->io.fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == 0 || (n == 1 && c == 0x03)) {
		if (n == 1)
			(void)recv(s->io.fd, &c, 1, MSG_DONTWAIT);
		else
			atomic_store(&s->disconnected, 1);
		atomic_store(&s->interrupt, 1);
		s->rp.m->ops->vcpu_kick(s->rp.vcpus[atomic_load(&s->run_vcpu)].bv);
	}
}

static void watch_deadlines(struct hvt_gdb *s)
{
	uint64_t now = hvt_monotonic_ns();

	for (unsigned i = 0; i < s->rp.n_vcpus; i++) {
		struct hvt_rvcpu *v = &s->rp.vcpus[i];
		if (hvt_watchdog_expired(v, now)) {
			atomic_store(&v->timed_out, 1);
			s->rp.m->ops->vcpu_kick(v->bv);
		}
	}
}

static void *watcher(void *arg)
{
	struct hvt_gdb *s = arg;
	struct timespec period = { 0, WATCH_PERIOD_NS };

	while (!atomic_load(&s->quit)) {
		nanosleep(&period, NULL);
		if (!atomic_load(&s->running))
			continue;
		watch_socket(s);
		watch_deadlines(s);
	}
	return NULL;
}

static uint64_t count_events(hvt_reader *r)
{
	struct hvt_stream_info si;
	uint64_t n = 0;

	for (uint32_t i = 0; i < hvt_reader_stream_count(r); i++)
		if (hvt_reader_stream_info(r, i, &si) == 0)
			n += si.events;
	return n;
}

static int alloc_session(struct hvt_gdb *s)
{
	unsigned n = s->rp.n_vcpus;

	s->next_ev = calloc(n, sizeof(*s->next_ev));
	s->finished = calloc(n, 1);
	s->eng_dbg = calloc(n, sizeof(*s->eng_dbg));
	s->handled = calloc(n, 1);
	s->last_top = calloc(n, sizeof(*s->last_top));
	s->pending_vec = malloc(n * sizeof(*s->pending_vec));
	s->acc = calloc(n, sizeof(*s->acc));
	/* Read/access watchpoints decode the trace's instructions: NULL
	 * (refused) in a build without Capstone; the rest works. */
	s->dec = gdb_decoder_open(s->arch->isa);
	for (unsigned i = 0; s->pending_vec && i < n; i++)
		s->pending_vec[i] = -1;
	for (unsigned i = 0; s->acc && i < n; i++)
		s->acc[i].wi = -1;
	return s->next_ev && s->finished && s->eng_dbg && s->handled && s->last_top &&
	       s->pending_vec && s->acc ? 0 : HVT_E_NOMEM;
}

static void free_session(struct hvt_gdb *s)
{
	free(s->next_ev);
	free(s->finished);
	free(s->eng_dbg);
	free(s->handled);
	free(s->last_top);
	free(s->pending_vec);
	free(s->acc);
	gdb_decoder_close(s->dec);
	gdb_ckpt_free(s);
	gdb_io_free(&s->io);
}

/* Entry registers, and on arm64 a vtimer that never fires by itself (as
 * replay's own vCPU threads do): its recorded interrupts are landed. */
static int start_vcpu(struct hvt_gdb *s, unsigned i)
{
	const hvt_backend_ops *ops = s->rp.m->ops;

	if (hvt_machine_set_entry_regs(s->rp.m, i) < 0)
		return HVT_E_BACKEND;
	if (ops->vcpu_timer_sync && (!ops->vcpu_vtimer_hold ||
				     ops->vcpu_vtimer_hold(s->rp.vcpus[i].bv, 1) < 0)) {
		hvt_rp_fail(&s->rp, HVT_REPLAY_FAILED, "vCPU %u: the %s backend cannot hold the "
			    "virtual timer masked for replay", i, ops->name);
		return HVT_E_BACKEND;
	}
	return 0;
}

/* Entry registers, lookahead, checkpoint 0, and the first stop's goal. */
static int prepare(struct hvt_gdb *s)
{
	int rc;

	if ((rc = alloc_session(s)) < 0)
		return rc;
	for (unsigned i = 0; i < s->rp.n_vcpus; i++)
		if ((rc = start_vcpu(s, i)) < 0)
			return rc;
	s->total_events = count_events(s->rp.r);
	if ((rc = gdb_reposition(s)) < 0 || (rc = gdb_ckpt_init(s)) < 0 ||
	    (rc = gdb_ckpt_take(s)) < 0)
		return rc;
	gdb_goal_start(s, GOAL_TO_POS);
	s->goal.report = STOP_START;
	atomic_store(&s->running, 1);
	return 0;
}

static void session(struct hvt_gdb *s, int fd)
{
	gdb_io_init(&s->io, fd);
	s->rp.hooks = &gdb_hooks;
	s->rp.hook_ctx = s;
	if (prepare(s) == 0) {
		if (pthread_create(&s->watcher, NULL, watcher, s) == 0)
			s->watcher_started = 1;
		(void)gdb_drive(s);
	}
	atomic_store(&s->quit, 1);
	if (s->watcher_started)
		pthread_join(s->watcher, NULL);
}

/* The client decided where the session ended: no judgement of a complete
 * replay, only whether it stood on a divergence then. */
static void result(struct hvt_gdb *s, struct hvt_replay_result *res)
{
	memset(res, 0, sizeof(*res));
	s->rp.console.fd = s->console_fd;
	hvt_console_out_flush(&s->rp.console);
	res->outcome = s->rp.outcome;
	res->end_reason = -1;
	res->events = s->g;
	snprintf(res->msg, sizeof(res->msg), "%s", s->rp.msg);
	if (res->outcome == HVT_REPLAY_DIVERGED && s->rp.report)
		fputs(s->rp.report, s->log);
	if (atomic_load(&s->disconnected) && res->outcome == HVT_REPLAY_OK)
		snprintf(res->msg, sizeof(res->msg), "the debugger disconnected at event %" PRIu64, s->g);
	else if (res->outcome == HVT_REPLAY_OK)
		snprintf(res->msg, sizeof(res->msg), "at event %" PRIu64 " of %" PRIu64, s->g,
			 s->total_events);
}

static int serve(struct hvt_gdb *s, hvt_reader *r, int lfd, struct hvt_replay_result *res)
{
	struct hvt_replay_opts ro = HVT_REPLAY_OPTS_INIT;
	int fd, rc;

	ro.console_fd = s->o.console_fd;
	ro.report = s->log;
	ro.print_event = s->o.print_event;
	if ((rc = hvt_replay_open(&s->rp, r, &ro)) != 0)
		return rc;
	s->console_fd = s->rp.console.fd;
	if (s->rp.outcome == HVT_REPLAY_OK && check_servable(s) == 0) {
		print_banner(s);
		if ((fd = accept_one(s, lfd)) < 0) {
			hvt_replay_close(&s->rp);
			return fd;
		}
		session(s, fd);
		close(fd);
	}
	result(s, res);
	free_session(s);
	hvt_replay_close(&s->rp);
	return 0;
}

int hvt_replay_gdb(hvt_reader *r, const struct hvt_gdb_opts *opts, struct hvt_replay_result *res)
{
	struct hvt_gdb *s;
	char msg[256];
	int lfd, rc;

	if (!r || !res)
		return HVT_E_INVAL;
	if (!(s = calloc(1, sizeof(*s))))
		return HVT_E_NOMEM;
	if (hvt_opts_take(&s->o, HVT_OPTS_END(struct hvt_gdb_opts, listen_fd), opts) != 0) {
		free(s);
		return HVT_E_INVAL;
	}
	s->log = s->o.log ? s->o.log : stderr;
	lfd = s->o.listen_fd > 0 ? s->o.listen_fd : listen_on(s, msg, sizeof(msg));
	if (lfd < 0) {
		fprintf(s->log, "hvtrace: replay --gdb: %s\n", msg);
		free(s);
		return lfd;
	}
	rc = serve(s, r, lfd, res);
	if (lfd != s->o.listen_fd)
		close(lfd);
	free(s);
	return rc;
}
