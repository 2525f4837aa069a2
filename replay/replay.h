/* The replay engine: rebuilds the recorded VM from a trace alone and
 * re-executes it on the backend interface, one thread per vCPU, feeding the
 * recorded read values, landing recorded interrupts where they landed, and
 * stopping everything at the first divergence with a report.
 *
 * Limits: vCPUs are replayed independently; no order of their shared-memory
 * accesses is recorded, so guests whose vCPUs interact through memory can
 * diverge. An asynchronous interrupt lands at the first point where the PC
 * and the whole register file (x86-64: 18 registers, arm64: 34) equal the
 * recorded ones (no branch counter here): a loop that revisits an identical
 * register file while memory differs could take it too early.
 *
 * The trace says its backend and architecture: x86-64 traces replay on KVM,
 * arm64 traces on Hypervisor.framework (on Linux, its stand-in), with the
 * vtimer held masked so that only the recorded timer interrupts reach the
 * guest.
 */
#ifndef HVT_REPLAY_REPLAY_H
#define HVT_REPLAY_REPLAY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hvtrace/event.h"
#include "hvtrace/reader.h"

/* How an asynchronous interrupt is brought to its landing point. */
enum hvt_replay_landing {
	HVT_LANDING_BP = 0,   /* hardware breakpoint at the PC, compare registers on hits */
	HVT_LANDING_STEP = 1  /* single-step every instruction, compare registers */
};

/* How a replay ended. cmd_replay maps these to exit statuses. */
enum hvt_replay_outcome {
	HVT_REPLAY_OK = 0,        /* every stream replayed to its END event */
	HVT_REPLAY_CUT = 1,       /* the trace has no END (cut): replayed to its last event */
	HVT_REPLAY_STOPPED = 2,   /* stop_at reached */
	HVT_REPLAY_DIVERGED = 3,  /* the live guest left the recorded execution */
	/* Above: replay could not start or could not go on. */
	HVT_REPLAY_REFUSED = 4,   /* the trace cannot be replayed (config, image, CPUID) */
	HVT_REPLAY_CORRUPT = 5,   /* the trace cannot be read */
	HVT_REPLAY_NO_KVM = 6,    /* no usable hypervisor (KVM, or HVF for an arm64 trace) */
	HVT_REPLAY_FAILED = 7     /* the backend or the host failed */
};

/* Prints one event on one line, no newline (tools/cli.c's cli_print_event). */
typedef void (*hvt_replay_print_fn)(FILE *f, const hvt_event *ev);

/* Options: HVT_OPTS(hvt_replay_opts, ...) or HVT_REPLAY_OPTS_INIT; NULL =
 * defaults. Zero is the default of every field; an older caller's smaller
 * struct is accepted, a newer caller's unknown fields must be zero
 * (hvtrace/api.h), else hvt_replay_run returns HVT_E_INVAL. */
struct hvt_replay_opts {
	size_t sz;                    /* sizeof(struct hvt_replay_opts) */
	int landing;                  /* enum hvt_replay_landing; 0 = breakpoints */
	int stop_at_set;              /* 1: stop once vCPU 0's event stop_at_seq is replayed */
	uint64_t stop_at_seq;         /* a sequence number of vCPU 0's stream */
	int console_fd;               /* guest console output; -1 = discard; 0 (the zero
	                               * default; stdin is never an output) = stdout */
	FILE *report;                 /* divergence report and stop-at registers; NULL = stderr */
	hvt_replay_print_fn print_event; /* NULL: a built-in one-line printer */
};
#define HVT_REPLAY_OPTS_INIT { .sz = sizeof(struct hvt_replay_opts) }

struct hvt_replay_result {
	int outcome;                  /* enum hvt_replay_outcome */
	int end_reason;               /* recorded enum hvt_end_reason; -1 unknown */
	int exit_code;                /* guest exit code when end_reason is POWEROFF */
	uint64_t events;              /* events replayed, all vCPUs */
	uint64_t exits;               /* live exits matched with recorded ones */
	uint64_t async_skipped;       /* recorded kicks/windows that changed nothing */
	uint64_t irqs_at_exit;        /* interrupts injected at a synchronous exit */
	uint64_t irqs_landed;         /* asynchronous interrupts landed */
	uint64_t bp_hits_stepped;     /* breakpoint hits whose registers did not match */
	uint64_t steps;               /* single steps taken (step landing) */
	uint64_t landing_ns;          /* wall time spent running to landing points */
	uint64_t wall_ns;             /* wall time of the whole replay */
	int fell_back_to_step;        /* breakpoints could not be set */
	uint64_t fp_taken;            /* memory fingerprints taken while landing */
	uint64_t fp_mismatched;       /* stops where PC and registers matched, memory not */
	uint64_t fp_ns;               /* host ns spent taking fingerprints */
	uint64_t slices;              /* serialized traces: time slices followed */
	uint64_t counter_hz_recorded; /* arm64: the recording's counter frequency (0: unknown) */
	uint64_t counter_hz_here;     /* arm64: this host's; differs: timing guests may diverge */
	char msg[320];                /* why, for every outcome but OK */
};

/* Replays the trace read by r. Returns 0 and fills *res (outcome says how it
 * ended; a divergence report has been printed to opts->report), or a
 * negative HVT_E_* for misuse (HVT_E_INVAL: no r or res, or options a newer
 * caller set that this build does not know). The console output goes to
 * opts->console_fd. */
int hvt_replay_run(hvt_reader *r, const struct hvt_replay_opts *opts,
		   struct hvt_replay_result *res);

#endif
