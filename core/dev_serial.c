/* The serial console, 16550-style on ports 0x3f8-0x3ff (data and line status;
 * the other registers read 0 and ignore writes, so a guest's UART init code
 * is not "unmapped"). Output goes through the console writer shared with
 * replay (console_out.c), line-buffered; input is polled from
 * the host inputs only when the guest looks, and every chunk received is
 * recorded as a CONSOLE_IN event on the looking vCPU's stream. */
#include <string.h>
#include "hvt_guest_abi.h"
#include "hvtrace/error.h"
#include "vm_internal.h"

int hvt_serial_init(hvt_serial *s, int out_fd)
{
	memset(s, 0, sizeof(*s));
	if (pthread_mutex_init(&s->mu, NULL) != 0)
		return HVT_E_NOMEM;
	if (hvt_console_out_init(&s->out, out_fd) != 0) {
		pthread_mutex_destroy(&s->mu);
		return HVT_E_NOMEM;
	}
	return 0;
}

void hvt_serial_flush(hvt_serial *s)
{
	hvt_console_out_flush(&s->out);
}

void hvt_serial_destroy(hvt_serial *s)
{
	hvt_console_out_destroy(&s->out);
	pthread_mutex_destroy(&s->mu);
}

static void put_byte_locked(hvt_serial *s, uint8_t b)
{
	hvt_console_out_put(&s->out, &b, 1);
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
