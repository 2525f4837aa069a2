/* The hvtrace boot state on x86-64: the VMM does what a boot loader would,
 * so the guest's first instruction already runs in 64-bit long mode.
 *
 * RAM at HVT_GUEST_GDT_PA..HVT_GUEST_BOOT_END_PA holds a GDT and identity page
 * tables with 2 MiB pages over the first 4 GiB (RAM and the MMIO window
 * alike). No IDT: the guest loads its own (IDTR limit 0 until it does, so any
 * exception before that is a triple fault, i.e. END HVT_END_SHUTDOWN).
 */
#include "kvm_internal.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include "../errmsg.h"
#include "bytes.h"
#include "hvt_guest_abi.h"
#include "hvtrace/error.h"

#define PTE_P 0x1ull
#define PTE_RW 0x2ull
#define PTE_PS 0x80ull /* 2 MiB page in a PD entry */
#define GDT_CODE64 0x00af9a000000ffffull
#define GDT_DATA 0x00cf92000000ffffull
#define SEL_CODE 0x08
#define SEL_DATA 0x10
#define CR0_PE 0x1ull
#define CR0_MP 0x2ull
#define CR0_ET 0x10ull
#define CR0_NE 0x20ull
#define CR0_WP 0x10000ull
#define CR0_PG 0x80000000ull
#define CR4_PAE 0x20ull
#define EFER_LME 0x100ull
#define EFER_LMA 0x400ull

int hvt_kvm_boot_tables(const hvt_mem_region *regions, unsigned n, char *msg, size_t msg_len)
{
	uint8_t *ram;

	HVT_FAIL_IF(n == 0 || regions[0].guest_pa != 0 ||
		    regions[0].len_bytes < HVT_GUEST_BOOT_END_PA, msg, msg_len, HVT_E_INVAL,
		    "the first RAM region must start at 0 and hold the boot area");
	ram = regions[0].host;
	memset(ram + HVT_GUEST_GDT_PA, 0, HVT_GUEST_BOOT_END_PA - HVT_GUEST_GDT_PA);
	hvt_put_le64(ram + HVT_GUEST_GDT_PA + SEL_CODE, GDT_CODE64);
	hvt_put_le64(ram + HVT_GUEST_GDT_PA + SEL_DATA, GDT_DATA);
	hvt_put_le64(ram + HVT_GUEST_PML4_PA, HVT_GUEST_PDPT_PA | PTE_P | PTE_RW);
	for (uint64_t g = 0; g < 4; g++) {
		uint64_t pd_pa = HVT_GUEST_PD_PA + g * 0x1000;
		hvt_put_le64(ram + HVT_GUEST_PDPT_PA + 8 * g, pd_pa | PTE_P | PTE_RW);
		for (uint64_t i = 0; i < 512; i++) {
			uint64_t pa = (g << 30) | (i << 21);
			hvt_put_le64(ram + pd_pa + 8 * i, pa | PTE_P | PTE_RW | PTE_PS);
		}
	}
	return 0;
}

static void set_seg(struct kvm_segment *s, uint16_t sel, uint8_t type, int code64)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = code64 ? 1 : 0;
	s->db = code64 ? 0 : 1;
}

int hvt_kvm_boot_sregs(hvt_backend_vcpu *vcpu, char *msg, size_t msg_len)
{
	struct kvm_sregs sr;

	HVT_FAIL_IF(ioctl(vcpu->fd, KVM_GET_SREGS, &sr) < 0, msg, msg_len, HVT_E_BACKEND,
		    "KVM_GET_SREGS failed: %s", strerror(errno));
	set_seg(&sr.cs, SEL_CODE, 11, 1);
	set_seg(&sr.ds, SEL_DATA, 3, 0);
	sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
	sr.gdt.base = HVT_GUEST_GDT_PA;
	sr.gdt.limit = 3 * 8 - 1;
	sr.idt.base = 0;
	sr.idt.limit = 0;
	sr.cr3 = HVT_GUEST_PML4_PA;
	sr.cr4 = CR4_PAE;
	sr.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	sr.efer = EFER_LME | EFER_LMA;
	HVT_FAIL_IF(ioctl(vcpu->fd, KVM_SET_SREGS, &sr) < 0, msg, msg_len, HVT_E_BACKEND,
		    "KVM_SET_SREGS (long mode) failed: %s", strerror(errno));
	return 0;
}
