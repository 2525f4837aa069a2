/* One recording: creates the writer and the VM, stores what replay needs
 * (image, configuration, CPUID), runs the guest with every event going to
 * its vCPU's stream, and stores how the run ended. */
#include "record_session.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "core/trace_config.h"
#include "core/vmm.h"

/* The VM a SIGINT/SIGTERM should stop, and whether one came before there
 * was a VM to stop: the CLI's one piece of global state. */
static hvt_vm *volatile g_stop_vm;
static volatile sig_atomic_t g_stop_requested;

/* The handlers in place before: restored after the run (--until-failure
 * keeps its own between runs). */
static struct sigaction g_old_int, g_old_term;

/* Stops the VM, and hands the signal on to the handler in place before
 * (--until-failure's): a signal taken after the guest ended, while the
 * session finishes, must still stop the loop around it. */
static void on_stop_signal(int sig)
{
	hvt_vm *vm = g_stop_vm;
	const struct sigaction *old = sig == SIGINT ? &g_old_int : &g_old_term;
	g_stop_requested = 1;
	if (vm)
		hvt_vm_request_stop(vm);
	if (!(old->sa_flags & SA_SIGINFO) && old->sa_handler != SIG_DFL &&
	    old->sa_handler != SIG_IGN)
		old->sa_handler(sig);
}

/* From the start of a recording: a Ctrl-C while the VM is being created
 * must not kill hvtrace half-way (leaving an empty partial trace and no
 * message); it stops the guest before it runs instead (END interrupted). */
static void install_stop_handler(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sa.sa_flags = SA_RESETHAND; /* a second Ctrl-C kills as usual */
	g_stop_vm = NULL;
	g_stop_requested = 0;
	sigaction(SIGINT, &sa, &g_old_int);
	sigaction(SIGTERM, &sa, &g_old_term);
}

/* The VM exists: a signal from now on stops it, one already taken too. */
static void arm_stop_handler(hvt_vm *vm)
{
	g_stop_vm = vm;
	if (g_stop_requested)
		hvt_vm_request_stop(vm);
}

static void remove_stop_handler(void)
{
	sigaction(SIGINT, &g_old_int, NULL);
	sigaction(SIGTERM, &g_old_term, NULL);
	g_stop_vm = NULL;
}

struct sink_ctx {
	hvt_stream *streams[HVT_VM_MAX_VCPUS];
	uint64_t events;  /* approximate across threads; for the summary only */
	int end_msg_taken;         /* the first END with a message claimed end_msg */
	unsigned end_msg_vcpu;
	char end_msg[200];         /* why that vCPU ended (syndrome, errno...) */
};

/* The first END that says why (an error, an exit nobody handles): the
 * user sees it on stderr, not only in the trace. vCPU threads race for it. */
static void keep_end_msg(struct sink_ctx *sc, const hvt_event *ev)
{
	size_t n = ev->data_len < sizeof(sc->end_msg) - 1 ? ev->data_len : sizeof(sc->end_msg) - 1;

	if (!ev->data_len || __atomic_exchange_n(&sc->end_msg_taken, 1, __ATOMIC_ACQ_REL))
		return;
	memcpy(sc->end_msg, ev->data, n);
	sc->end_msg[n] = '\0';
	sc->end_msg_vcpu = ev->stream;
}

static int sink(void *ctx, const hvt_event *ev)
{
	struct sink_ctx *sc = ctx;
	if (ev->stream >= HVT_VM_MAX_VCPUS || !sc->streams[ev->stream])
		return HVT_E_INVAL;
	__atomic_fetch_add(&sc->events, 1, __ATOMIC_RELAXED);
	if (ev->type == HVT_EV_END)
		keep_end_msg(sc, ev);
	return hvt_stream_append(sc->streams[ev->stream], ev);
}

static int open_streams(hvt_writer *w, const hvt_vm *vm, struct sink_ctx *sc)
{
	for (unsigned i = 0; i < hvt_vm_vcpu_count(vm); i++) {
		int err = hvt_writer_open_stream(w, i, &sc->streams[i]);
		if (err)
			return err;
	}
	return 0;
}

static void summarize(const struct record_opts *o, const struct record_result *res,
		      const hvt_vm_result *vr, uint64_t wall_ns)
{
	char t[32], b[32], f[32];
	struct stat st;
	if (o->quiet)
		return;
	if (stat(o->out_path, &st) != 0)
		st.st_size = 0;
	fprintf(stderr, "hvtrace: recorded %" PRIu64 " event%s (%" PRIu64 " exit%s",
		res->events, cli_plural(res->events), res->exits, cli_plural(res->exits));
	if (vr->slices)
		fprintf(stderr, ", %" PRIu64 " time slices", vr->slices);
	if (vr->fp_taken)
		fprintf(stderr, ", %" PRIu64 " memory fingerprints in %s", vr->fp_taken,
			an_fmt_span(f, sizeof(f), vr->fp_ns));
	fprintf(stderr, ") in %s; guest %s", an_fmt_span(t, sizeof(t), wall_ns),
		vr->end_reason == HVT_END_POWEROFF ? "exited with" : "ended:");
	if (vr->end_reason == HVT_END_POWEROFF)
		fprintf(stderr, " %d", vr->exit_code);
	else
		fprintf(stderr, " %s", hvt_end_reason_name((unsigned)vr->end_reason));
	fprintf(stderr, "; trace %s (%s)\n", o->shown_path ? o->shown_path : o->out_path,
		cli_fmt_bytes(b, sizeof(b), (uint64_t)st.st_size));
}

static int create_vm(const struct record_opts *o, struct sink_ctx *sc, uint64_t origin_ns,
		     hvt_vm **vm)
{
	char msg[256] = "";
	hvt_vm_config cfg = {
		.time_origin_ns = origin_ns,
		.image = o->image, .image_len_bytes = o->image_len_bytes, .image_format = o->image_format,
		.mem_bytes = o->mem_bytes,
		.vcpus = o->vcpus, .backend = o->backend, .timeout_ns = o->timeout_ns, .sink = sink, .sink_ctx = sc,
		.parallel = o->parallel, .slice_ns = o->slice_ns,
		.console_out_fd = 1,
	};
	int err = hvt_vm_create(&cfg, vm, msg, sizeof(msg));
	if (err)
		cli_err("%s", msg[0] ? msg : hvt_strerror(err));
	return err;
}

int record_backend_choice(const char *name)
{
	return !strcmp(name, "auto") ? HVT_BACKEND_AUTO : !strcmp(name, "kvm") ? HVT_BACKEND_USE_KVM :
	       !strcmp(name, "hvf") ? HVT_BACKEND_USE_HVF : -1;
}

static int exit_status_for_create(int err)
{
	if (err == HVT_E_NO_HYPERVISOR)
		return 69; /* EX_UNAVAILABLE */
	return err == HVT_E_BAD_IMAGE || err == HVT_E_INVAL ? 65 /* EX_DATAERR */ : HVT_EXIT_SOFTWARE;
}

/* Stores the configuration, opens the streams and runs the guest; *wall_ns
 * is the run's wall time. 0, or a negative HVT_E_* after saying what
 * failed, except for a writer failure (a full disk): record_finish says
 * that one, once. */
static int record_into(hvt_writer *w, hvt_vm *vm, const struct record_opts *o,
		       struct sink_ctx *sc, hvt_vm_result *vr, uint64_t *wall_ns)
{
	const char *what = "storing the VM's configuration";
	int err = hvt_trace_config_write(w, vm, o->image_path ? o->image_path : "demo (embedded)",
					 o->command_line);
	if (!err) {
		what = "opening the trace's streams";
		err = open_streams(w, vm, sc);
	}
	if (!err) {
		uint64_t t0 = hvt_monotonic_ns();
		what = "recording stopped";
		arm_stop_handler(vm);
		err = hvt_vm_run(vm, vr);
		g_stop_vm = NULL;
		*wall_ns = hvt_monotonic_ns() - t0;
	}
	if (!err) {
		what = "storing how the run ended";
		err = hvt_trace_config_write_end(w, vr);
	}
	if (err && !hvt_writer_error(w)[0])
		cli_err("%s: %s", what, hvt_vm_error(vm)[0] ? hvt_vm_error(vm) : hvt_strerror(err));
	return err;
}

/* Closes the writer and gives the exit status: 74 when the trace could not
 * be written (said here, once), 70 when recording failed (said already),
 * else the guest's. */
static int record_finish(hvt_writer *w, const char *path, int err, const hvt_vm_result *vr)
{
	int write_failed = hvt_writer_error(w)[0] != 0;
	if (write_failed)
		cli_err("recording stopped: %s; the trace is valid up to the last chunk written",
			hvt_writer_error(w));
	if (hvt_writer_close(w) != 0) {
		if (!write_failed)
			cli_err("%s: %s", path, hvt_writer_last_error());
		return HVT_EXIT_IOERR;
	}
	if (write_failed)
		return HVT_EXIT_IOERR;
	return err ? HVT_EXIT_SOFTWARE : cli_status_for_end(vr->end_reason, vr->exit_code);
}

void record_session_run(const struct record_opts *o, struct record_result *res)
{
	struct sink_ctx sc = {0};
	hvt_vm *vm = NULL;
	hvt_writer *w = NULL;
	hvt_vm_result vr = {.end_reason = -1, .exit_code = -1};
	uint64_t wall_ns = 0;
	/* One origin for the trace header and the VM's event times. */
	struct hvt_writer_opts wo = HVT_OPTS(hvt_writer_opts, .zstd_level = o->zstd_level,
					     .time_origin_ns = hvt_monotonic_ns());
	*res = (struct record_result){.status = HVT_EXIT_SOFTWARE, .end_reason = -1, .exit_code = -1};
	install_stop_handler();
	int err = create_vm(o, &sc, wo.time_origin_ns, &vm);
	if (err) {
		remove_stop_handler();
		res->status = exit_status_for_create(err);
		return;
	}
	if (hvt_writer_create(&w, o->out_path, &wo) != 0) {
		cli_err("%s", hvt_writer_last_error());
		remove_stop_handler();
		hvt_vm_free(vm);
		return;
	}
	err = record_into(w, vm, o, &sc, &vr, &wall_ns);
	res->events = sc.events;
	res->exits = vr.exits;
	res->end_reason = vr.end_reason;
	res->exit_code = vr.exit_code;
	res->status = record_finish(w, o->out_path, err, &vr);
	if (sc.end_msg_taken) /* also with -q: it says why the guest did not finish */
		cli_err("vCPU %u ended: %s", sc.end_msg_vcpu, sc.end_msg);
	if (!err && res->status != HVT_EXIT_IOERR)
		summarize(o, res, &vr, wall_ns);
	remove_stop_handler();
	/* A signal after the guest had already ended (the trace being finished:
	 * most of a short run) stops nothing in the VM; --until-failure must
	 * still hear of it (it was lost, and the loop ran on). */
	res->stop_signalled = g_stop_requested != 0;
	hvt_vm_free(vm);
}
