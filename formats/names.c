/* Printable names of event types and kinds: the words dump, stats and the
 * option parsers use, so they are one table each. */
#include <string.h>

#include "hvtrace/event.h"

static const char *const type_names[] = {
	[HVT_EV_EXIT] = "exit",
	[HVT_EV_INTERRUPT] = "interrupt",
	[HVT_EV_TIMER] = "timer",
	[HVT_EV_MEM_WRITE] = "mem-write",
	[HVT_EV_CONSOLE_IN] = "console-in",
	[HVT_EV_EXEC_TIME] = "exec-time",
	[HVT_EV_MARKER] = "marker",
	[HVT_EV_END] = "end",
};

static const char *const exit_names[] = {
	[HVT_EXIT_UNKNOWN] = "unknown",
	[HVT_EXIT_PIO_IN] = "pio-in",
	[HVT_EXIT_PIO_OUT] = "pio-out",
	[HVT_EXIT_MMIO_READ] = "mmio-read",
	[HVT_EXIT_MMIO_WRITE] = "mmio-write",
	[HVT_EXIT_HALT] = "halt",
	[HVT_EXIT_HYPERCALL] = "hypercall",
	[HVT_EXIT_TIMER] = "timer",
	[HVT_EXIT_KICK] = "kick",
	[HVT_EXIT_DEBUG] = "debug",
	[HVT_EXIT_SHUTDOWN] = "shutdown",
	[HVT_EXIT_INTERNAL_ERROR] = "internal-error",
	[HVT_EXIT_IRQ_WINDOW] = "irq-window",
	[HVT_EXIT_SYSREG] = "sysreg",
};

static const char *const end_names[] = {
	[HVT_END_POWEROFF] = "poweroff",
	[HVT_END_SHUTDOWN] = "shutdown",
	[HVT_END_ERROR] = "error",
	[HVT_END_TIMEOUT] = "timeout",
	[HVT_END_INTERRUPTED] = "interrupted",
	[HVT_END_BAD_ACCESS] = "bad-access",
	[HVT_END_DETACHED] = "detached",
};

static const char *const irq_names[] = {
	[HVT_IRQ_AT_EXIT] = "at-exit",
	[HVT_IRQ_ASYNC] = "async",
	[HVT_IRQ_CLEARED] = "cleared",
};

/* The arm64 exception classes an HVF EXCEPTION exit can carry (ESR bits
 * [31:26]); the Arm ARM's names, shortened. */
static const char *const ec_names[64] = {
	[0x00] = "unknown",
	[0x01] = "wfi-wfe",
	[0x07] = "fp-access",
	[0x0e] = "illegal-state",
	[0x15] = "svc",
	[0x16] = "hvc",
	[0x17] = "smc",
	[0x18] = "sysreg",
	[0x20] = "inst-abort-lower",
	[0x21] = "inst-abort",
	[0x22] = "pc-align",
	[0x24] = "data-abort-lower",
	[0x25] = "data-abort",
	[0x26] = "sp-align",
	[0x2c] = "fp-exception",
	[0x2f] = "serror",
	[0x30] = "breakpoint-lower",
	[0x31] = "breakpoint",
	[0x32] = "step-lower",
	[0x33] = "step",
	[0x34] = "watchpoint-lower",
	[0x35] = "watchpoint",
	[0x3c] = "brk",
};

#define NAME_OR(table, i, fallback) \
	((i) < sizeof(table) / sizeof(table[0]) && table[i] ? table[i] : (fallback))

const char *hvt_event_type_name(unsigned type)
{
	return NAME_OR(type_names, type, "invalid");
}

const char *hvt_exit_kind_name(unsigned kind)
{
	return NAME_OR(exit_names, kind, "invalid");
}

const char *hvt_irq_kind_name(unsigned kind)
{
	return NAME_OR(irq_names, kind, "invalid");
}

const char *hvt_arm64_ec_name(unsigned ec)
{
	return NAME_OR(ec_names, ec, "other");
}

const char *hvt_end_reason_name(unsigned reason)
{
	return NAME_OR(end_names, reason, "invalid");
}

int hvt_exit_kind_from_name(const char *name)
{
	for (unsigned i = 0; i < sizeof(exit_names) / sizeof(exit_names[0]); i++)
		if (exit_names[i] && strcmp(exit_names[i], name) == 0)
			return (int)i;
	return -1;
}
