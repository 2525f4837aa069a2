/* What a replayed exit does outside the guest, per architecture: console
 * output and power-off (docs/guest-abi.md). Every other device effect
 * reaches the guest as a recorded value and needs nothing here. A base file
 * below vcpu_replay.c. */
#include "hvt_guest_abi.h"
#include "replay_internal.h"

static uint64_t size_mask(uint32_t size)
{
	return size >= 8 ? UINT64_MAX : (1ull << (8 * size)) - 1;
}

static void power_off(struct hvt_rvcpu *v, uint64_t code)
{
	v->powered_off = 1;
	v->poweroff_code = (int)(int32_t)code;
}

/* x86-64: the serial port (string I/O too: the low byte of each element)
 * and the power-off port. */
static void pio_write(struct hvt_rvcpu *v, const hvt_exit *ex)
{
	if (ex->addr == HVT_PORT_SERIAL_DATA) {
		for (uint32_t i = 0; i < ex->count; i++)
			hvt_console_out_put(&v->rp->console, ex->data + (size_t)i * ex->size, 1);
	} else if (ex->addr == HVT_PORT_POWEROFF) {
		power_off(v, ex->value & size_mask(ex->size));
	}
}

/* arm64: the same devices as 8-byte MMIO registers. */
static void mmio_write(struct hvt_rvcpu *v, const hvt_exit *ex)
{
	uint8_t byte = (uint8_t)ex->value; /* the console takes the low 8 bits */

	if (v->rp->m->arch->id != HVT_ARCH_ARM64)
		return; /* the x86 MMIO window has no console nor power-off */
	if (ex->addr == HVT_MMIO_CONSOLE_DATA)
		hvt_console_out_put(&v->rp->console, &byte, 1);
	else if (ex->addr == HVT_MMIO_POWEROFF)
		power_off(v, ex->value & size_mask(ex->size));
}

/* PSCI SYSTEM_OFF over HVC powers off with 0; SYSTEM_RESET ends the run
 * with the END SHUTDOWN that follows it in the trace. */
static void hypercall(struct hvt_rvcpu *v, const hvt_exit *ex)
{
	if (ex->addr == HVT_PSCI_SYSTEM_OFF)
		power_off(v, 0);
}

void hvt_rp_apply_effects(struct hvt_rvcpu *v)
{
	const hvt_exit *ex = &v->live;

	if (ex->kind == HVT_EXIT_PIO_OUT)
		pio_write(v, ex);
	else if (ex->kind == HVT_EXIT_MMIO_WRITE)
		mmio_write(v, ex);
	else if (ex->kind == HVT_EXIT_HYPERCALL)
		hypercall(v, ex);
}
