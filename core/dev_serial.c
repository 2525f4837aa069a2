/* The serial console, 16550-style on ports 0x3f8-0x3ff (data and line status;
 * the other registers read 0 and ignore writes, so a guest's UART init code
 * is not "unmapped"). Output is line-buffered to out_fd; input is polled from
 * the host inputs only when the guest looks, and every chunk received is
 * recorded as a CONSOLE_IN event on the looking vCPU's stream. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "hvt_guest_abi.h"
#include "hvtrace/error.h"
#include "vm_internal.h"

int hvt_serial_init(hvt_serial *s, int out_fd)
{
	memset(s, 0, sizeof(*s));
	s->out_fd = out_fd;
	return pthread_mutex_init(&s->mu, NULL) == 0 ? 0 : HVT_E_NOMEM;
}

static void write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0 && fd >= 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* console output is best effort: never stops the guest */
		p += w;
		n -= (size_t)w;
	}
}

static void flush_locked(hvt_serial *s)
{
	write_all(s->out_fd, s->line, s->line_len);
	s->line_len = 0;
}

void hvt_serial_flush(hvt_serial *s)
{
	pthread_mutex_lock(&s->mu);
	flush_locked(s);
	pthread_mutex_unlock(&s->mu);
}

void hvt_serial_destroy(hvt_serial *s)
{
	hvt_serial_flush(s);
	pthread_mutex_destroy(&s->mu);
}

static void put_byte_locked(hvt_serial *s, uint8_t b)
{
	s->line[s->line_len++] = b;
	if (b == '\n' || s->line_len == HVT_SERIAL_LINE_BYTES)
		flush_locked(s);
}

/* Refill the input buffer from the host when it is empty. */
static void fill_locked(hvt_vcpu_ctx *vc, hvt_serial *s)
{
	const hvt_host_inputs *in = vc->vm->in;
	hvt_event *ev;
	size_t n;

	if (s->in_len > 0 || !in->console_read || !hvt_aux_dev_room(vc))
		return; /* no room to record input: take none this exit */
	n = in->console_read(in->ctx, s->in, HVT_AUX_DATA_BYTES < HVT_SERIAL_IN_BYTES ?
			     HVT_AUX_DATA_BYTES : HVT_SERIAL_IN_BYTES);
	if (n == 0)
		return;
	s->in_head = 0;
	s->in_len = (uint32_t)n;
	ev = hvt_aux_push_dev(vc, HVT_EV_CONSOLE_IN, 0);
	if (ev) {
		memcpy(((hvt_aux_event *)ev)->data, s->in, n);
		ev->data_len = (uint32_t)n;
	}
}

static uint64_t read_locked(hvt_vcpu_ctx *vc, hvt_serial *s, uint64_t port)
{
	uint8_t b;

	fill_locked(vc, s);
	if (port == HVT_PORT_SERIAL_LSR)
		return HVT_SERIAL_LSR_THRE | HVT_SERIAL_LSR_TEMT |
		       (s->in_len ? HVT_SERIAL_LSR_DR : 0);
	if (port != HVT_PORT_SERIAL_DATA || s->in_len == 0)
		return 0;
	b = s->in[s->in_head++];
	s->in_len--;
	return b;
}

int hvt_serial_access(hvt_vcpu_ctx *vc, hvt_io *io)
{
	hvt_serial *s = &vc->vm->serial;

	pthread_mutex_lock(&s->mu);
	if (io->is_write && io->addr == HVT_PORT_SERIAL_DATA)
		put_byte_locked(s, (uint8_t)io->value);
	else if (!io->is_write)
		io->value = read_locked(vc, s, io->addr);
	pthread_mutex_unlock(&s->mu);
	return HVT_DEV_HANDLED;
}
