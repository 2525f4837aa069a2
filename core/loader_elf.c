/* ELF64 loader: static, freestanding x86-64 or AArch64 executables, PT_LOAD
 * segments (the same rules for both machines; the machine is reported).
 * The ELF structures are read field by field from little-endian bytes (no
 * <elf.h>: it does not exist on macOS, and casting untrusted bytes to structs
 * invites alignment trouble). */
#include "loader.h"

#include <string.h>
#include "bytes.h"
#include "errmsg.h"
#include "hvt_guest_abi.h"
#include "hvtrace/error.h"

#define EHDR_BYTES 64u
#define PHDR_BYTES 56u
#define MAX_PHDRS 64u
#define ELF_PT_LOAD 1u
#define ELF_PT_DYNAMIC 2u
#define ELF_PT_INTERP 3u
#define ELF_ET_EXEC 2u
#define ELF_EM_X86_64 62u
#define ELF_EM_AARCH64 183u

int hvt_elf_arch(const uint8_t *image, size_t len_bytes)
{
	uint64_t machine;

	if (len_bytes < EHDR_BYTES)
		return HVT_ARCH_UNKNOWN;
	machine = hvt_get_le(image + 18, 2);
	return machine == ELF_EM_X86_64 ? HVT_ARCH_X86_64 :
	       machine == ELF_EM_AARCH64 ? HVT_ARCH_ARM64 : HVT_ARCH_UNKNOWN;
}

typedef struct elf_phdr {
	uint32_t type;
	uint64_t offset, paddr, filesz, memsz;
} elf_phdr;

static int check_ehdr(const uint8_t *im, size_t len, char *msg, size_t msg_len)
{
	HVT_FAIL_IF(len < EHDR_BYTES, msg, msg_len, HVT_E_BAD_IMAGE,
		    "ELF image truncated: %zu bytes, the header needs %u", len, EHDR_BYTES);
	HVT_FAIL_IF(im[4] != 2, msg, msg_len, HVT_E_BAD_IMAGE,
		    "ELF class %u is not ELFCLASS64", im[4]);
	HVT_FAIL_IF(im[5] != 1, msg, msg_len, HVT_E_BAD_IMAGE,
		    "ELF data encoding %u is not little-endian", im[5]);
	HVT_FAIL_IF(hvt_get_le(im + 16, 2) != ELF_ET_EXEC, msg, msg_len, HVT_E_BAD_IMAGE,
		    "ELF type %u is not ET_EXEC (static, non-PIE executables only)",
		    (unsigned)hvt_get_le(im + 16, 2));
	HVT_FAIL_IF(hvt_elf_arch(im, len) == HVT_ARCH_UNKNOWN, msg, msg_len, HVT_E_BAD_IMAGE,
		    "ELF machine %u is neither x86-64 (62) nor AArch64 (183)",
		    (unsigned)hvt_get_le(im + 18, 2));
	HVT_FAIL_IF(hvt_get_le(im + 54, 2) != PHDR_BYTES, msg, msg_len, HVT_E_BAD_IMAGE,
		    "ELF e_phentsize %u is not %u", (unsigned)hvt_get_le(im + 54, 2), PHDR_BYTES);
	return 0;
}

/* Read program header i, checking that it lies inside the file. */
static int read_phdr(const uint8_t *im, size_t len, unsigned i, elf_phdr *ph,
		     char *msg, size_t msg_len)
{
	uint64_t phoff = hvt_get_le(im + 32, 8);
	uint64_t at = phoff + (uint64_t)i * PHDR_BYTES;

	HVT_FAIL_IF(phoff > len || at > len - PHDR_BYTES || len < PHDR_BYTES, msg, msg_len,
		    HVT_E_BAD_IMAGE, "ELF program header %u at offset 0x%llx is outside "
		    "the %zu-byte file", i, (unsigned long long)at, len);
	ph->type = (uint32_t)hvt_get_le(im + at, 4);
	ph->offset = hvt_get_le(im + at + 8, 8);
	ph->paddr = hvt_get_le(im + at + 24, 8);
	ph->filesz = hvt_get_le(im + at + 32, 8);
	ph->memsz = hvt_get_le(im + at + 40, 8);
	return 0;
}

static int check_load(const elf_phdr *ph, unsigned i, size_t len, const hvt_guest_ram *ram,
		      char *msg, size_t msg_len)
{
	HVT_FAIL_IF(ph->filesz > ph->memsz, msg, msg_len, HVT_E_BAD_IMAGE,
		    "ELF segment %u: p_filesz 0x%llx exceeds p_memsz 0x%llx", i,
		    (unsigned long long)ph->filesz, (unsigned long long)ph->memsz);
	HVT_FAIL_IF(ph->offset > len || ph->filesz > len - ph->offset, msg, msg_len,
		    HVT_E_BAD_IMAGE, "ELF segment %u: file bytes [0x%llx, +0x%llx) "
		    "run past the %zu-byte file", i, (unsigned long long)ph->offset,
		    (unsigned long long)ph->filesz, len);
	HVT_FAIL_IF(!hvt_ram_range_ok(ram, ph->paddr, ph->memsz), msg, msg_len,
		    HVT_E_BAD_IMAGE, "ELF segment %u: [0x%llx, +0x%llx) is outside guest RAM "
		    "[0x%llx, 0x%llx) (wrong link address, or raise the memory size)", i,
		    (unsigned long long)ph->paddr, (unsigned long long)ph->memsz,
		    (unsigned long long)HVT_GUEST_LOAD_PA,
		    (unsigned long long)ram->usable_end_pa);
	return 0;
}

static void note_range(hvt_load_info *info, const elf_phdr *ph)
{
	if (ph->paddr < info->lowest_pa)
		info->lowest_pa = ph->paddr;
	if (ph->paddr + ph->memsz > info->highest_pa)
		info->highest_pa = ph->paddr + ph->memsz;
}

/* Validate every header first, copy second: a bad image leaves RAM untouched. */
static int walk_phdrs(const uint8_t *im, size_t len, const hvt_guest_ram *ram,
		      hvt_load_info *info, int copy, char *msg, size_t msg_len)
{
	unsigned phnum = (unsigned)hvt_get_le(im + 56, 2);
	elf_phdr ph = { 0 };

	HVT_FAIL_IF(phnum == 0 || phnum > MAX_PHDRS, msg, msg_len, HVT_E_BAD_IMAGE,
		    "ELF e_phnum %u is not in 1..%u", phnum, MAX_PHDRS);
	for (unsigned i = 0; i < phnum; i++) {
		HVT_FORWARD(read_phdr(im, len, i, &ph, msg, msg_len));
		HVT_FAIL_IF(ph.type == ELF_PT_DYNAMIC || ph.type == ELF_PT_INTERP, msg,
			    msg_len, HVT_E_BAD_IMAGE, "ELF segment %u: dynamic executables "
			    "are not supported (link with -static)", i);
		if (ph.type != ELF_PT_LOAD || ph.memsz == 0)
			continue;
		HVT_FORWARD(check_load(&ph, i, len, ram, msg, msg_len));
		note_range(info, &ph);
		if (!copy)
			continue;
		memcpy(ram->host + ph.paddr, im + ph.offset, ph.filesz);
		memset(ram->host + ph.paddr + ph.filesz, 0, ph.memsz - ph.filesz);
	}
	return 0;
}

int hvt_load_elf64(const uint8_t *image, size_t len_bytes, const hvt_guest_ram *ram,
		   hvt_load_info *info, char *msg, size_t msg_len)
{
	uint64_t entry;

	HVT_FAIL_IF(len_bytes < 4 || image[0] != 0x7f || image[1] != 'E' ||
		    image[2] != 'L' || image[3] != 'F', msg, msg_len, HVT_E_BAD_IMAGE,
		    "not an ELF file (bad magic)");
	HVT_FORWARD(check_ehdr(image, len_bytes, msg, msg_len));
	memset(info, 0, sizeof(*info));
	info->lowest_pa = UINT64_MAX;
	HVT_FORWARD(walk_phdrs(image, len_bytes, ram, info, 0, msg, msg_len));
	HVT_FAIL_IF(info->lowest_pa == UINT64_MAX, msg, msg_len, HVT_E_BAD_IMAGE,
		    "ELF image has no PT_LOAD segment");
	entry = hvt_get_le(image + 24, 8);
	HVT_FAIL_IF(entry < info->lowest_pa || entry >= info->highest_pa, msg, msg_len,
		    HVT_E_BAD_IMAGE, "ELF entry point 0x%llx is outside the loaded "
		    "segments [0x%llx, 0x%llx)", (unsigned long long)entry,
		    (unsigned long long)info->lowest_pa, (unsigned long long)info->highest_pa);
	HVT_FORWARD(walk_phdrs(image, len_bytes, ram, info, 1, msg, msg_len));
	info->format = HVT_IMAGE_ELF;
	info->entry_pa = entry;
	info->arch = hvt_elf_arch(image, len_bytes);
	return 0;
}
