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
#include "core/vmm.h"

/* The VM a SIGINT/SIGTERM should stop: the CLI's one piece of global state. */
static hvt_vm *volatile g_stop_vm;

static void on_stop_signal(int sig)
{
	hvt_vm *vm = g_stop_vm;
	(void)sig;
	if (vm)
		hvt_vm_request_stop(vm);
}

/* The handlers in place before: restored after the run (--until-failure
 * keeps its own between runs). */
static struct sigaction g_old_int, g_old_term;

static void install_stop_handler(hvt_vm *vm)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sa.sa_flags = SA_RESETHAND; /* a second Ctrl-C kills as usual */
	g_stop_vm = vm;
	sigaction(SIGINT, &sa, &g_old_int);
	sigaction(SIGTERM, &sa, &g_old_term);
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
};

static int sink(void *ctx, const hvt_event *ev)
{
	struct sink_ctx *sc = ctx;
	if (ev->stream >= HVT_VM_MAX_VCPUS || !sc->streams[ev->stream])
		return HVT_E_INVAL;
	__atomic_fetch_add(&sc->events, 1, __ATOMIC_RELAXED);
	return hvt_stream_append(sc->streams[ev->stream], ev);
}

static int put_u64(hvt_writer *w, const char *key, int hex, uint64_t v)
{
	char buf[32];
	if (hex)
		snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	else
		snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return hvt_writer_set_meta_str(w, key, buf);
}

/* Everything replay needs to rebuild the VM, before the first event. */
static int store_config(hvt_writer *w, const hvt_vm *vm, const struct record_opts *o)
{
	const uint8_t *bytes;
	size_t len;
	const hvt_load_info *li = hvt_vm_load_info(vm);
	int err = hvt_writer_set_meta_str(w, "hvtrace_version", HVT_VERSION_STRING);
	err = err ? err : hvt_writer_set_meta_str(w, "backend", hvt_vm_backend_name(vm));
	err = err ? err : hvt_writer_set_meta_str(w, "arch", "x86_64");
	err = err ? err : put_u64(w, "vcpus", 0, hvt_vm_vcpu_count(vm));
	err = err ? err : put_u64(w, "mem_bytes", 0, hvt_vm_mem_bytes(vm));
	err = err ? err : hvt_writer_set_meta_str(w, "image_name", o->image_path ? o->image_path : "demo (embedded)");
	err = err ? err : hvt_writer_set_meta_str(w, "image_format", li->format == 1 ? "elf" : "flat");
	err = err ? err : put_u64(w, "entry_pa", 1, li->entry_pa);
	err = err ? err : hvt_writer_set_meta_str(w, "command_line", o->command_line);
	if (!err && hvt_vm_cpuid(vm, &bytes, &len) == 0)
		err = hvt_writer_set_meta(w, "cpuid", bytes, len);
	hvt_vm_image(vm, &bytes, &len);
	return err ? err : hvt_writer_put_blob(w, "guest-image", bytes, len);
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
	char t[32], b[32];
	struct stat st;
	if (o->quiet)
		return;
	if (stat(o->out_path, &st) != 0)
		st.st_size = 0;
	fprintf(stderr, "hvtrace: recorded %" PRIu64 " event%s (%" PRIu64 " exit%s) in %s; guest %s",
		res->events, cli_plural(res->events), res->exits, cli_plural(res->exits),
		cli_fmt_ns(t, sizeof(t), wall_ns),
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
		.vcpus = o->vcpus, .timeout_ns = o->timeout_ns, .sink = sink, .sink_ctx = sc,
		.console_out_fd = 1,
	};
	int err = hvt_vm_create(&cfg, vm, msg, sizeof(msg));
	if (err)
		cli_err("%s", msg[0] ? msg : hvt_strerror(err));
	return err;
}

static int exit_status_for_create(int err)
{
	if (err == HVT_E_NO_HYPERVISOR)
		return 69; /* EX_UNAVAILABLE */
	return err == HVT_E_BAD_IMAGE || err == HVT_E_INVAL ? 65 /* EX_DATAERR */ : HVT_EXIT_SOFTWARE;
}

void record_session_run(const struct record_opts *o, struct record_result *res)
{
	struct sink_ctx sc = {0};
	hvt_vm *vm = NULL;
	hvt_writer *w = NULL;
	hvt_vm_result vr = {.end_reason = -1, .exit_code = -1};
	struct hvt_writer_opts wo = HVT_WRITER_OPTS_INIT;
	*res = (struct record_result){.status = HVT_EXIT_SOFTWARE, .end_reason = -1, .exit_code = -1};
	/* One origin for the trace header and the VM's event times. */
	wo.zstd_level = o->zstd_level;
	wo.time_origin_ns = hvt_monotonic_ns();
	int err = create_vm(o, &sc, wo.time_origin_ns, &vm);
	if (err) {
		res->status = exit_status_for_create(err);
		return;
	}
	if ((err = hvt_writer_create(&w, o->out_path, &wo)) != 0) {
		cli_err("%s", hvt_writer_last_error());
		goto out;
	}
	err = store_config(w, vm, o);
	err = err ? err : open_streams(w, vm, &sc);
	uint64_t t0 = hvt_monotonic_ns();
	install_stop_handler(vm);
	if (!err && (err = hvt_vm_run(vm, &vr)) != 0 && !hvt_writer_error(w)[0])
		cli_err("recording stopped: %s", hvt_vm_error(vm)[0] ? hvt_vm_error(vm) : hvt_strerror(err));
	/* A writer failure (a full disk) stopped the guest: say that, once. */
	int write_failed = hvt_writer_error(w)[0] != 0;
	if (write_failed)
		cli_err("recording stopped: %s; the trace is valid up to the last chunk written",
			hvt_writer_error(w));
	remove_stop_handler();
	uint64_t wall = hvt_monotonic_ns() - t0;
	if (!err) {
		put_u64(w, "end_reason", 0, (uint64_t)vr.end_reason);
		char code[16]; /* signed, as FORMAT.md says: -1 when the guest did not power off */
		snprintf(code, sizeof(code), "%d", vr.exit_code);
		hvt_writer_set_meta_str(w, "exit_code", code);
	}
	res->events = sc.events;
	res->exits = vr.exits;
	res->end_reason = vr.end_reason;
	res->exit_code = vr.exit_code;
	int werr = hvt_writer_close(w);
	w = NULL;
	if (werr && !write_failed)
		cli_err("%s: %s", o->out_path, hvt_writer_last_error());
	else if (!err && !werr)
		summarize(o, res, &vr, wall);
	if (werr || write_failed)
		res->status = HVT_EXIT_IOERR;
	else
		res->status = err ? HVT_EXIT_SOFTWARE : cli_status_for_end(vr.end_reason, vr.exit_code);
out:
	hvt_writer_close(w);
	hvt_vm_free(vm);
}
