/* race: vCPUs that race on shared memory (issue 13). Every vCPU adds 1 to a
 * shared counter RACE_ITERS times with an unprotected load / add / store;
 * an update is lost when another vCPU stores in between. vCPU 0 waits for
 * all of them and prints "race: N vCPUs, counter=C of E". C depends on how
 * the vCPUs interleaved: it replays only if that order was recorded
 * (serialized recording, the default for --vcpus > 1). At most
 * RACE_MAX_VCPUS take part; the others halt. */
#include "hvt_guest.h"

#define RACE_MAX_VCPUS 4
#define RACE_ITERS 400

static volatile uint64_t counter;
static volatile uint32_t finished;

/* The window: between the load and the store the vCPU computes a little,
 * so a preemption (or a parallel vCPU) can fall inside it. */
static void bump(void)
{
	__asm__ volatile(
		"mov counter(%%rip), %%rax\n\t"
		".rept 8\n\tnop\n\t.endr\n\t"
		"add $1, %%rax\n\t"
		"mov %%rax, counter(%%rip)\n\t"
		".rept 8\n\tnop\n\t.endr\n\t"
		::: "rax", "memory");
}

int hvt_main(unsigned vcpu, unsigned n_vcpus)
{
	unsigned n = n_vcpus < RACE_MAX_VCPUS ? n_vcpus : RACE_MAX_VCPUS;

	if (vcpu < n) {
		for (unsigned i = 0; i < RACE_ITERS; i++)
			bump();
		__atomic_fetch_add(&finished, 1, __ATOMIC_SEQ_CST);
	}
	if (vcpu != 0)
		for (;;)
			__asm__ volatile("cli; hlt");
	while (__atomic_load_n(&finished, __ATOMIC_SEQ_CST) < n)
		__asm__ volatile("pause");
	hvt_puts("race: ");
	hvt_put_u64(n);
	hvt_puts(" vCPUs, counter=");
	hvt_put_u64(counter);
	hvt_puts(" of ");
	hvt_put_u64((uint64_t)n * RACE_ITERS);
	hvt_putc('\n');
	return 0;
}
