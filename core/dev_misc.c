/* Small devices: power-off, marker, clock, entropy. */
#include <string.h>
#include "hvt_guest_abi.h"
#include "errmsg.h"
#include "hvtrace/error.h"
#include "vm_internal.h"

static uint64_t size_mask(uint32_t size)
{
	return size >= 8 ? UINT64_MAX : (1ull << (8 * size)) - 1;
}

/* Any write powers the machine off with the written value as exit code. */
int hvt_poweroff_access(hvt_vcpu_ctx *vc, hvt_io *io)
{
	if (!io->is_write) {
		io->value = 0;
		return HVT_DEV_HANDLED;
	}
	hvt_vm_stop(vc->vm, HVT_END_POWEROFF, (int)(int32_t)(io->value & size_mask(io->size)));
	return HVT_DEV_HANDLED;
}

/* Marker: id = the data written, value = RSI (arm64: X1), so one store
 * carries both. */
int hvt_marker_access(hvt_vcpu_ctx *vc, hvt_io *io)
{
	hvt_event *ev;

	if (!io->is_write) {
		io->value = 0;
		return HVT_DEV_HANDLED;
	}
	ev = hvt_aux_push_dev(vc, HVT_EV_MARKER, 0);
	if (ev) {
		ev->addr = io->value & size_mask(io->size);
		const hvt_arch *arch = vc->vm->m->arch;
		ev->value = io->ex->regs_valid ? io->ex->regs[arch->marker_reg] : 0;
		ev->pc = io->ex->regs[arch->pc_reg];
	}
	return HVT_DEV_HANDLED;
}

int hvt_clock_access(hvt_vcpu_ctx *vc, hvt_io *io)
{
	const hvt_host_inputs *in = vc->vm->in;

	if (io->is_write)
		return HVT_DEV_HANDLED; /* read-only: writes are ignored */
	io->value = in->clock_ns(in->ctx) & size_mask(io->size);
	return HVT_DEV_HANDLED;
}

int hvt_entropy_access(hvt_vcpu_ctx *vc, hvt_io *io)
{
	const hvt_host_inputs *in = vc->vm->in;
	uint8_t buf[8] = { 0 };
	uint32_t n = io->size <= 8 ? io->size : 8;

	if (io->is_write)
		return HVT_DEV_HANDLED;
	HVT_FORWARD(in->entropy(in->ctx, buf, n));
	io->value = 0;
	for (uint32_t i = 0; i < n; i++)
		io->value |= (uint64_t)buf[i] << (8 * i);
	return HVT_DEV_HANDLED;
}
