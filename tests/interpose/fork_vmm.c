/* A minimal multi-threaded KVM VMM whose exits are known exactly, for the
 * shim's fork/dup/exec tests. Two vCPUs (ids 0 and 3), each on its own
 * thread, run a real-mode loop of N_OUT `out 0x80, al` then `hlt`, so each
 * has N_OUT pio-out exits + 1 halt. Along the way it dups vCPU 0's fd and
 * runs through the dup (then closes the original), forks a child that
 * exits through exit() (its destructors must not touch the parent's
 * trace), and runs /bin/true via system() (exec'd helper: passes through).
 * usage: fork_vmm N_OUT; prints what it counted itself, "ID pio-out N" and
 * "ID halt N" per vCPU (hvtrace's kind names, as count_exits -k prints).
 * N_OUT = 0: create the VM and vCPUs, then exit without any KVM_RUN. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define GUEST_BYTES 0x10000u

struct vcpu {
	int fd;
	unsigned id;
	struct kvm_run *run;
	unsigned outs, halts;
};

static int vm_fd;
static size_t run_bytes;

static void die(const char *what)
{
	perror(what);
	exit(2);
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
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0 || ioctl(v->fd, KVM_SET_REGS, &regs) < 0)
		die("KVM_SET_REGS");
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	for (;;) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0)
			continue; /* -EINTR: run again */
		if (v->run->exit_reason == KVM_EXIT_IO)
			v->outs++;
		else if (v->run->exit_reason == KVM_EXIT_HLT && ++v->halts)
			break;
		else
			die("unexpected exit");
	}
	return NULL;
}

/* mov cx, n ; mov al, 0x55 ; loop: out 0x80, al ; dec cx ; jnz loop ; hlt */
static void write_code(uint8_t *mem, unsigned at, unsigned n)
{
	const uint8_t code[] = { 0xb9, (uint8_t)n, (uint8_t)(n >> 8), 0xb0, 0x55,
				 0xe6, 0x80, 0x49, 0x75, 0xfb, 0xf4 };
	memcpy(mem + at, code, sizeof(code));
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 100;
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
	write_code(mem, 0x1000, n);
	write_code(mem, 0x2000, n);
	struct vcpu v[2] = {{0}}; /* the counters start at 0: the test compares them */
	setup_vcpu(&v[0], 0, 0x1000);
	setup_vcpu(&v[1], 3, 0x2000);
	if (n == 0)
		return 0;
	int dup_fd = fcntl(v[0].fd, F_DUPFD_CLOEXEC, 100); /* run vCPU 0 through a dup */
	if (dup_fd < 0 || close(v[0].fd) != 0)
		die("dup");
	v[0].fd = dup_fd;
	pid_t pid = fork();
	if (pid == 0)
		exit(0); /* runs atexit handlers and destructors in the child */
	waitpid(pid, NULL, 0);
	if (system("/bin/true") != 0)
		die("system");
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, vcpu_thread, &v[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 2; i++)
		printf("%u pio-out %u\n%u halt %u\n", v[i].id, v[i].outs, v[i].id, v[i].halts);
	return 0;
}
