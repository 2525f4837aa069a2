/* Replay engine internals shared by the files of replay/. */
#ifndef HVT_REPLAY_INTERNAL_H
#define HVT_REPLAY_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "compare.h"
#include "core/backend.h"
#include "core/console_out.h"
#include "core/machine.h"
#include "core/mem_fingerprint.h"
#include "core/trace_config.h"
#include "hvtrace/writer.h" /* hvt_monotonic_ns: the one host clock */
#include "replay.h"

/* Returned by per-event steps: keep going, or this vCPU is finished. A
 * negative value means the replay as a whole failed (outcome already set). */
#define HVT_RP_CONTINUE 0
#define HVT_RP_DONE 1

/* The last events of one vCPU, for the divergence report. */
#define HVT_HISTORY_EVENTS 10u
#define HVT_HISTORY_DATA_BYTES 256u
struct hvt_history {
	hvt_event ev[HVT_HISTORY_EVENTS];
	uint8_t data[HVT_HISTORY_EVENTS][HVT_HISTORY_DATA_BYTES];
	uint64_t n;                   /* events pushed so far */
};

struct hvt_replay;
struct hvt_rvcpu;

/* Hooks for a driver that runs the vCPUs itself (the gdb stub, replay/gdb/):
 * every run and every debug-state change of the engine goes through them.
 * run fills *ex like the backend's vcpu_run and returns 0, 1 to unwind (the
 * engine returns HVT_RP_DONE up to the driver without touching the vCPU
 * further), or a negative HVT_E_* failure. It arms the watchdog itself. */
struct hvt_rp_hooks {
	int (*run)(void *ctx, struct hvt_rvcpu *v, hvt_exit *ex);
	int (*set_debug)(void *ctx, struct hvt_rvcpu *v, const hvt_debug *dbg);
};

struct hvt_rvcpu {
	struct hvt_replay *rp;
	unsigned index;
	hvt_backend_vcpu *bv;
	hvt_stream_cursor *cur;
	pthread_t thread;
	int started;
	atomic_int done;              /* the thread has finished: never kick it */
	uint64_t next_seq;            /* the sequence number the next event must have */
	hvt_exit live;                /* last live exit */
	int have_live;
	int powered_off;              /* the live guest wrote the power-off port */
	int poweroff_code;
	int landing;                  /* enum hvt_replay_landing in use */
	int end_reason;               /* from this stream's END; -1 = none seen */
	int64_t end_code;
	int cut;                      /* the stream ended without END */
	struct hvt_history hist;
	/* Watchdog: a guest off the recorded path may spin without exits. */
	const hvt_event *cur_rec;     /* the event being replayed */
	uint64_t prev_time_ns;        /* recorded time where live and recorded were last in step */
	uint64_t budget_ns;           /* how long a run may go without an exit */
	_Atomic uint64_t deadline_ns; /* host ns; 0 = not in a run */
	atomic_int timed_out;         /* set by the watchdog before its kick */
	/* The run under way, for the checker (watchdog.c): its number, budget,
	 * and the CPU clock of the thread running it. */
	_Atomic uint64_t run_gen;
	_Atomic uint64_t run_budget_ns;
	clockid_t run_clock;          /* written before run_gen is bumped */
	int run_clock_ok;
	uint64_t wd_gen, wd_cpu0_ns, wd_wall0_ns; /* the checker's own: not shared */
	/* Counters for the summary. */
	uint64_t events, exits, async_skipped, irqs_at_exit, irqs_landed;
	uint64_t bp_hits_stepped, steps, landing_ns;
	int fell_back_to_step;
	/* The landing under way: stops whose registers matched but whose memory
	 * fingerprint did not, for the report (landing.c). */
	uint64_t fp_mismatches;       /* this landing */
	uint64_t fp_mismatched;       /* all landings, for the summary */
	uint64_t fp_last_live;        /* the last such stop's fingerprint */
	int fp_method;                /* the landing's method; HVT_FP_NONE = v1 */
	uint64_t fp_want;
	uint64_t landing_deadline_ns; /* host ns: the whole landing's watchdog budget */
	int irq_undelivered;          /* an interrupt was injected; the vCPU has not run since */
	int has_slice;                /* serialized trace: this vCPU holds the running slice */
	uint64_t slices;              /* slices taken */
};

struct hvt_replay {
	hvt_reader *r;
	struct hvt_replay_opts o;
	struct hvt_trace_config cfg;  /* read from the trace */
	hvt_machine *m;
	hvt_mem_fp fp;                /* landing fingerprints (one vCPU at a time) */
	struct hvt_rvcpu *vcpus;
	unsigned n_vcpus;
	hvt_console_out console;      /* the same writer as the recorder's serial device */
	atomic_int stop;              /* 1: every vCPU stops at its next check */
	/* Serialized traces: which slice may run (schedule.c). */
	pthread_mutex_t sched_mu;
	pthread_cond_t sched_cv;
	uint64_t sched_slice;         /* the slice number that runs now */
	pthread_mutex_t mu;           /* guards the fields below */
	int outcome;                  /* first outcome other than OK wins */
	char msg[320];
	char *report;                 /* divergence report text (malloc) */
	int report_set;
	unsigned div_stream;          /* where the divergence was */
	uint64_t div_seq;
	const struct hvt_rp_hooks *hooks; /* NULL: vCPU threads run the backend */
	void *hook_ctx;
	atomic_int unwind;            /* 1: a hook asked every caller to return */
};

/* replay.c: rebuild the recorded VM and the per-vCPU state without starting
 * threads (0, or the outcome is set), and free it all again. */
int hvt_replay_open(struct hvt_replay *rp, hvt_reader *r, const struct hvt_replay_opts *opts);
void hvt_replay_close(struct hvt_replay *rp);
/* Flush the console and fill *res (counters, outcome, the report printed). */
void hvt_replay_finish(struct hvt_replay *rp, struct hvt_replay_result *res);

/* outcome.c: stop every vCPU with this outcome (the first caller wins). */
void hvt_rp_fail(struct hvt_replay *rp, int outcome, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int hvt_rp_stopping(const struct hvt_replay *rp);

/* vcpu_replay.c: the thread of one vCPU; or, for a driver of its own, the
 * next event of the stream (1 and *ev, 0 at its end, negative on a read
 * failure with the outcome set) and replaying it (HVT_RP_*). */
void *hvt_rvcpu_thread(void *arg);
int hvt_rvcpu_fetch(struct hvt_rvcpu *v, const hvt_event **ev);
int hvt_rvcpu_apply(struct hvt_rvcpu *v, const hvt_event *ev);
/* The engine's debug state for this vCPU: to the backend, or to the hook. */
int hvt_rvcpu_set_debug(struct hvt_rvcpu *v, const hvt_debug *dbg);
/* rvcpu_run.c: run until a guest-caused exit (kicks and stray windows are not the
 * guest's). HVT_RP_DONE when replay is stopping. */
int hvt_rvcpu_run(struct hvt_rvcpu *v);

/* watchdog.c: runs on the main thread until every vCPU thread is done. */
void hvt_watchdog_run(struct hvt_replay *rp);
/* cpu_clock.c: the calling thread's CPU clock (-1: none on this host), and
 * a CPU clock's reading. */
int hvt_thread_cpu_clock(clockid_t *out);
int hvt_cpu_clock_ns(clockid_t c, uint64_t *ns);
/* Around one backend run: arm on the thread that runs it, disarm after. */
void hvt_watchdog_arm(struct hvt_rvcpu *v);
void hvt_watchdog_disarm(struct hvt_rvcpu *v);
/* Checker thread: the armed run has used its budget (see watchdog.c). */
int hvt_watchdog_expired(struct hvt_rvcpu *v, uint64_t now_ns);
void hvt_watchdog_budget(struct hvt_rvcpu *v, const hvt_event *rec);
/* On the vCPU thread after the watchdog kicked it: the divergence. */
int hvt_watchdog_diverge(struct hvt_rvcpu *v);

/* effects.c: the console output and power-off of the live exit just matched. */
void hvt_rp_apply_effects(struct hvt_rvcpu *v);

/* landing.c: why a landing under way has not found its point yet, for a
 * divergence report: the memory fingerprint, when registers matched at some
 * stop (else an empty string). */
void hvt_landing_note(const struct hvt_rvcpu *v, char *buf, size_t len);
/* landing.c: run to the landing point an event's data describes (register
 * file, optional fingerprint); HVT_RP_CONTINUE once there. */
int hvt_land_at(struct hvt_rvcpu *v, const hvt_event *rec);
/* schedule.c: a serialized recording's slice events (TIMER id
 * HVT_SCHED_TIMER_ID); a vCPU that ends gives back its slice. */
int hvt_rp_sched_event(struct hvt_rvcpu *v, const hvt_event *ev);
void hvt_rp_sched_end(struct hvt_rvcpu *v);
/* landing.c: land an HVT_IRQ_ASYNC interrupt exactly. */
int hvt_land_async(struct hvt_rvcpu *v, const hvt_event *rec);
/* Offer the recorded vector now; it must be taken at once. */
int hvt_inject_now(struct hvt_rvcpu *v, const hvt_event *rec);
/* INTERRUPT CLEARED: lower the level-triggered line (arm64). */
int hvt_lower_line(struct hvt_rvcpu *v, const hvt_event *rec);

/* report.c: the divergence report; the first one wins. `why` is one line,
 * d (may be NULL) the differing fields, live (may be NULL) the live exit. */
int hvt_diverge(struct hvt_rvcpu *v, const hvt_event *rec, const char *why,
		const struct hvt_divergence *d, const hvt_event *live);
void hvt_print_regs(FILE *f, const hvt_arch *arch, const hvt_regs *regs);
void hvt_history_push(struct hvt_history *h, const hvt_event *ev);
void hvt_history_print(FILE *f, const struct hvt_history *h, hvt_replay_print_fn print);

#endif
