/* The device map: which port or MMIO address belongs to which device.
 * Anything else is unmapped: recorded, reads give all-ones. */
#include "hvt_guest_abi.h"
#include "vm_internal.h"

static uint64_t all_ones(uint32_t size)
{
	return size >= 8 ? UINT64_MAX : (1ull << (8 * size)) - 1;
}

int hvt_dev_pio(hvt_vcpu_ctx *vc, hvt_io *io)
{
	uint64_t port = io->addr;

	if (port >= HVT_PORT_SERIAL_DATA && port <= HVT_PORT_SERIAL_DATA + 7)
		return hvt_serial_access(vc, io);
	if (port == HVT_PORT_POWEROFF)
		return hvt_poweroff_access(vc, io);
	if (port == HVT_PORT_MARKER)
		return hvt_marker_access(vc, io);
	if (!io->is_write)
		io->value = all_ones(io->size);
	return HVT_DEV_UNMAPPED;
}

int hvt_dev_mmio(hvt_vcpu_ctx *vc, hvt_io *io)
{
	int rc = HVT_DEV_UNMAPPED;

	if (vc->vm->m->arch->id == HVT_ARCH_ARM64)
		rc = hvt_dev_mmio_arm64(vc, io); /* its own map: console, power-off... */
	else if (io->addr == HVT_MMIO_CLOCK_NS)
		rc = hvt_clock_access(vc, io);
	else if (io->addr == HVT_MMIO_ENTROPY)
		rc = hvt_entropy_access(vc, io);
	else if (io->addr >= HVT_MMIO_TIMER_INTERVAL && io->addr <= HVT_MMIO_TIMER_CTRL)
		rc = hvt_timer_access(vc, io);
	if (rc == HVT_DEV_UNMAPPED && !io->is_write)
		io->value = all_ones(io->size);
	return rc;
}
