/* hvtrace replay --gdb: serve a replay to gdb or lldb over the gdb remote
 * protocol, with breakpoints, watchpoints, single step, reverse execution
 * and monitor commands. x86-64 traces (KVM) and arm64 traces (HVF). See
 * docs/debugging.md. */
#ifndef HVT_REPLAY_GDB_H
#define HVT_REPLAY_GDB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hvtrace/reader.h"
#include "replay.h"

/* Options: HVT_OPTS(hvt_gdb_opts, ...); zero is the default of each field. */
struct hvt_gdb_opts {
	size_t sz;                   /* sizeof(struct hvt_gdb_opts) */
	const char *host;            /* NULL = 127.0.0.1 */
	unsigned port;               /* 0 = any free port (printed) */
	int allow_remote;            /* 1: a non-loopback host is accepted */
	const char *image_hint;      /* path printed in the gdb command line */
	int console_fd;              /* guest console; 0 = stdout, -1 = discard */
	FILE *log;                   /* the gdb command line, warnings; NULL = stderr */
	hvt_replay_print_fn print_event;
	uint64_t ckpt_limit_bytes;   /* checkpoint memory; 0 = 256 MiB */
	int listen_fd;               /* > 0: serve on this listening socket (tests) */
};

/* Waits for one connection and serves it until the client detaches, kills
 * or disconnects. 0 with *res filled (outcome: OK when the session ended
 * normally, DIVERGED if it ended on a divergence, REFUSED/NO_KVM/... if
 * the replay could not start), or a negative HVT_E_* (bad options, a host
 * that is not loopback without allow_remote, a socket that cannot listen). */
int hvt_replay_gdb(hvt_reader *r, const struct hvt_gdb_opts *opts, struct hvt_replay_result *res);

#endif
