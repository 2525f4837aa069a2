/* hvt-gen-trace: writes an N-event trace of bench/synth.c's mixed stream
 * (seeded) across 2 vCPU streams, for the stats benchmark and for trying
 * stats/export on something large.
 *   hvt-gen-trace [-n EVENTS] [-o PATH] [-V 1|2]  (default 100000000, /tmp/hvt-big.hvt, v2)
 * Stream 0 uses seed 42 and stream 1 seed 43; the next event always comes
 * from the stream whose next event is earlier, as two vCPUs would record. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "hvtrace/hvtrace.h"
#include "synth.h"

static int usage(FILE *f, int status)
{
	fputs("usage: hvt-gen-trace [-n EVENTS] [-o PATH] [-V VERSION]\n"
	      "Writes EVENTS (default 100000000) events of the mixed synthetic stream,\n"
	      "split over 2 vCPUs, to PATH (default /tmp/hvt-big.hvt), in format\n"
	      "VERSION (1 or 2, default 2).\n", f);
	return status;
}

static int generate(hvt_writer *w, uint64_t n)
{
	struct synth s[2];
	hvt_stream *st[2];
	hvt_event next[2];
	for (uint32_t i = 0; i < 2; i++) {
		int err = hvt_writer_open_stream(w, i, &st[i]);
		if (err)
			return err;
		synth_init(&s[i], 42 + i, 0);
		synth_next(&s[i], &next[i]);
	}
	for (uint64_t k = 0; k < n; k++) {
		uint32_t i = next[1].time_ns < next[0].time_ns;
		int err = hvt_stream_append(st[i], &next[i]);
		if (err)
			return err;
		synth_next(&s[i], &next[i]);
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t n = 100000000;
	const char *path = "/tmp/hvt-big.hvt";
	int c;
	uint32_t version = 2;
	while ((c = getopt(argc, argv, "n:o:V:h")) != -1) {
		if (c == 'n')
			n = strtoull(optarg, NULL, 0);
		else if (c == 'o')
			path = optarg;
		else if (c == 'V')
			version = (uint32_t)strtoul(optarg, NULL, 10);
		else
			return usage(c == 'h' ? stdout : stderr, c == 'h' ? 0 : 64);
	}
	hvt_writer *w;
	struct hvt_writer_opts o = HVT_WRITER_OPTS_INIT;
	o.stream_buffer_bytes = 16u << 20;
	o.format_version = version;
	int err = hvt_writer_create(&w, path, &o);
	if (err) {
		fprintf(stderr, "hvt-gen-trace: %s: %s\n", path, hvt_writer_last_error());
		return 66;
	}
	hvt_writer_set_meta_str(w, "backend", "synthetic");
	hvt_writer_set_meta_str(w, "image_name", "bench/synth.c mixed stream");
	err = generate(w, n);
	int cerr = hvt_writer_close(w);
	if (err || cerr) {
		fprintf(stderr, "hvt-gen-trace: %s: %s\n", path, hvt_strerror(err ? err : cerr));
		return 70;
	}
	return 0;
}
