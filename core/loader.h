/* hvtrace core: guest image loader (ELF64 and flat binaries).
 *
 * The image is untrusted input: every offset, length and address is checked
 * (overflow-safe) before use; a malformed image gives HVT_E_BAD_IMAGE and a
 * message saying which field is wrong. Nothing outside
 * [HVT_GUEST_LOAD_PA, usable_end_pa) of RAM is ever written.
 */
#ifndef HVT_CORE_LOADER_H
#define HVT_CORE_LOADER_H

#include <stddef.h>
#include <stdint.h>
#include "vmm.h"

typedef struct hvt_guest_ram {
	uint8_t *host;          /* host mapping of guest PA 0 */
	uint64_t len_bytes;     /* RAM size */
	uint64_t usable_end_pa; /* images must end at or below (stacks live above) */
} hvt_guest_ram;

/* Load `image` into ram; format is enum hvt_image_format (AUTO detects). */
int hvt_load_image(const uint8_t *image, size_t len_bytes, int format,
		   const hvt_guest_ram *ram, hvt_load_info *info,
		   char *msg, size_t msg_len);

int hvt_load_elf64(const uint8_t *image, size_t len_bytes, const hvt_guest_ram *ram,
		   hvt_load_info *info, char *msg, size_t msg_len);
int hvt_load_flat(const uint8_t *image, size_t len_bytes, const hvt_guest_ram *ram,
		  hvt_load_info *info, char *msg, size_t msg_len);

/* The enum hvt_arch_id of an ELF header's e_machine (UNKNOWN for other
 * machines or fewer than 64 bytes); nothing else is checked. */
int hvt_elf_arch(const uint8_t *image, size_t len_bytes);

/* guest_ram.c: true when [pa, pa + len) lies inside [HVT_GUEST_LOAD_PA, ram->usable_end_pa),
 * computed without overflow. */
int hvt_ram_range_ok(const hvt_guest_ram *ram, uint64_t pa, uint64_t len_bytes);

#endif
