/* hvtrace core: built-in devices (docs/guest-abi.md has the guest's view).
 *
 * Devices never touch the host directly for anything the guest can observe:
 * clock, entropy and console input come from hvt_host_inputs, so a replay
 * provider can stand in for the host without changing a device.
 */
#ifndef HVT_CORE_DEVICES_H
#define HVT_CORE_DEVICES_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include "backend.h"
#include "console_out.h"

typedef struct hvt_vcpu_ctx hvt_vcpu_ctx;

/* One guest access, as a device sees it. */
typedef struct hvt_io {
	uint64_t addr;        /* port or guest PA */
	uint32_t size;        /* 1, 2, 4 or 8 bytes */
	int is_write;
	uint64_t value;       /* write: data; read: the device fills it */
	const hvt_exit *ex;   /* the exit, for registers (marker value in RSI) */
} hvt_io;

enum hvt_dev_result { HVT_DEV_HANDLED = 0, HVT_DEV_UNMAPPED = 1 };

/* dev_bus.c: route an access to its device. Returns HVT_DEV_* or a negative
 * HVT_E_*; an unmapped read leaves all-ones in io->value. */
int hvt_dev_pio(hvt_vcpu_ctx *vc, hvt_io *io);
int hvt_dev_mmio(hvt_vcpu_ctx *vc, hvt_io *io);
/* dev_arm64.c: the arm64 MMIO map (console, power-off, marker, IRQ ack,
 * clock, entropy; no x86 timer). Same contract as hvt_dev_mmio. */
int hvt_dev_mmio_arm64(hvt_vcpu_ctx *vc, hvt_io *io);

/* dev_serial.c: the console, shared by all vCPUs. */
#define HVT_SERIAL_IN_BYTES 64u
typedef struct hvt_serial {
	pthread_mutex_t mu;                 /* guards the input below */
	hvt_console_out out;                /* output, line-buffered (fd -1 = discard) */
	uint8_t in[HVT_SERIAL_IN_BYTES];    /* received, not yet read by the guest */
	uint32_t in_head, in_len;
} hvt_serial;

int hvt_serial_init(hvt_serial *s, int out_fd);
void hvt_serial_flush(hvt_serial *s);
void hvt_serial_destroy(hvt_serial *s);
int hvt_serial_access(hvt_vcpu_ctx *vc, hvt_io *io);

/* dev_timer.c: one programmable timer per vCPU, raising its interrupt on
 * that vCPU. A helper thread waits for the deadline and wakes the vCPU; the
 * vCPU thread itself takes the expiry (hvt_timer_take) before an entry. */
typedef struct hvt_timer {
	pthread_mutex_t mu;
	pthread_cond_t cv;                  /* CLOCK_MONOTONIC */
	pthread_t thread;
	int thread_started;
	int quit;
	uint64_t interval_ns;               /* guest-set interval */
	uint8_t vector;                     /* guest-set vector */
	int mode;                           /* HVT_TIMER_MODE_* */
	uint64_t deadline_ns;               /* host monotonic; 0 = not armed */
	atomic_int due;                     /* expired, not yet taken by the vCPU */
	void (*wake)(void *ctx);            /* wakes the vCPU (pipe + kick) */
	void *wake_ctx;
} hvt_timer;

int hvt_timer_init(hvt_timer *t, void (*wake)(void *), void *wake_ctx);
void hvt_timer_destroy(hvt_timer *t); /* stops and joins the thread */
int hvt_timer_access(hvt_vcpu_ctx *vc, hvt_io *io);
/* On the vCPU thread: 1 if the timer expired (then re-armed if periodic). */
int hvt_timer_take(hvt_timer *t, uint8_t *vector);
int hvt_timer_is_due(hvt_timer *t);

/* dev_misc.c: power-off, marker, clock, entropy. */
int hvt_poweroff_access(hvt_vcpu_ctx *vc, hvt_io *io);
int hvt_marker_access(hvt_vcpu_ctx *vc, hvt_io *io);
int hvt_clock_access(hvt_vcpu_ctx *vc, hvt_io *io);
int hvt_entropy_access(hvt_vcpu_ctx *vc, hvt_io *io);

#endif
