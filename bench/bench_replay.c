/* hvt-bench-replay HVTRACE GUEST_DIR [RUNS]: replay speed, on real KVM with
 * the x86-64 guests (build/guests), on the HVF backend with the arm64 ones
 * (build/guests/arm64: the stand-in on Linux).
 *
 * 1. Record and replay, RUNS times each, alternating, both as `hvtrace`
 *    processes (same start-up cost on both sides), and print the median
 *    wall times and their ratio (target: replay / record <= 1.1 for
 *    synchronous exits): the bench_exits guest (synchronous exits only),
 *    then the timer guest (asynchronous interrupts to land), side by side.
 * 2. Asynchronous interrupts: records the timer guest RUNS times and replays
 *    each trace in-process (replay/replay.h), printing the cost per landed
 *    interrupt: wall time and breakpoint hits stepped over per landing.
 * One JSON object per line. */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hvtrace/hvtrace.h"
#include "replay.h"

extern char **environ;

/* Runs argv with stdout and stderr to /dev/null; wall ns, exits on failure. */
static uint64_t run_timed(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	uint64_t t0 = hvt_monotonic_ns();
	pid_t pid;
	int st;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0 ||
	    waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "hvt-bench-replay: `%s %s` failed\n", argv[0], argv[1]);
		exit(70);
	}
	posix_spawn_file_actions_destroy(&fa);
	return hvt_monotonic_ns() - t0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

static void bench_sync(char *hvt, const char *guests, const char *name, unsigned runs)
{
	char guest[4096], trace[] = "/tmp/hvt-bench-replay-sync.hvt";
	uint64_t rec[64], rep[64];

	snprintf(guest, sizeof(guest), "%s/%s", guests, name);
	for (unsigned i = 0; i < runs; i++) {
		char *rec_argv[] = {hvt, "record", "-q", "-o", trace, guest, NULL};
		char *rep_argv[] = {hvt, "replay", "-q", trace, NULL};
		rec[i] = run_timed(rec_argv);
		rep[i] = run_timed(rep_argv);
	}
	uint64_t mrec = median(rec, runs), mrep = median(rep, runs);
	printf("{\"bench\":\"replay_vs_record\",\"guest\":\"%s\",\"runs\":%u,"
	       "\"record_ms\":%.2f,\"replay_ms\":%.2f,\"replay_over_record\":%.3f}\n", name, runs,
	       (double)mrec / 1e6, (double)mrep / 1e6, (double)mrep / (double)mrec);
	unlink(trace);
}

static void replay_in_process(const char *trace, int landing, struct hvt_replay_result *res)
{
	struct hvt_replay_opts o = HVT_REPLAY_OPTS_INIT;
	hvt_reader *r;

	o.console_fd = -1;
	o.landing = landing;
	if (hvt_reader_open(&r, trace, NULL) != 0 || hvt_replay_run(r, &o, res) != 0 ||
	    res->outcome != HVT_REPLAY_OK) {
		fprintf(stderr, "hvt-bench-replay: replaying %s failed\n", trace);
		exit(70);
	}
	hvt_reader_close(r);
}

static void bench_async(char *hvt, const char *guests, unsigned runs, int landing)
{
	char guest[4096], trace[] = "/tmp/hvt-bench-replay-async.hvt";
	uint64_t landed = 0, hits = 0, steps = 0, land_ns = 0, wall_ns = 0;

	snprintf(guest, sizeof(guest), "%s/timer", guests);
	for (unsigned i = 0; i < runs; i++) {
		char *rec_argv[] = {hvt, "record", "-q", "-o", trace, guest, NULL};
		struct hvt_replay_result res;
		run_timed(rec_argv);
		replay_in_process(trace, landing, &res);
		landed += res.irqs_landed;
		hits += res.bp_hits_stepped;
		steps += res.steps;
		land_ns += res.landing_ns;
		wall_ns += res.wall_ns;
	}
	if (!landed)
		landed = 1;
	printf("{\"bench\":\"replay_async\",\"guest\":\"timer\",\"landing\":\"%s\",\"runs\":%u,"
	       "\"landed\":%llu,\"us_per_landing\":%.1f,\"bp_hits_per_landing\":%.1f,"
	       "\"single_steps_per_landing\":%.1f,\"replay_ms\":%.1f}\n",
	       landing == HVT_LANDING_BP ? "bp" : "step", runs, (unsigned long long)landed,
	       (double)land_ns / 1e3 / (double)landed, (double)hits / (double)landed,
	       (double)steps / (double)landed, (double)wall_ns / 1e6 / runs);
	unlink(trace);
}

int main(int argc, char **argv)
{
	unsigned runs = argc > 3 ? (unsigned)atoi(argv[3]) : 5;

	if (argc < 3 || runs == 0 || runs > 64) {
		fprintf(stderr, "usage: hvt-bench-replay HVTRACE GUEST_DIR [RUNS (1..64)]\n");
		return 64;
	}
	bench_sync(argv[1], argv[2], "bench_exits", runs);
	bench_sync(argv[1], argv[2], "timer", runs);
	bench_async(argv[1], argv[2], runs, HVT_LANDING_BP);
	bench_async(argv[1], argv[2], runs, HVT_LANDING_STEP);
	return 0;
}
