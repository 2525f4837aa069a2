/* The gdb stub's session: one connection, the replay engine driven one
 * event at a time in the recorded time order (vCPUs serialized), user
 * breakpoints and watchpoints, checkpoints, and the goal of the current
 * forward run. Shared by the files of replay/gdb/ only.
 *
 * Positions. "Boundary g" is the state after g events have been replayed
 * (all vCPUs at event boundaries; checkpoints are taken only there). A
 * "mid" position is inside the gap of event g (the instructions its vCPU
 * runs to reach it) and is identified by its fingerprint: the vCPU's
 * registers plus a hash of guest RAM. Between two events nothing comes
 * from outside, so a state never repeats within a gap (it would loop
 * forever instead of reaching the event): the fingerprint is exact.
 * Points found while scanning forward from a checkpoint are named
 * relative to it: the n-th arrival at a PC within gap g (breakpoint mode)
 * or the k-th single step (step mode); re-executing from the same
 * checkpoint with the same method reaches the same point. */
#ifndef HVT_GDB_INTERNAL_H
#define HVT_GDB_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "../replay_internal.h"
#include "gdb.h"
#include "gdb_arch.h"
#include "gdb_decode.h"
#include "gdb_mem.h"
#include "gdb_packet.h"

#define GDB_MAX_BP 64u
#define GDB_MAX_WP 8u
#define GDB_WP_MAX_LEN 64u
#define GDB_MAX_USER_CKPT 32u

struct gdb_pos {
	uint64_t g;           /* events replayed before (boundary) or being replayed (mid) */
	int mid;
	unsigned vcpu;        /* mid: whose gap */
	hvt_regs regs;        /* mid: that vCPU's registers */
	uint64_t mem_hash;    /* mid: XXH3-64 of guest RAM, once hashed */
	int hashed;
};

enum gdb_stop {
	STOP_NONE, STOP_BP, STOP_STEP, STOP_WATCH, STOP_INT, STOP_END, STOP_BEGIN,
	STOP_DIVERGED, STOP_SILENT, /* a monitor command's move: reply OK, no stop packet */
	STOP_START                  /* the session's first stop */
};

enum gdb_goal_kind {
	GOAL_CONT,      /* forward: user breakpoints and watchpoints */
	GOAL_STEP,      /* forward: one instruction of goal.vcpu */
	GOAL_TO_POS,    /* forward to goal.target (boundary or fingerprint) */
	GOAL_TO_ARRIVAL,/* forward to the n-th arrival at pc in gap g */
	GOAL_TO_STEPS,  /* forward by exactly n single steps (all vCPUs) */
	GOAL_SCAN       /* forward to goal.target, remembering the last hit before it */
};

enum gdb_scan_for { SCAN_BREAKS, SCAN_STEPS_OF_VCPU };

struct gdb_hit {
	int valid;
	uint64_t g, pc, n;    /* breakpoint mode: n-th arrival at pc in gap g */
	uint64_t steps;       /* step mode: after this many steps since the scan start */
	int kind;             /* STOP_BP or STOP_WATCH */
	uint64_t watch_addr;
	int wtype;            /* STOP_WATCH: the watchpoint's gdb type (2, 3, 4) */
};

struct gdb_goal {
	int kind;                  /* enum gdb_goal_kind */
	unsigned vcpu;             /* STEP; SCAN_STEPS_OF_VCPU */
	struct gdb_pos target;     /* TO_POS, SCAN: where to stop */
	uint64_t g, pc, n;         /* TO_ARRIVAL */
	uint64_t steps;            /* TO_STEPS */
	int step_all;              /* single-step every gap (watchpoints, step scans) */
	int scan_for;              /* enum gdb_scan_for */
	int report;                /* enum gdb_stop to report on arrival */
	uint64_t report_addr;      /* STOP_WATCH's address */
	int report_wtype;          /* STOP_WATCH's watchpoint type (2, 3, 4) */
	/* Progress, reset when the goal starts. */
	uint64_t step_count;       /* single steps taken, all vCPUs */
	uint64_t arrivals;         /* TO_ARRIVAL: arrivals at pc in gap g so far */
	uint64_t cnt_g;            /* gap the per-breakpoint counters belong to */
	uint64_t bp_count[GDB_MAX_BP];
	struct gdb_hit last, prev; /* SCAN: the last two hits */
	int reached;               /* SCAN: the target was reached */
};

struct gdb_bp {
	uint64_t addr;
	int hw;                    /* Z1 (else Z0): only the stop reason differs */
};

/* gdb's watchpoint types (Z2, Z3, Z4). */
enum gdb_wtype { WP_WRITE = 2, WP_READ = 3, WP_ACCESS = 4 };

struct gdb_wp {
	int type;                  /* enum gdb_wtype */
	uint64_t addr;             /* guest-physical (what steps write) */
	uint64_t va;               /* as the client gave it (stop replies) */
	uint32_t len;
	uint8_t old[GDB_WP_MAX_LEN];
	int old_valid;
};

/* A read or access watchpoint the instruction about to be stepped will
 * trigger, decided before the step (gdb_access.c). */
struct gdb_access_pending {
	int wi;                    /* watchpoint index, or -1: none */
	uint64_t rip, next_rip;    /* the instruction and the one after it */
	int branch, rep;           /* from the decode */
	int reported;              /* arm64: this state's hit was reported before its step */
};

/* One checkpoint: a boundary, the engine's per-vCPU state, each vCPU's
 * backend state, and the guest pages that changed since the previous
 * checkpoint (checkpoint 0 holds all of RAM). */
struct gdb_ckpt_page {
	uint64_t index;            /* page number */
	uint8_t *data;             /* 4096 bytes */
};

struct gdb_ckpt {
	uint64_t g;
	struct hvt_rvcpu *vcpus;   /* copies; pointers fixed on restore */
	uint8_t *finished;         /* per vCPU: its stream is done */
	int *pending_vec;          /* per vCPU: an injected vector not yet delivered */
	uint8_t **state;           /* per vCPU: backend blob */
	size_t *state_len;
	struct gdb_ckpt_page *pages;
	size_t n_pages;
	size_t bytes;              /* memory this checkpoint holds */
	uint64_t sched_slice;      /* a serialized recording's slice running then */
	uint64_t *fp_dirty;        /* pages written since the previous landing, then */
};

struct gdb_ckpts {
	struct gdb_ckpt *c;
	size_t n, cap;
	uint8_t *shadow;           /* RAM as of the newest checkpoint */
	uint64_t newest_g;
	size_t bytes;              /* all checkpoints + shadow */
	size_t limit_bytes;
	uint64_t last_take_ns;     /* host time of the last one taken */
	uint64_t exec_ns_since;    /* host ns spent running since then */
	uint64_t taken, merged;    /* counters for `monitor checkpoints` */
};

enum gdb_request {
	REQ_NONE, REQ_QUIT, REQ_RCONT, REQ_RSTEP, REQ_GOTO_EVENT, REQ_RESTART,
	REQ_SCAN_DONE, REQ_ARRIVED_SILENT,
	REQ_WATCH_BACK  /* a forward watchpoint hit, reported one step back (gdb_arch.h) */
};

struct hvt_gdb {
	struct hvt_replay rp;
	struct hvt_gdb_opts o;
	const struct gdb_arch *arch; /* the trace's architecture (gdb_arch.h) */
	struct gdb_io io;
	FILE *log;
	/* Driving */
	const hvt_event **next_ev;   /* per vCPU: its next event (lookahead), or NULL */
	uint8_t *finished;           /* per vCPU */
	uint64_t g;                  /* events replayed */
	uint64_t g_max;              /* furthest g ever reached: console muted below */
	uint64_t total_events;
	int console_fd;              /* the real console fd */
	unsigned cur;                /* vCPU whose gap runs, or last ran */
	atomic_uint run_vcpu;        /* the vCPU inside a backend run, for kicks */
	atomic_int running;          /* 1 between a resume and the next stop */
	atomic_int interrupt;        /* Ctrl-C seen while running */
	atomic_int disconnected;
	atomic_int quit;
	pthread_t watcher;
	int watcher_started;
	/* The engine's own debug wish, per vCPU (landing breakpoints, steps). */
	hvt_debug *eng_dbg;
	/* Per vCPU: its current state has been checked (see gdb_exec.c). */
	uint8_t *handled;
	uint64_t *last_top;          /* per vCPU: number of its last checked state (step mode) */
	int *pending_vec;            /* per vCPU: vector injected, delivered at its next run; -1 */
	struct gdb_access_pending *acc; /* per vCPU: see gdb_access.c */
	gdb_decoder *dec;            /* NULL: read/access watchpoints refused */
	/* Client-visible state */
	struct gdb_bp bp[GDB_MAX_BP];
	unsigned n_bp;
	struct gdb_wp wp[GDB_MAX_WP];
	unsigned n_wp;
	unsigned sel_g, sel_c;       /* Hg / Hc threads (vCPU index) */
	int physical;                /* monitor phys on */
	int tainted;                 /* the client wrote memory or registers */
	struct gdb_pos here;         /* the current stop */
	int stop_kind;               /* enum gdb_stop of the current stop */
	uint64_t stop_addr;
	int stop_wtype;              /* STOP_WATCH: which kind of watchpoint */
	char stop_reply[160];
	/* Forward goal and pending request */
	struct gdb_goal goal;
	int request;                 /* enum gdb_request */
	struct gdb_pos req_from;     /* where a reverse request started */
	size_t req_ckpt;             /* the checkpoint a scan started from */
	int req_silent;              /* a monitor command's move: reply OK at the end */
	uint64_t req_event;
	int req_report;              /* REQ_WATCH_BACK: the stop to report at the hit, else 0 */
	uint64_t req_report_addr;
	int req_report_wtype;        /* REQ_WATCH_BACK: the watchpoint's type (2, 3, 4) */
	/* Checkpoints */
	struct gdb_ckpts ck;
	struct gdb_pos user_ckpt[GDB_MAX_USER_CKPT];
	unsigned n_user_ckpt;
	/* Measurements */
	uint64_t reverse_t0_ns;      /* when the last reverse request began */
	uint64_t reverse_ns_last;
	uint64_t reverse_ops;
};

/* gdb_state.c: below every other file (see there). */
void gdb_goal_start(struct hvt_gdb *s, int kind);

/* gdb_exec.c: the engine hooks and stops. */
extern const struct hvt_rp_hooks gdb_hooks;
/* Report a stop and serve the client until it resumes: 0 resume, 1 unwind.
 * gdb_stop: inside a gap (the hook); gdb_stop_boundary: from the driver. */
int gdb_stop(struct hvt_gdb *s, int kind, unsigned vcpu, uint64_t addr);
int gdb_stop_boundary(struct hvt_gdb *s, int kind, unsigned vcpu);
uint64_t gdb_ram_hash(const struct hvt_gdb *s);
void gdb_settle_all(struct hvt_gdb *s);
int gdb_regs_of(struct hvt_gdb *s, unsigned vcpu, hvt_regs *r);
/* The memory view of a vCPU: its translation (or physical with `monitor
 * phys on`), -1 if its system registers cannot be read. */
int gdb_mem_view(struct hvt_gdb *s, unsigned vcpu, struct gdb_mem *m);
static inline uint64_t gdb_pc(const struct hvt_gdb *s, const hvt_regs *r)
{
	return r->r[s->arch->pc];
}
void gdb_watch_snapshot(struct hvt_gdb *s);
/* The watched bytes changed: the index of the first watchpoint, else -1. */
int gdb_watch_changed(struct hvt_gdb *s);

/* gdb_access.c: read and access watchpoints by decoding each stepped
 * instruction. Before stepping v: note which watchpoint it will touch. */
void gdb_access_before_step(struct hvt_gdb *s, unsigned v, const hvt_regs *r);
/* At v's next state: the index of the watchpoint its last step read or
 * wrote (as its type asks), else -1. Clears the note. */
int gdb_access_after_step(struct hvt_gdb *s, unsigned v, uint64_t rip_now);
/* Forward on arm64 (watch_before_write): the watchpoint the instruction
 * v is about to execute touches, reported at this state, once; else -1. */
int gdb_access_before(struct hvt_gdb *s, unsigned v, const hvt_regs *r);
/* Any read or access watchpoint set. */
int gdb_access_wanted(const struct hvt_gdb *s);

/* gdb_drive.c: the forward driver (events in recorded time order). */
int gdb_drive(struct hvt_gdb *s);
/* gdb_cursor.c: cursors and lookahead to the vCPUs' next_seq; one vCPU's next event. */
int gdb_reposition(struct hvt_gdb *s);
void gdb_lookahead(struct hvt_gdb *s, unsigned i);

/* gdb_ckpt.c */
int gdb_ckpt_init(struct hvt_gdb *s);
void gdb_ckpt_free(struct hvt_gdb *s);
void gdb_ckpt_maybe(struct hvt_gdb *s);  /* at a boundary: take one if due */
int gdb_ckpt_take(struct hvt_gdb *s);
int gdb_ckpt_restore(struct hvt_gdb *s, size_t i);
/* Index of the newest checkpoint at or before boundary g. */
size_t gdb_ckpt_at_or_before(const struct hvt_gdb *s, uint64_t g);

/* gdb_reverse.c: requests that move the replay (reverse, goto, restart). */
int gdb_request_run(struct hvt_gdb *s);
/* Inside a gap of v: a watched write just happened; report it at the state
 * before the writing instruction (watch_before_write). Returns 1: unwind. */
int gdb_watch_back(struct hvt_gdb *s, unsigned v, uint64_t addr);

/* gdb_cmds.c: serve packets until a resume (0), an unwind (1). */
int gdb_serve(struct hvt_gdb *s);
void gdb_format_stop(struct hvt_gdb *s);
/* gdb_monitor.c: a monitor command; output text to *out (malloc). 0 done,
 * 1 the command started a move (the reply comes when it arrives). */
int gdb_monitor(struct hvt_gdb *s, const char *cmd, char **out);

/* Positions */
void gdb_pos_here_mid(struct hvt_gdb *s, unsigned vcpu, struct gdb_pos *p);
void gdb_pos_boundary(struct hvt_gdb *s, struct gdb_pos *p);
void gdb_pos_hash(struct hvt_gdb *s, struct gdb_pos *p); /* at the position itself */
int gdb_pos_matches(struct hvt_gdb *s, const struct gdb_pos *p, unsigned vcpu, const hvt_regs *r);

#endif
