/* Image format dispatch and flat binaries. */
#include "loader.h"

#include <string.h>
#include "errmsg.h"
#include "hvt_guest_abi.h"
#include "hvtrace/error.h"

int hvt_load_flat(const uint8_t *image, size_t len_bytes, const hvt_guest_ram *ram,
		  hvt_load_info *info, char *msg, size_t msg_len)
{
	HVT_FAIL_IF(len_bytes == 0, msg, msg_len, HVT_E_BAD_IMAGE,
		    "flat image is empty");
	HVT_FAIL_IF(!hvt_ram_range_ok(ram, HVT_GUEST_LOAD_PA, len_bytes), msg, msg_len,
		    HVT_E_BAD_IMAGE,
		    "flat image of %zu bytes does not fit: %llu bytes available at 0x%llx "
		    "(raise the memory size)", len_bytes,
		    (unsigned long long)(ram->usable_end_pa - HVT_GUEST_LOAD_PA),
		    (unsigned long long)HVT_GUEST_LOAD_PA);
	memcpy(ram->host + HVT_GUEST_LOAD_PA, image, len_bytes);
	info->format = HVT_IMAGE_FLAT;
	info->entry_pa = HVT_GUEST_LOAD_PA;
	info->lowest_pa = HVT_GUEST_LOAD_PA;
	info->highest_pa = HVT_GUEST_LOAD_PA + len_bytes;
	info->arch = HVT_ARCH_UNKNOWN; /* a flat image has no machine type */
	return 0;
}

int hvt_load_image(const uint8_t *image, size_t len_bytes, int format,
		   const hvt_guest_ram *ram, hvt_load_info *info,
		   char *msg, size_t msg_len)
{
	static const uint8_t elf_magic[4] = { 0x7f, 'E', 'L', 'F' };

	HVT_FAIL_IF(!image || !ram || !info, msg, msg_len, HVT_E_INVAL,
		    "no image or RAM given to the loader");
	if (format == HVT_IMAGE_AUTO)
		format = (len_bytes >= 4 && memcmp(image, elf_magic, 4) == 0) ?
			 HVT_IMAGE_ELF : HVT_IMAGE_FLAT;
	if (format == HVT_IMAGE_ELF)
		return hvt_load_elf64(image, len_bytes, ram, info, msg, msg_len);
	if (format == HVT_IMAGE_FLAT)
		return hvt_load_flat(image, len_bytes, ram, info, msg, msg_len);
	return hvt_errf(msg, msg_len, HVT_E_INVAL, "unknown image format %d", format);
}
