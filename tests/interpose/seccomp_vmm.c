/* A small KVM VMM that sandboxes itself like a production one (Firecracker,
 * crosvm, unikernel tenders): after set-up it installs a seccomp allowlist
 * (libseccomp, every thread at once) and only then runs its vCPUs. Anything
 * outside the list kills the whole process with SIGSYS, so an interposer
 * that allocates, opens a file or starts a thread after start-up is caught.
 * It stands in for a third-party VMM, hence <linux/kvm.h> here.
 *
 * Two vCPUs (ids 0 and 3), one thread each, run in real mode N rounds of
 * out 0x80 / in 0x81 / MMIO write / MMIO read, then `rep outsb` of 16
 * bytes to port 0x82 (KVM exits once per byte here), `rep insb` of 16 bytes
 * from port 0x83 (KVM batches these: string data in the trace), then hlt.
 * Reads return known values: port 0x81 gives the round number's low byte,
 * MMIO reads 0xa5, port 0x83 the 16 bytes "hvtrace-seccomp!".
 *
 * usage: seccomp_vmm [OPTIONS] N
 *   --no-seccomp     run without the allowlist (the reference run)
 *   --stop-after K   vCPU 0 stops handling after its K-th exit: once vCPU 3
 *                    is done it prints the counts and waits forever (for
 *                    the test to kill it)
 *   --block-signals  block SIGINT, SIGTERM, SIGHUP in every thread
 *   --kill-thread    a refused call kills only the calling thread (libseccomp's
 *                    SCMP_ACT_KILL), not the process: a VMM that loses its
 *                    vCPU thread and lingers, as in issue 10
 * Prints "VCPU KIND COUNT" per vCPU and exit kind (kinds as hvtrace names
 * them, zero counts left out), then "pid PID" in --stop-after mode. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define GUEST_BYTES 0x8000u  /* RAM 0..32 KiB; 0x8000.. is MMIO */
#define STRING_AT 0x3000u
#define MMIO_READ_VALUE 0xa5
static const char string_bytes[16] = "hvtrace-seccomp!";

enum { PIO_IN, PIO_OUT, MMIO_READ, MMIO_WRITE, HALT, NKINDS };
static const char *const kind_names[NKINDS] = {"pio-in", "pio-out", "mmio-read", "mmio-write",
					       "halt"};

struct vcpu {
	int fd;
	unsigned id;
	struct kvm_run *run;
	unsigned counts[NKINDS];
	unsigned exits;
	unsigned str_out, str_in; /* bytes of the string moved so far each way */
	atomic_uint done;      /* futex word: 1 once halted */
};

static int vm_fd;
static size_t run_bytes;
static unsigned stop_after; /* 0: run to hlt */
static uint32_t refuse_action = SCMP_ACT_KILL_PROCESS;
static pid_t my_pid; /* read before the sandbox: getpid is not on the list */
static struct vcpu vcpus[2];
static pthread_barrier_t ready;      /* every thread is through glibc's start-up */
static pthread_barrier_t start_line; /* the allowlist is in place */

static void die(const char *what)
{
	perror(what);
	exit(2);
}

/* mov cx,N; mov al,0x55; L: out 0x80,al; in al,0x81; mov [A],al; mov al,[A];
 * dec cx; jnz L; mov si,STRING_AT; mov cx,16; mov dx,0x82; rep outsb;
 * mov di,STRING_AT+0x100; mov cx,16; mov dx,0x83; rep insb; hlt */
static void write_code(uint8_t *mem, unsigned at, unsigned n, unsigned mmio)
{
	const uint8_t code[] = {
		0xb9, (uint8_t)n, (uint8_t)(n >> 8), 0xb0, 0x55,
		0xe6, 0x80, 0xe4, 0x81, 0xa2, (uint8_t)mmio, (uint8_t)(mmio >> 8),
		0xa0, (uint8_t)mmio, (uint8_t)(mmio >> 8), 0x49, 0x75, 0xf3,
		0xbe, (uint8_t)STRING_AT, (uint8_t)(STRING_AT >> 8), 0xb9, 16, 0,
		0xba, 0x82, 0x00, 0xf3, 0x6e,
		0xbf, 0x00, (uint8_t)((STRING_AT + 0x100) >> 8), 0xb9, 16, 0,
		0xba, 0x83, 0x00, 0xf3, 0x6c, 0xf4 };
	memcpy(mem + at, code, sizeof(code));
}

static void setup_vcpu(struct vcpu *v, unsigned id, unsigned code_at)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = code_at, .rflags = 2 };
	v->id = id;
	if ((v->fd = ioctl(vm_fd, KVM_CREATE_VCPU, (unsigned long)id)) < 0)
		die("KVM_CREATE_VCPU");
	v->run = mmap(NULL, run_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED)
		die("mmap kvm_run");
	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		die("KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	sregs.ds.base = 0;
	sregs.ds.selector = 0;
	sregs.es.base = 0;
	sregs.es.selector = 0;
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0 || ioctl(v->fd, KVM_SET_REGS, &regs) < 0)
		die("KVM_SET_REGS");
}

/* Only read, write and futex-class calls from here on: the allowlist. */
static void say(const char *s)
{
	ssize_t n = write(1, s, strlen(s));
	(void)n;
}

static void print_counts(const struct vcpu *v)
{
	char line[64];
	for (int k = 0; k < NKINDS; k++) {
		if (!v->counts[k])
			continue;
		snprintf(line, sizeof(line), "%u %s %u\n", v->id, kind_names[k], v->counts[k]);
		say(line);
	}
}

static void futex_wait_while(atomic_uint *word, unsigned value)
{
	while (atomic_load(word) == value)
		syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, value, NULL, NULL, 0);
}

static void stop_here(struct vcpu *v)
{
	char line[64];
	atomic_uint forever = 0;
	futex_wait_while(&vcpus[1].done, 0);
	print_counts(v);
	print_counts(&vcpus[1]);
	snprintf(line, sizeof(line), "pid %ld\n", (long)my_pid);
	say(line);
	futex_wait_while(&forever, 0); /* until killed */
}

static int handle_io(struct vcpu *v)
{
	struct kvm_run *r = v->run;
	uint8_t *data = (uint8_t *)r + r->io.data_offset;
	if (r->io.direction == KVM_EXIT_IO_IN && r->io.port == 0x81) {
		*data = (uint8_t)v->counts[PIO_IN]; /* the round number's low byte */
		v->counts[PIO_IN]++;
		return 0;
	}
	if (r->io.direction == KVM_EXIT_IO_OUT && r->io.port == 0x80) {
		v->counts[PIO_OUT]++;
		return 0;
	}
	if (r->io.size != 1 || r->io.count > sizeof(string_bytes))
		return -1;
	if (r->io.direction == KVM_EXIT_IO_OUT && r->io.port == 0x82 &&
	    v->str_out + r->io.count <= sizeof(string_bytes) &&
	    !memcmp(data, string_bytes + v->str_out, r->io.count)) {
		v->str_out += r->io.count;
		v->counts[PIO_OUT]++;
		return 0;
	}
	if (r->io.direction == KVM_EXIT_IO_IN && r->io.port == 0x83 &&
	    v->str_in + r->io.count <= sizeof(string_bytes)) {
		memcpy(data, string_bytes + v->str_in, r->io.count);
		v->str_in += r->io.count;
		v->counts[PIO_IN]++;
		return 0;
	}
	return -1;
}

static int handle_exit(struct vcpu *v)
{
	struct kvm_run *r = v->run;
	switch (r->exit_reason) {
	case KVM_EXIT_IO:
		return handle_io(v);
	case KVM_EXIT_MMIO:
		v->counts[r->mmio.is_write ? MMIO_WRITE : MMIO_READ]++;
		if (!r->mmio.is_write)
			memset(r->mmio.data, MMIO_READ_VALUE, r->mmio.len);
		return 0;
	case KVM_EXIT_HLT:
		v->counts[HALT]++;
		return 1;
	default:
		return -1;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	pthread_barrier_wait(&ready);
	pthread_barrier_wait(&start_line);
	for (;;) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0)
			continue; /* -EINTR: run again */
		if (stop_after && v->id == 0 && ++v->exits == stop_after) {
			handle_exit(v);
			stop_here(v);
		}
		int rc = handle_exit(v);
		if (rc < 0) {
			char line[160];
			snprintf(line, sizeof(line), "seccomp_vmm: unexpected exit %u (port 0x%x dir %u "
				 "size %u count %u)\n", v->run->exit_reason, v->run->io.port,
				 v->run->io.direction, v->run->io.size, v->run->io.count);
			say(line);
			_exit(3);
		}
		if (rc > 0)
			break;
	}
	atomic_store(&v->done, 1);
	syscall(SYS_futex, &v->done, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	return NULL;
}

/* What a VMM's vCPU and main threads need once set up, and no more. */
static void install_allowlist(void)
{
	static const int allowed[] = {
		SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(ioctl), SCMP_SYS(futex),
		SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(rt_sigreturn),
		/* glibc's thread exit: signal mask, rseq unregistration, stack release */
		SCMP_SYS(rt_sigprocmask), SCMP_SYS(rseq), SCMP_SYS(madvise),
	};
	scmp_filter_ctx ctx = seccomp_init(refuse_action);
	if (!ctx || seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1) != 0)
		die("seccomp_init");
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0) != 0)
			die("seccomp_rule_add");
	if (seccomp_load(ctx) != 0)
		die("seccomp_load");
	seccomp_release(ctx);
}

static void block_stop_signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static void create_vm(unsigned n)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("/dev/kvm");
	if ((vm_fd = ioctl(kvm, KVM_CREATE_VM, 0)) < 0)
		die("KVM_CREATE_VM");
	run_bytes = (size_t)ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	uint8_t *mem = mmap(NULL, GUEST_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct kvm_userspace_memory_region region = { .memory_size = GUEST_BYTES,
						      .userspace_addr = (uintptr_t)mem };
	if (mem == MAP_FAILED || ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("guest memory");
	write_code(mem, 0x1000, n, 0x9000);
	write_code(mem, 0x2000, n, 0xa000);
	memcpy(mem + STRING_AT, string_bytes, sizeof(string_bytes));
	setup_vcpu(&vcpus[0], 0, 0x1000);
	setup_vcpu(&vcpus[1], 3, 0x2000);
}

int main(int argc, char **argv)
{
	int sandbox = 1, i;
	for (i = 1; i < argc - 1; i++) {
		if (!strcmp(argv[i], "--no-seccomp"))
			sandbox = 0;
		else if (!strcmp(argv[i], "--stop-after") && i + 2 < argc)
			stop_after = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--block-signals"))
			block_stop_signals();
		else if (!strcmp(argv[i], "--kill-thread"))
			refuse_action = SCMP_ACT_KILL_THREAD;
		else
			break;
	}
	if (i != argc - 1)
		return fprintf(stderr, "usage: seccomp_vmm [--no-seccomp] [--stop-after K] "
				       "[--block-signals] [--kill-thread] N\n"), 64;
	my_pid = getpid();
	create_vm((unsigned)atoi(argv[argc - 1]));
	pthread_t t[2];
	pthread_barrier_init(&ready, NULL, 3);
	pthread_barrier_init(&start_line, NULL, 3);
	for (int k = 0; k < 2; k++)
		if (pthread_create(&t[k], NULL, vcpu_thread, &vcpus[k]) != 0)
			die("pthread_create");
	pthread_barrier_wait(&ready);
	if (sandbox)
		install_allowlist();
	pthread_barrier_wait(&start_line);
	for (int k = 0; k < 2; k++)
		pthread_join(t[k], NULL);
	for (int k = 0; k < 2; k++)
		print_counts(&vcpus[k]);
	return 0;
}
