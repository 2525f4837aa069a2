/* hvt_replay_run: rebuild the VM from the trace, start one thread per vCPU,
 * wait, and say how it ended. */
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hvtrace/error.h"
#include "opts.h"
#include "replay_internal.h"

static int is_read_failure(int err)
{
	return err == HVT_E_HEADER_CHECKSUM || err == HVT_E_PAYLOAD_CHECKSUM ||
	       err == HVT_E_DECOMPRESS || err == HVT_E_TRUNCATED || err == HVT_E_BAD_MAGIC ||
	       err == HVT_E_IO || err == HVT_E_BAD_EVENT;
}

static int outcome_for_create(int err)
{
	if (err == HVT_E_NO_HYPERVISOR)
		return HVT_REPLAY_NO_KVM;
	return err == HVT_E_BAD_IMAGE || err == HVT_E_INVAL ? HVT_REPLAY_REFUSED : HVT_REPLAY_FAILED;
}

/* Every stream must belong to a vCPU the configuration has. */
static int check_streams(struct hvt_replay *rp)
{
	struct hvt_stream_info si;

	for (uint32_t i = 0; i < hvt_reader_stream_count(rp->r); i++) {
		if (hvt_reader_stream_info(rp->r, i, &si) != 0)
			continue;
		if (si.stream >= rp->cfg.vcpus) {
			hvt_rp_fail(rp, HVT_REPLAY_REFUSED, "the trace has events of vCPU %u but "
				    "its configuration has %u vCPUs", si.stream, rp->cfg.vcpus);
			return HVT_E_BAD_LENGTH;
		}
	}
	return 0;
}

/* Offset of the first differing byte, SIZE_MAX when equal. */
static size_t first_difference(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
	size_t n = a_len < b_len ? a_len : b_len;

	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return i;
	return a_len == b_len ? SIZE_MAX : n;
}

/* The rebuilt VM must be the recorded one: same entry, same CPUID. */
static int check_machine(struct hvt_replay *rp)
{
	const uint8_t *cpuid;
	size_t len;

	if (rp->m->load.entry_pa != rp->cfg.entry_pa) {
		hvt_rp_fail(rp, HVT_REPLAY_REFUSED, "the embedded image enters at 0x%" PRIx64
			    " but the trace says entry_pa=0x%" PRIx64 ": image and configuration "
			    "disagree", rp->m->load.entry_pa, rp->cfg.entry_pa);
		return HVT_E_INVAL;
	}
	if (rp->m->ops->vm_cpuid(rp->m->bvm, &cpuid, &len) != 0)
		len = 0, cpuid = NULL;
	size_t at = first_difference(cpuid, len, rp->cfg.cpuid, rp->cfg.cpuid_len_bytes);
	if (at != SIZE_MAX) {
		/* Entries are six u32: {function, index, eax, ebx, ecx, edx}. */
		hvt_rp_fail(rp, HVT_REPLAY_REFUSED, "this host's CPUID table (%zu bytes) differs "
			    "from the recorded one (%zu bytes) at byte %zu (entry %zu): the guest "
			    "could take other paths; replay on a host like the recording one",
			    len, rp->cfg.cpuid_len_bytes, at, at / 24);
		return HVT_E_UNSUPPORTED;
	}
	return 0;
}

static int build_machine(struct hvt_replay *rp)
{
	char msg[256] = "";
	hvt_machine_config mc;
	int err = hvt_trace_config_read(rp->r, &rp->cfg, msg, sizeof(msg));

	if (err) {
		hvt_rp_fail(rp, is_read_failure(err) ? HVT_REPLAY_CORRUPT : HVT_REPLAY_REFUSED,
			    "%s", msg);
		return err;
	}
	if ((err = check_streams(rp)) != 0)
		return err;
	memset(&mc, 0, sizeof(mc));
	mc.image = rp->cfg.image;
	mc.image_len_bytes = rp->cfg.image_len_bytes;
	mc.image_format = rp->cfg.image_format;
	mc.mem_bytes = rp->cfg.mem_bytes;
	mc.vcpus = rp->cfg.vcpus;
	mc.backend = rp->cfg.backend; /* the trace's own: an arm64 trace replays on HVF */
	if ((err = hvt_machine_create(&mc, &rp->m, msg, sizeof(msg))) != 0) {
		hvt_rp_fail(rp, outcome_for_create(err), "cannot rebuild the recorded %s VM: %s",
			    rp->cfg.arch == HVT_ARCH_ARM64 ? "arm64 (HVF)" : "x86-64 (KVM)", msg);
		return err;
	}
	if ((err = hvt_mem_fp_init(&rp->fp, rp->m)) != 0) {
		hvt_rp_fail(rp, HVT_REPLAY_FAILED, "out of memory");
		return err;
	}
	return check_machine(rp);
}

static int create_vcpus(struct hvt_replay *rp)
{
	rp->n_vcpus = rp->cfg.vcpus;
	rp->vcpus = calloc(rp->n_vcpus, sizeof(*rp->vcpus));
	if (!rp->vcpus) {
		hvt_rp_fail(rp, HVT_REPLAY_FAILED, "out of memory");
		return HVT_E_NOMEM;
	}
	for (unsigned i = 0; i < rp->n_vcpus; i++) {
		struct hvt_rvcpu *v = &rp->vcpus[i];
		v->rp = rp;
		v->index = i;
		v->bv = rp->m->vcpus[i];
		v->landing = rp->o.landing;
		v->end_reason = -1;
		atomic_init(&v->done, 0);
		atomic_init(&v->deadline_ns, 0);
		atomic_init(&v->timed_out, 0);
		/* A vCPU with no events at all: the trace was cut before it ran. */
		if (hvt_stream_cursor_create(rp->r, i, &v->cur) != 0)
			v->cur = NULL;
	}
	return 0;
}

/* vCPU threads take only the kick signal (the backend unblocks it). */
static void start_threads(struct hvt_replay *rp)
{
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (unsigned i = 0; i < rp->n_vcpus; i++) {
		struct hvt_rvcpu *v = &rp->vcpus[i];
		if (!v->cur) {
			v->cut = 1;
			atomic_store(&v->done, 1);
			continue;
		}
		if (pthread_create(&v->thread, NULL, hvt_rvcpu_thread, v) == 0)
			v->started = 1;
		else
			hvt_rp_fail(rp, HVT_REPLAY_FAILED, "cannot start the thread of vCPU %u", i);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void join_threads(struct hvt_replay *rp)
{
	for (unsigned i = 0; i < rp->n_vcpus; i++)
		if (rp->vcpus[i].started)
			pthread_join(rp->vcpus[i].thread, NULL);
}

static void sum_counters(const struct hvt_replay *rp, struct hvt_replay_result *res)
{
	for (unsigned i = 0; i < rp->n_vcpus; i++) {
		const struct hvt_rvcpu *v = &rp->vcpus[i];
		res->events += v->events;
		res->exits += v->exits;
		res->async_skipped += v->async_skipped;
		res->irqs_at_exit += v->irqs_at_exit;
		res->irqs_landed += v->irqs_landed;
		res->bp_hits_stepped += v->bp_hits_stepped;
		res->steps += v->steps;
		res->landing_ns += v->landing_ns;
		res->fell_back_to_step |= v->fell_back_to_step;
		res->fp_mismatched += v->fp_mismatched;
		res->slices += v->slices;
	}
	res->fp_taken = rp->fp.takes;
	res->fp_ns = rp->fp.take_ns;
}

/* All streams replayed without a failure: cut, or ended as recorded. */
static void judge_complete(struct hvt_replay *rp, struct hvt_replay_result *res)
{
	int powered_off = 0;

	for (unsigned i = 0; i < rp->n_vcpus; i++) {
		const struct hvt_rvcpu *v = &rp->vcpus[i];
		powered_off |= v->powered_off;
		if (v->cut && rp->outcome == HVT_REPLAY_OK) {
			rp->outcome = HVT_REPLAY_CUT;
			snprintf(rp->msg, sizeof(rp->msg), "the trace was cut: vCPU %u's stream ends "
				 "after %" PRIu64 " events without an END; replayed up to there",
				 i, v->next_seq);
		}
	}
	if (rp->outcome == HVT_REPLAY_OK && res->end_reason == HVT_END_POWEROFF && !powered_off) {
		rp->outcome = HVT_REPLAY_DIVERGED;
		snprintf(rp->msg, sizeof(rp->msg), "the recording powered off; no live vCPU did");
	}
}

/* How the recording ended: the metadata, else vCPU 0's END event. */
static void recorded_end(const struct hvt_replay *rp, struct hvt_replay_result *res)
{
	const struct hvt_rvcpu *v0 = rp->n_vcpus ? &rp->vcpus[0] : NULL;

	res->end_reason = rp->cfg.recorded_end_reason;
	res->exit_code = (int)rp->cfg.recorded_exit_code;
	if (res->end_reason < 0 && v0 && v0->end_reason >= 0) {
		res->end_reason = v0->end_reason;
		res->exit_code = (int)(int32_t)v0->end_code;
	}
}

/* The divergence's index among all events in the merged (time) order:
 * one pass over the trace, after every vCPU thread has stopped. */
static void print_global_index(struct hvt_replay *rp, FILE *f)
{
	const hvt_event *ev;
	uint64_t n = 0;

	if (hvt_reader_rewind(rp->r) != 0)
		return;
	while (n < 200000000u && hvt_reader_next(rp->r, &ev) == 1) {
		if (ev->stream == rp->div_stream && ev->seq == rp->div_seq) {
			fprintf(f, "  global index of that event in the merged time order: %" PRIu64 "\n", n);
			return;
		}
		n++;
	}
}

static void finish(struct hvt_replay *rp, struct hvt_replay_result *res)
{
	FILE *f = rp->o.report ? rp->o.report : stderr;

	sum_counters(rp, res);
	recorded_end(rp, res);
	res->counter_hz_recorded = rp->cfg.counter_hz;
	res->counter_hz_here = rp->m ? hvt_machine_counter_hz(rp->m) : 0;
	if (rp->outcome == HVT_REPLAY_OK)
		judge_complete(rp, res);
	if (rp->report) {
		fputs(rp->report, f);
		print_global_index(rp, f);
	}
	res->outcome = rp->outcome;
	snprintf(res->msg, sizeof(res->msg), "%s", rp->msg);
}

static void teardown(struct hvt_replay *rp)
{
	for (unsigned i = 0; rp->vcpus && i < rp->n_vcpus; i++)
		hvt_stream_cursor_free(rp->vcpus[i].cur);
	free(rp->vcpus);
	hvt_console_out_destroy(&rp->console);
	hvt_mem_fp_fini(&rp->fp);
	hvt_machine_free(rp->m);
	free(rp->report);
	pthread_mutex_destroy(&rp->mu);
	pthread_mutex_destroy(&rp->sched_mu);
	pthread_cond_destroy(&rp->sched_cv);
}

int hvt_replay_open(struct hvt_replay *rp, hvt_reader *r, const struct hvt_replay_opts *opts)
{
	memset(rp, 0, sizeof(*rp));
	/* opts.h's rule: NULL or an older, smaller struct takes the defaults;
	 * a newer caller's unknown options must be zero. */
	if (hvt_opts_take(&rp->o, HVT_OPTS_END(struct hvt_replay_opts, print_event), opts) != 0)
		return HVT_E_INVAL;
	rp->r = r;
	atomic_init(&rp->stop, 0);
	atomic_init(&rp->unwind, 0);
	pthread_mutex_init(&rp->mu, NULL);
	pthread_mutex_init(&rp->sched_mu, NULL);
	pthread_cond_init(&rp->sched_cv, NULL);
	if (hvt_console_out_init(&rp->console, rp->o.console_fd == 0 ? 1 : rp->o.console_fd) != 0) {
		pthread_mutex_destroy(&rp->mu);
		pthread_mutex_destroy(&rp->sched_mu);
		pthread_cond_destroy(&rp->sched_cv);
		return HVT_E_NOMEM;
	}
	if (build_machine(rp) == 0)
		(void)create_vcpus(rp);
	return 0;
}

void hvt_replay_close(struct hvt_replay *rp)
{
	teardown(rp);
}

void hvt_replay_finish(struct hvt_replay *rp, struct hvt_replay_result *res)
{
	hvt_console_out_flush(&rp->console);
	finish(rp, res);
}

int hvt_replay_run(hvt_reader *r, const struct hvt_replay_opts *opts,
		   struct hvt_replay_result *res)
{
	struct hvt_replay rp;
	uint64_t t0 = hvt_monotonic_ns();
	int rc;

	if (!r || !res)
		return HVT_E_INVAL;
	if ((rc = hvt_replay_open(&rp, r, opts)) != 0)
		return rc;
	memset(res, 0, sizeof(*res));
	if (rp.outcome == HVT_REPLAY_OK) {
		start_threads(&rp);
		hvt_watchdog_run(&rp);
		join_threads(&rp);
	}
	hvt_replay_finish(&rp, res);
	hvt_replay_close(&rp);
	res->wall_ns = hvt_monotonic_ns() - t0;
	return 0;
}
