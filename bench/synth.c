/* The mixed stream imitates a small guest doing console output, clock reads,
 * HLT and timer interrupts, as a run loop records it: 45% serial data out
 * (a printable byte), 15% line-status reads, 20% MMIO clock reads (the value
 * advances 1-40 us), 10% HLT, 5% interrupts landed at an exit, 5% MMIO timer
 * writes to one of 4 registers (random value). Each exit kind happens at one
 * of 2 sites (pc). The guest runs 1-30 us between exits (uniform), the VMM
 * handles each in 0.5-5 us (uniform), and an exit's time is the previous
 * exit's time + its handling + this run, exactly as a run loop that reads
 * one clock around KVM_RUN measures it. The register checksum is random: the
 * worst case, registers differing at every exit. Seed 42.
 * The repetitive stream is one serial write repeated with constant timing. */
#include "synth.h"

#include <string.h>

static uint64_t next_u64(struct synth *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t between(struct synth *s, uint64_t lo, uint64_t hi)
{
	return lo + next_u64(s) % (hi - lo + 1);
}

void synth_init(struct synth *s, uint64_t seed, int repetitive)
{
	memset(s, 0, sizeof(*s));
	s->rng = seed;
	s->time_ns = 1000000;
	s->repetitive = repetitive;
}

static void exit_common(struct synth *s, hvt_event *ev, unsigned kind, uint64_t addr, uint32_t size)
{
	ev->type = HVT_EV_EXIT;
	ev->kind = (uint8_t)kind;
	ev->addr = addr;
	ev->size = size;
	ev->count = size ? 1 : 0;
	ev->pc = 0x101000 + 0x100 * kind + 0x10 * between(s, 0, 1);
	ev->duration_ns = between(s, 500, 5000);
	ev->run_ns = between(s, 1000, 30000);
	s->time_ns += s->last_handle_ns + ev->run_ns;
	s->last_handle_ns = ev->duration_ns;
	ev->regs_hash = (uint32_t)next_u64(s) | 1;
	ev->raw_reason = kind == HVT_EXIT_HALT ? 5 : (kind <= 2 ? 2 : 6);
}

static void mixed_next(struct synth *s, hvt_event *ev)
{
	uint64_t pick = between(s, 0, 99);
	if (pick < 45) {
		exit_common(s, ev, HVT_EXIT_PIO_OUT, 0x3f8, 1);
		ev->value = between(s, 0x20, 0x7e);
	} else if (pick < 60) {
		exit_common(s, ev, HVT_EXIT_PIO_IN, 0x3fd, 1);
		ev->value = 0x60;
	} else if (pick < 80) {
		exit_common(s, ev, HVT_EXIT_MMIO_READ, 0xfed00000, 8);
		s->clock_ns += between(s, 1000, 40000);
		ev->value = s->clock_ns;
	} else if (pick < 90) {
		exit_common(s, ev, HVT_EXIT_HALT, 0, 0);
	} else if (pick < 95) {
		ev->type = HVT_EV_INTERRUPT;
		ev->addr = 32;
		ev->pc = 0x101500 + 0x10 * between(s, 0, 1);
		ev->regs_hash = (uint32_t)next_u64(s) | 1;
	} else {
		exit_common(s, ev, HVT_EXIT_MMIO_WRITE, 0xfed01000 + 8 * between(s, 0, 3), 4);
		ev->value = between(s, 1, 1000000);
	}
}

void synth_next(struct synth *s, hvt_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	if (s->repetitive) {
		s->time_ns += 8000;
		*ev = (hvt_event){.type = HVT_EV_EXIT, .kind = HVT_EXIT_PIO_OUT, .addr = 0x3f8,
				  .size = 1, .count = 1, .value = 'x', .pc = 0x101040,
				  .duration_ns = 900, .run_ns = 7100, .raw_reason = 2,
				  .regs_hash = 0x5a5a1234, .time_ns = s->time_ns};
		return;
	}
	mixed_next(s, ev);
	ev->time_ns = s->time_ns;
}
