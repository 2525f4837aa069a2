/* trace_edit MODE IN OUT [NEEDLE]: rewrites a trace with the reader and
 * writer APIs, changing one thing replay must notice.
 *
 *   copy   nothing changed (checks the tool itself: the copy must replay)
 *   read   the value of the first MMIO/port read on vCPU 0 (value ^ 1)
 *   image  the first byte of NEEDLE inside the embedded guest image
 * Hostile edits (replay must refuse or report them, never crash):
 *   cpuid     one byte of the recorded CPUID table
 *   entry     entry_pa + 0x10
 *   vcpus     vcpus = 300
 *   irqregs   the first ASYNC interrupt's register file cut to 8 bytes
 *   fp        the first ASYNC interrupt's memory fingerprint, one bit flipped
 *             (replay must report that landing and say the fingerprint differed)
 *   nofp      every ASYNC interrupt's fingerprint dropped: the v1 form, which
 *             lands by registers alone as before issue 13
 *   vector    the first interrupt's vector set to 1000
 *   dma-out   the first EXEC_TIME sample turned into a 16-byte memory write
 *             beyond guest RAM
 *   dma-in    ... into free guest RAM (0x800000): legal, replay goes on
 *   strdata   the first string-I/O read's data cut by one byte
 *   spin      an extra port write before vCPU 0's END (the guest never makes
 *             it: replay's watchdog must report the spin)
 *
 * Exit 0 on success, 1 when the change could not be made, 2 on I/O errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvtrace/hvtrace.h"

struct edit {
	const char *mode;
	const char *needle;
	int done;               /* the change was made */
	uint8_t buf[512];       /* data of an edited event */
};

static int is(const struct edit *e, const char *mode)
{
	return strcmp(e->mode, mode) == 0;
}

/* Metadata edits: the value and its length are replaced when this key is
 * the one to change. */
static void edit_meta(struct edit *e, const char *k, const char **v, size_t *len,
		      uint8_t *scratch, size_t scratch_len)
{
	if (is(e, "cpuid") && strcmp(k, "cpuid") == 0 && *len > 8 && *len <= scratch_len) {
		memcpy(scratch, *v, *len);
		scratch[8] ^= 0x01; /* leaf 0's EAX: the highest leaf */
		*v = (const char *)scratch;
		e->done = 1;
	} else if (is(e, "entry") && strcmp(k, "entry_pa") == 0) {
		snprintf((char *)scratch, scratch_len, "0x%llx", strtoull(*v, NULL, 0) + 0x10);
		*v = (const char *)scratch;
		*len = strlen(*v);
		e->done = 1;
	} else if (is(e, "vcpus") && strcmp(k, "vcpus") == 0) {
		*v = "300";
		*len = 3;
		e->done = 1;
	}
}

static int copy_meta(hvt_reader *r, hvt_writer *w, struct edit *e)
{
	for (size_t i = 0; i < hvt_reader_meta_count(r); i++) {
		const char *k, *v;
		size_t len;
		static uint8_t scratch[4096];
		if (hvt_reader_meta_at(r, i, &k, &v, &len) != 0)
			return -1;
		edit_meta(e, k, &v, &len, scratch, sizeof(scratch));
		if (hvt_writer_set_meta(w, k, v, len) != 0)
			return -1;
	}
	return 0;
}

static int copy_image(hvt_reader *r, hvt_writer *w, struct edit *e)
{
	const uint8_t *img;
	size_t len;
	uint8_t *copy;
	int rc;

	if (hvt_reader_blob(r, "guest-image", &img, &len) != 0 || !(copy = malloc(len)))
		return -1;
	memcpy(copy, img, len);
	if (is(e, "image") && e->needle) {
		size_t n = strlen(e->needle);
		for (size_t i = 0; n && i + n <= len && !e->done; i++) {
			if (memcmp(copy + i, e->needle, n) == 0) {
				copy[i] ^= 0x20; /* 'h' -> 'H': still printable, different */
				e->done = 1;
			}
		}
	}
	rc = hvt_writer_put_blob(w, "guest-image", copy, len);
	free(copy);
	return rc;
}

static void edit_read(hvt_event *ev, struct edit *e)
{
	if (ev->type != HVT_EV_EXIT)
		return;
	if (is(e, "read") && (ev->kind == HVT_EXIT_MMIO_READ ||
			      (ev->kind == HVT_EXIT_PIO_IN && ev->count == 1))) {
		ev->value ^= 1;
		e->done = 1;
	} else if (is(e, "strdata") && ev->kind == HVT_EXIT_PIO_IN && ev->count > 1 &&
		   ev->data_len > 0) {
		ev->data_len--;
		e->done = 1;
	}
}

/* An ASYNC interrupt with the landing extension after its register file
 * (x86-64: 18 registers, arm64: 34; FORMAT.md). */
static int has_fp(const hvt_event *ev)
{
	return ev->type == HVT_EV_INTERRUPT && ev->kind == HVT_IRQ_ASYNC &&
	       (ev->data_len == 18 * 8 + 16 || ev->data_len == 34 * 8 + 16);
}

static void edit_interrupt(hvt_event *ev, struct edit *e)
{
	if (ev->type != HVT_EV_INTERRUPT)
		return;
	if (is(e, "irqregs") && ev->kind == HVT_IRQ_ASYNC) {
		ev->data_len = 8;
		e->done = 1;
	} else if (is(e, "fp") && has_fp(ev) && ev->data_len <= sizeof(e->buf)) {
		memcpy(e->buf, ev->data, ev->data_len);
		e->buf[ev->data_len - 8] ^= 0x01; /* the fingerprint is the last u64 */
		ev->data = e->buf;
		e->done = 1;
	} else if (is(e, "vector")) {
		ev->addr = 1000;
		e->done = 1;
	}
}

static void edit_dma(hvt_event *ev, struct edit *e)
{
	if (ev->type != HVT_EV_EXEC_TIME || !(is(e, "dma-out") || is(e, "dma-in")))
		return;
	memset(e->buf, 0xab, 16);
	ev->type = HVT_EV_MEM_WRITE;
	ev->addr = is(e, "dma-in") ? 0x800000u : 0xfffffffffffffff8ull;
	ev->value = 0;
	ev->data = e->buf;
	ev->data_len = 16;
	e->done = 1;
}

static void maybe_edit(hvt_event *ev, struct edit *e)
{
	if (e->done || ev->stream != 0)
		return;
	edit_read(ev, e);
	if (!e->done)
		edit_interrupt(ev, e);
	if (!e->done)
		edit_dma(ev, e);
}

static int copy_stream(hvt_reader *r, hvt_writer *w, uint32_t id, struct edit *e)
{
	hvt_stream_cursor *c;
	hvt_stream *s;
	const hvt_event *ev;
	int rc;

	if (hvt_stream_cursor_create(r, id, &c) != 0)
		return 0; /* no events on this vCPU */
	if (hvt_writer_open_stream(w, id, &s) != 0) {
		hvt_stream_cursor_free(c);
		return -1;
	}
	while ((rc = hvt_stream_cursor_next(c, &ev)) == 1) {
		hvt_event copy = *ev;
		if (is(e, "spin") && id == 0 && ev->type == HVT_EV_END) {
			hvt_event extra = { .type = HVT_EV_EXIT, .kind = HVT_EXIT_PIO_OUT,
					    .time_ns = ev->time_ns, .addr = 0x3f8, .size = 1,
					    .count = 1, .value = 'x' };
			e->done = 1;
			if (hvt_stream_append(s, &extra) != 0) {
				rc = -1;
				break;
			}
		}
		if (is(e, "nofp") && has_fp(&copy)) {
			copy.data_len -= 16;
			e->done = 1;
		}
		maybe_edit(&copy, e);
		if (hvt_stream_append(s, &copy) != 0) {
			rc = -1;
			break;
		}
	}
	hvt_stream_cursor_free(c);
	return rc;
}

int main(int argc, char **argv)
{
	struct edit e = { argc > 1 ? argv[1] : "", argc > 4 ? argv[4] : NULL, 0, {0} };
	hvt_reader *r = NULL;
	hvt_writer *w = NULL;
	int rc = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: trace_edit copy|read|image IN OUT [NEEDLE]\n");
		return 2;
	}
	if (hvt_reader_open(&r, argv[2], NULL) != 0 || hvt_writer_create(&w, argv[3], NULL) != 0) {
		fprintf(stderr, "trace_edit: cannot open %s or create %s\n", argv[2], argv[3]);
		return 2;
	}
	rc = copy_meta(r, w, &e) || copy_image(r, w, &e);
	for (uint32_t i = 0; !rc && i < HVT_MAX_STREAMS; i++)
		rc = copy_stream(r, w, i, &e) < 0;
	rc |= hvt_writer_close(w) != 0;
	hvt_reader_close(r);
	if (rc) {
		fprintf(stderr, "trace_edit: copying failed\n");
		return 2;
	}
	if (strcmp(e.mode, "copy") != 0 && !e.done) {
		fprintf(stderr, "trace_edit: nothing to change (%s)\n", e.mode);
		return 1;
	}
	return 0;
}
