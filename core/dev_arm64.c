/* The arm64 MMIO map (docs/guest-abi.md, "arm64"): the x86 machine's devices
 * moved from ports to 8-byte MMIO registers, plus the interrupt acknowledge
 * register of the vtimer protocol. The x86 MMIO timer is not mapped here:
 * arm64 guests use the architectural virtual timer. */
#include "hvt_guest_abi.h"
#include "hvtrace/error.h"
#include "vm_internal.h"

/* The console device speaks 16550 ports: hand it the port the register
 * stands for, keep everything else of the access. */
static int console_access(hvt_vcpu_ctx *vc, hvt_io *io, uint64_t port)
{
	hvt_io as_port = *io;
	int rc;

	as_port.addr = port;
	rc = hvt_serial_access(vc, &as_port);
	io->value = as_port.value;
	return rc;
}

/* A read returns the pending interrupt's id and lowers the line (the guest
 * has taken it); with nothing pending, the GIC's spurious id. */
static int irq_ack_access(hvt_vcpu_ctx *vc, hvt_io *io)
{
	if (io->is_write)
		return HVT_DEV_HANDLED; /* read-only: writes are ignored */
	io->value = vc->irq_line ? HVT_IRQ_ID_VTIMER : HVT_IRQ_ID_NONE;
	return hvt_irq_ack(vc, io->ex->regs[HVT_ARM64_PC]) < 0 ? HVT_E_BACKEND : HVT_DEV_HANDLED;
}

int hvt_dev_mmio_arm64(hvt_vcpu_ctx *vc, hvt_io *io)
{
	switch (io->addr) {
	case HVT_MMIO_CLOCK_NS:
		return hvt_clock_access(vc, io);
	case HVT_MMIO_ENTROPY:
		return hvt_entropy_access(vc, io);
	case HVT_MMIO_CONSOLE_DATA:
		return console_access(vc, io, HVT_PORT_SERIAL_DATA);
	case HVT_MMIO_CONSOLE_STATUS:
		return console_access(vc, io, HVT_PORT_SERIAL_LSR);
	case HVT_MMIO_POWEROFF:
		return hvt_poweroff_access(vc, io);
	case HVT_MMIO_MARKER:
		return hvt_marker_access(vc, io);
	case HVT_MMIO_IRQ_ACK:
		return irq_ack_access(vc, io);
	default:
		return HVT_DEV_UNMAPPED;
	}
}
