/* A small Hypervisor.framework VMM: the test fixture for recording an
 * unmodified HVF VMM through the interposer (tests/interpose/hvf_record.sh).
 * It uses only Apple's API and hand-encoded arm64 guest code, and stands in
 * for a third-party VMM: nothing of hvtrace is linked in.
 *
 * V vCPUs (default 3), each created and run by its own thread, run the same
 * guest code with their own registers:
 *   N rounds of: str x4,[x2] (MMIO write of the round number), ldr w3,[x2,#8]
 *     (MMIO read: the VMM answers 0xa5000000 | id << 16 | round), hvc #1
 *     with x0 = that value (the VMM answers x0 ^ 0x1111);
 *   K vtimer rounds: CNTV_TVAL = 100 us, CNTV_CTL = ENABLE, IRQs unmasked,
 *     spin until the IRQ handler (VBAR_EL1 + 0x280: disable the timer,
 *     x10++, back to the loop with IRQs still masked) has run, then hvc #2
 *     (answer x10 + 0x100). The VMM does
 *     QEMU's protocol: a VTIMER_ACTIVATED exit raises the IRQ with
 *     hv_vcpu_set_pending_interrupt before every run; after any exit, a
 *     masked vtimer that no longer fires is unmasked and the IRQ lowered;
 *   hvc #3 until the VMM answers 1: it does once this vCPU has seen two
 *     kicks (CANCELED exits from the kicker thread's hv_vcpus_exit);
 *   hvc #4: done. The thread destroys its vCPU.
 * A kicker thread calls hv_vcpus_exit on every live vCPU every 300 us.
 *
 * Each vCPU thread prints, when done, "ID KIND COUNT" per exit kind (kinds
 * as hvtrace names them, zero counts left out), "ID reads HASH" over the
 * values it handed back (MMIO reads, HVC answers; h = h * 1000003 + value,
 * in order) and "ID writes HASH" over the values the guest wrote.
 *
 * usage: hvf_vmm [--vcpus V] [--hang-after E] N K
 *   --hang-after E  vCPU 0 stops after its E-th exit (counted, never
 *                   answered): once the others are done it prints its
 *                   counts and "pid PID" and waits to be killed. */
#include <Hypervisor/Hypervisor.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define RAM_BYTES (1u << 20)
#define CODE_IPA 0x1000u
#define VBAR_IPA 0x10000u
#define MMIO_IPA 0x40000000u /* + id * 0x1000: never mapped */
#define TIMER_TICKS 2400u    /* 100 us at 24 MHz */
#define MAX_VCPUS 8
#define CNTV_TVAL_EL0 ((hv_sys_reg_t)0xdf18) /* guest-only encoding for MSR */
#define EC_DABT 0x24u
#define EC_HVC 0x16u

enum { K_MMIO_READ, K_MMIO_WRITE, K_HYPERCALL, K_TIMER, K_KICK, NKINDS };
static const char *const kind_names[NKINDS] = {"mmio-read", "mmio-write", "hypercall", "timer",
					       "kick"};

struct vcpu {
	unsigned index;
	hv_vcpu_t id;
	hv_vcpu_exit_t *exit;
	unsigned counts[NKINDS];
	unsigned exits, reads_answered;
	uint64_t read_hash, write_hash;
	int irq_wanted, vtimer_masked;
	pthread_t thread;
};

static struct vcpu vcpus[MAX_VCPUS];
static unsigned n_vcpus = 3, rounds, timer_rounds, hang_after;
static atomic_int alive[MAX_VCPUS];
static atomic_uint done_count;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
/* Every vCPU exists before any runs, as in QEMU: a vCPU destroyed early
 * would otherwise free its hv_vcpu_t for a late thread to get again, and
 * two threads' counts would share one id (and one trace stream). */
static pthread_barrier_t all_created;

static void check(hv_return_t r, const char *what)
{
	if (r != HV_SUCCESS) {
		fprintf(stderr, "hvf_vmm: %s failed: %#x\n", what, (unsigned)r);
		exit(2);
	}
}

/* ---- arm64 encoders ---- */
static uint32_t movz(unsigned rd, uint16_t imm) { return 0xd2800000u | (uint32_t)imm << 5 | rd; }
static uint32_t str_x(unsigned rt, unsigned rn, unsigned off) { return 0xf9000000u | (off / 8) << 10 | rn << 5 | rt; }
static uint32_t ldr_w(unsigned rt, unsigned rn, unsigned off) { return 0xb9400000u | (off / 4) << 10 | rn << 5 | rt; }
static uint32_t mov_x(unsigned rd, unsigned rm) { return 0xaa0003e0u | rm << 16 | rd; }
static uint32_t hvc(uint16_t imm) { return 0xd4000002u | (uint32_t)imm << 5; }
static uint32_t add_imm(unsigned rd, unsigned rn, unsigned imm) { return 0x91000000u | imm << 10 | rn << 5 | rd; }
static uint32_t subs_imm(unsigned rd, unsigned rn, unsigned imm) { return 0xf1000000u | imm << 10 | rn << 5 | rd; }
static uint32_t cmp_x(unsigned rn, unsigned rm) { return 0xeb00001fu | rm << 16 | rn << 5; }
static uint32_t b_cond(int off, unsigned cond) { return 0x54000000u | ((uint32_t)(off / 4) & 0x7ffff) << 5 | cond; }
static uint32_t cbz_x(unsigned rt, int off) { return 0xb4000000u | ((uint32_t)(off / 4) & 0x7ffff) << 5 | rt; }
static uint32_t b_to(uint64_t from, uint64_t to) { return 0x14000000u | ((uint32_t)((int64_t)(to - from) / 4) & 0x3ffffff); }
static uint32_t msr(hv_sys_reg_t reg, unsigned rt) { return 0xd5000000u | (uint32_t)reg << 5 | rt; }
#define COND_EQ 0u
#define COND_NE 1u
#define DAIFCLR_I 0xd50342ffu
#define DAIFSET_I 0xd50342dfu
#define B_SELF 0x14000000u

/* x1 = N, x2 = MMIO base, x6 = timer ticks, x7 = 1, x9 = K, x10 = x11 = 0. */
static void write_guest(uint8_t *ram)
{
	const uint32_t code[] = {
		movz(4, 0),                                     /* 0x00 */
		str_x(4, 2, 0), ldr_w(3, 2, 8), mov_x(0, 3),    /* 0x04 L1 */
		hvc(1), add_imm(4, 4, 1), cmp_x(4, 1),          /* 0x10 */
		b_cond(-0x18, COND_NE),                         /* 0x1c -> L1 */
		msr(CNTV_TVAL_EL0, 6),                          /* 0x20 T */
		msr(HV_SYS_REG_CNTV_CTL_EL0, 7), DAIFCLR_I,     /* 0x24 */
		cmp_x(10, 11), b_cond(-4, COND_EQ),             /* 0x2c W */
		DAIFSET_I, mov_x(11, 10), mov_x(0, 10),         /* 0x34 */
		hvc(2), subs_imm(9, 9, 1), b_cond(-0x28, COND_NE), /* 0x40 -> T */
		hvc(3), cbz_x(0, -4),                           /* 0x4c K */
		hvc(4), B_SELF,                                 /* 0x54 */
	};
	/* No eret: the exception left IRQs masked, and the line stays high
	 * until the VMM lowers it; go on past the wait loop instead. */
	const uint32_t irq[] = { msr(HV_SYS_REG_CNTV_CTL_EL0, 31), add_imm(10, 10, 1),
				 b_to(VBAR_IPA + 0x288, CODE_IPA + 0x34) };
	memcpy(ram + CODE_IPA, code, sizeof(code));
	memcpy(ram + VBAR_IPA + 0x280, irq, sizeof(irq));
}

static uint64_t get(hv_vcpu_t id, hv_reg_t reg)
{
	uint64_t v;
	check(hv_vcpu_get_reg(id, reg, &v), "hv_vcpu_get_reg");
	return v;
}

static void answer(struct vcpu *v, hv_reg_t reg, uint64_t value)
{
	check(hv_vcpu_set_reg(v->id, reg, value), "hv_vcpu_set_reg");
	v->read_hash = v->read_hash * 1000003u + value;
	v->reads_answered++;
}

static void data_abort(struct vcpu *v)
{
	uint64_t iss = v->exit->exception.syndrome & 0x1ffffff;
	unsigned srt = (unsigned)(iss >> 16) & 31;
	if (!(iss & (1u << 24))) {
		fprintf(stderr, "hvf_vmm: data abort without ISV\n");
		exit(3);
	}
	if (iss & (1u << 6)) { /* WnR: the guest wrote the round number */
		v->counts[K_MMIO_WRITE]++;
		v->write_hash = v->write_hash * 1000003u + get(v->id, (hv_reg_t)(HV_REG_X0 + srt));
	} else {
		v->counts[K_MMIO_READ]++;
		answer(v, (hv_reg_t)(HV_REG_X0 + srt),
		       0xa5000000u | v->index << 16 | (v->counts[K_MMIO_READ] & 0xffff));
	}
	check(hv_vcpu_set_reg(v->id, HV_REG_PC, get(v->id, HV_REG_PC) + 4), "PC += 4");
}

/* Returns 1 at the final hvc #4. */
static int hypercall(struct vcpu *v)
{
	unsigned imm = (unsigned)(v->exit->exception.syndrome & 0xffff);
	v->counts[K_HYPERCALL]++;
	if (imm == 1)
		answer(v, HV_REG_X0, get(v->id, HV_REG_X0) ^ 0x1111);
	else if (imm == 2)
		answer(v, HV_REG_X0, get(v->id, HV_REG_X0) + 0x100);
	else if (imm == 3)
		answer(v, HV_REG_X0, v->counts[K_KICK] >= 2);
	return imm == 4;
}

/* Returns 1 when the guest is done. */
static int handle_exit(struct vcpu *v)
{
	const hv_vcpu_exit_t *e = v->exit;
	unsigned ec = (unsigned)(e->exception.syndrome >> 26) & 0x3f;
	switch (e->reason) {
	case HV_EXIT_REASON_CANCELED:
		v->counts[K_KICK]++;
		return 0;
	case HV_EXIT_REASON_VTIMER_ACTIVATED:
		v->counts[K_TIMER]++;
		v->vtimer_masked = 1; /* the framework masked it */
		v->irq_wanted = 1;
		return 0;
	case HV_EXIT_REASON_EXCEPTION:
		if (ec == EC_DABT) {
			data_abort(v);
			return 0;
		}
		if (ec == EC_HVC)
			return hypercall(v);
		break;
	default:
		break;
	}
	fprintf(stderr, "hvf_vmm: vCPU %u: unexpected exit %u (EC %#x)\n", v->index, e->reason, ec);
	exit(3);
}

/* QEMU's hvf_sync_vtimer: unmask once CNTV_CTL no longer says "firing". */
static void sync_vtimer(struct vcpu *v)
{
	uint64_t ctl;
	if (!v->vtimer_masked)
		return;
	check(hv_vcpu_get_sys_reg(v->id, HV_SYS_REG_CNTV_CTL_EL0, &ctl), "get CNTV_CTL");
	if ((ctl & 7) == 5) /* ENABLE, not IMASK, ISTATUS */
		return;
	v->irq_wanted = 0;
	v->vtimer_masked = 0;
	check(hv_vcpu_set_vtimer_mask(v->id, false), "hv_vcpu_set_vtimer_mask");
}

static void print_counts(const struct vcpu *v)
{
	pthread_mutex_lock(&out_lock);
	for (int k = 0; k < NKINDS; k++)
		if (v->counts[k])
			printf("%u %s %u\n", (unsigned)v->id, kind_names[k], v->counts[k]);
	printf("%u reads %llu\n", (unsigned)v->id, (unsigned long long)v->read_hash);
	printf("%u writes %llu\n", (unsigned)v->id, (unsigned long long)v->write_hash);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

static void hang(struct vcpu *v)
{
	while (atomic_load(&done_count) < n_vcpus - 1)
		usleep(1000);
	print_counts(v);
	pthread_mutex_lock(&out_lock);
	printf("pid %ld\n", (long)getpid());
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
	for (;;)
		pause(); /* until killed */
}

static void setup_regs(struct vcpu *v)
{
	const struct { hv_reg_t reg; uint64_t value; } init[] = {
		{HV_REG_CPSR, 0x3c5}, {HV_REG_PC, CODE_IPA}, {HV_REG_X1, rounds},
		{HV_REG_X2, MMIO_IPA + 0x1000ull * v->index}, {HV_REG_X6, TIMER_TICKS},
		{HV_REG_X7, 1}, {HV_REG_X9, timer_rounds}, {HV_REG_X10, 0}, {HV_REG_X11, 0},
	};
	for (size_t i = 0; i < sizeof(init) / sizeof(init[0]); i++)
		check(hv_vcpu_set_reg(v->id, init[i].reg, init[i].value), "hv_vcpu_set_reg");
	check(hv_vcpu_set_sys_reg(v->id, HV_SYS_REG_VBAR_EL1, VBAR_IPA), "VBAR_EL1");
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	check(hv_vcpu_create(&v->id, &v->exit, NULL), "hv_vcpu_create");
	setup_regs(v);
	atomic_store(&alive[v->index], 1);
	pthread_barrier_wait(&all_created);
	for (int done = 0; !done;) {
		check(hv_vcpu_set_pending_interrupt(v->id, HV_INTERRUPT_TYPE_IRQ, v->irq_wanted),
		      "hv_vcpu_set_pending_interrupt");
		check(hv_vcpu_run(v->id), "hv_vcpu_run");
		v->exits++;
		if (hang_after && v->index == 0 && v->exits == hang_after) {
			/* Counted as it is, never answered. */
			if (v->exit->reason == HV_EXIT_REASON_CANCELED)
				v->counts[K_KICK]++;
			else if (v->exit->reason == HV_EXIT_REASON_VTIMER_ACTIVATED)
				v->counts[K_TIMER]++;
			else if (((v->exit->exception.syndrome >> 26) & 0x3f) == EC_HVC)
				v->counts[K_HYPERCALL]++;
			else if (v->exit->exception.syndrome & (1u << 6)) {
				v->counts[K_MMIO_WRITE]++;
				uint64_t iss = v->exit->exception.syndrome;
				v->write_hash = v->write_hash * 1000003u +
						get(v->id, (hv_reg_t)(HV_REG_X0 + ((iss >> 16) & 31)));
			} else
				v->counts[K_MMIO_READ]++;
			hang(v);
		}
		done = handle_exit(v);
		sync_vtimer(v);
	}
	atomic_store(&alive[v->index], 0);
	check(hv_vcpu_destroy(v->id), "hv_vcpu_destroy");
	print_counts(v);
	atomic_fetch_add(&done_count, 1);
	return NULL;
}

static void *kicker(void *arg)
{
	(void)arg;
	struct timespec gap = {0, 300000};
	while (atomic_load(&done_count) < n_vcpus) {
		hv_vcpu_t ids[MAX_VCPUS];
		uint32_t n = 0;
		for (unsigned i = 0; i < n_vcpus; i++)
			if (atomic_load(&alive[i]))
				ids[n++] = vcpus[i].id;
		if (n)
			hv_vcpus_exit(ids, n); /* a vCPU destroyed meanwhile: refused, harmless */
		nanosleep(&gap, NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int i;
	for (i = 1; i < argc - 2; i++) {
		if (!strcmp(argv[i], "--vcpus") && i + 3 < argc)
			n_vcpus = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--hang-after") && i + 3 < argc)
			hang_after = (unsigned)atoi(argv[++i]);
		else
			break;
	}
	if (i != argc - 2 || n_vcpus < 1 || n_vcpus > MAX_VCPUS)
		return fprintf(stderr, "usage: hvf_vmm [--vcpus 1..%d] [--hang-after E] N K\n",
			       MAX_VCPUS), 64;
	rounds = (unsigned)atoi(argv[argc - 2]);
	timer_rounds = (unsigned)atoi(argv[argc - 1]);
	if (rounds < 1 || timer_rounds < 1)
		return fprintf(stderr, "hvf_vmm: N and K are at least 1\n"), 64;
	hv_return_t r = hv_vm_create(NULL);
	if (r != HV_SUCCESS)
		return fprintf(stderr, "hvf_vmm: hv_vm_create: %#x\n", (unsigned)r), 77;
	uint8_t *ram = mmap(NULL, RAM_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED)
		return perror("mmap"), 2;
	write_guest(ram);
	check(hv_vm_map(ram, 0, RAM_BYTES, HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC),
	      "hv_vm_map");
	pthread_t k;
	pthread_barrier_init(&all_created, NULL, n_vcpus);
	for (unsigned v = 0; v < n_vcpus; v++) {
		vcpus[v].index = v;
		if (pthread_create(&vcpus[v].thread, NULL, vcpu_thread, &vcpus[v]) != 0)
			return perror("pthread_create"), 2;
	}
	if (pthread_create(&k, NULL, kicker, NULL) != 0)
		return perror("pthread_create"), 2;
	for (unsigned v = 0; v < n_vcpus; v++)
		pthread_join(vcpus[v].thread, NULL);
	pthread_join(k, NULL);
	check(hv_vm_destroy(), "hv_vm_destroy");
	return 0;
}
