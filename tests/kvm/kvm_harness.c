#include "kvm_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t sink_mu = PTHREAD_MUTEX_INITIALIZER;

int kvm_available(char *why, size_t why_len)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		snprintf(why, why_len, "cannot open /dev/kvm: %s", strerror(errno));
		return 0;
	}
	close(fd);
	return 1;
}

uint8_t *load_file(const char *path, size_t *len_bytes)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
		*len_bytes = (size_t)n;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* The in-memory sink: copies every event and its payload. */
static int capture(void *ctx, const hvt_event *ev)
{
	guest_run *gr = ctx;
	hvt_event *mine;
	int stop;

	pthread_mutex_lock(&sink_mu);
	if (gr->fail_after > 0 && gr->n_ev >= (size_t)gr->fail_after) {
		pthread_mutex_unlock(&sink_mu);
		return -1;
	}
	if (gr->n_ev == gr->cap_ev) {
		size_t cap = gr->cap_ev ? 2 * gr->cap_ev : 1024;
		hvt_event *p = realloc(gr->ev, cap * sizeof(*p));
		if (!p) {
			pthread_mutex_unlock(&sink_mu);
			return -1;
		}
		gr->ev = p;
		gr->cap_ev = cap;
	}
	mine = &gr->ev[gr->n_ev++];
	*mine = *ev;
	mine->data = NULL;
	if (ev->data_len) {
		uint8_t *d = malloc(ev->data_len);
		if (d)
			memcpy(d, ev->data, ev->data_len);
		mine->data = d;
	}
	stop = gr->stop_after > 0 && gr->n_ev == (size_t)gr->stop_after;
	pthread_mutex_unlock(&sink_mu);
	if (stop)
		hvt_vm_request_stop(gr->vm);
	return 0;
}

static void read_console(FILE *f, guest_run *gr)
{
	fflush(f);
	rewind(f);
	gr->out_len = fread(gr->out, 1, sizeof(gr->out) - 1, f);
	gr->out[gr->out_len] = 0;
}

int run_image(const uint8_t *image, size_t len_bytes, const run_opts *opts, guest_run *gr)
{
	static const run_opts none;
	hvt_record_inputs in;
	hvt_vm_config cfg;
	FILE *out = tmpfile();

	memset(gr, 0, sizeof(*gr));
	opts = opts ? opts : &none;
	hvt_record_inputs_init(&in, -1); /* tests never read the terminal */
	memset(&cfg, 0, sizeof(cfg));
	cfg.image = image;
	cfg.image_len_bytes = len_bytes;
	cfg.image_format = opts->image_format;
	cfg.mem_bytes = opts->mem_bytes;
	cfg.vcpus = opts->vcpus;
	cfg.timeout_ns = opts->timeout_ns;
	cfg.sink = capture;
	cfg.sink_ctx = gr;
	cfg.inputs = opts->inputs ? opts->inputs : &in.ops;
	cfg.console_out_fd = out ? fileno(out) : -1;
	gr->stop_after = opts->stop_after_events;
	gr->fail_after = opts->fail_after_events;
	gr->create_rc = hvt_vm_create(&cfg, &gr->vm, gr->msg, sizeof(gr->msg));
	if (gr->create_rc == 0) {
		gr->run_rc = hvt_vm_run(gr->vm, &gr->res);
		hvt_vm_free(gr->vm);
		gr->vm = NULL;
	}
	if (out) {
		read_console(out, gr);
		fclose(out);
	}
	return gr->create_rc;
}

int run_guest(const char *name, const run_opts *opts, guest_run *gr)
{
	char path[512];
	size_t len = 0;
	uint8_t *image;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", HVT_GUEST_DIR, name);
	image = load_file(path, &len);
	if (!image) {
		memset(gr, 0, sizeof(*gr));
		snprintf(gr->msg, sizeof(gr->msg), "cannot read %.200s", path);
		return gr->create_rc = -1000;
	}
	rc = run_image(image, len, opts, gr);
	free(image);
	return rc;
}

void guest_run_free(guest_run *gr)
{
	for (size_t i = 0; i < gr->n_ev; i++)
		free((void *)gr->ev[i].data);
	free(gr->ev);
	gr->ev = NULL;
	gr->n_ev = gr->cap_ev = 0;
}

size_t count_events(const guest_run *gr, int type, int kind, int stream)
{
	size_t n = 0;

	for (size_t i = 0; i < gr->n_ev; i++)
		n += gr->ev[i].type == type && (kind < 0 || gr->ev[i].kind == kind) &&
		     (stream < 0 || gr->ev[i].stream == (uint32_t)stream);
	return n;
}

size_t count_exits(const guest_run *gr, int kind, uint64_t addr)
{
	size_t n = 0;

	for (size_t i = 0; i < gr->n_ev; i++)
		n += gr->ev[i].type == HVT_EV_EXIT && gr->ev[i].kind == kind &&
		     (addr == UINT64_MAX || gr->ev[i].addr == addr);
	return n;
}

const hvt_event *find_event(const guest_run *gr, int type, int stream)
{
	for (size_t i = 0; i < gr->n_ev; i++)
		if (gr->ev[i].type == type && (stream < 0 || gr->ev[i].stream == (uint32_t)stream))
			return &gr->ev[i];
	return NULL;
}

void print_exit_histogram(const guest_run *gr, const char *label)
{
	size_t by_kind[HVT_EXIT_KIND_MAX + 1] = { 0 };
	uint64_t run_ns = 0, handle_ns = 0, n = 0;

	for (size_t i = 0; i < gr->n_ev; i++) {
		if (gr->ev[i].type != HVT_EV_EXIT || gr->ev[i].kind > HVT_EXIT_KIND_MAX)
			continue;
		by_kind[gr->ev[i].kind]++;
		run_ns += gr->ev[i].run_ns;
		handle_ns += gr->ev[i].duration_ns;
		n++;
	}
	fprintf(stderr, "[%s] events=%zu exits=%llu", label, gr->n_ev, (unsigned long long)n);
	for (unsigned k = 0; k <= HVT_EXIT_KIND_MAX; k++)
		if (by_kind[k])
			fprintf(stderr, " kind%u=%zu", k, by_kind[k]);
	if (n)
		fprintf(stderr, " avg_run_us=%.1f avg_handle_us=%.1f", run_ns / 1e3 / n,
			handle_ns / 1e3 / n);
	fprintf(stderr, "\n");
}
