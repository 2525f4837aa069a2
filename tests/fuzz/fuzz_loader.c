/* Fuzz target: the guest image loader (ELF64 and flat) into a small RAM. */
#include <stdlib.h>

#include "hvt_guest_abi.h"
#include "loader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_BYTES (4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	if (!ram && !(ram = malloc(RAM_BYTES)))
		return 0;
	hvt_guest_ram g = {.host = ram, .len_bytes = RAM_BYTES,
			   .usable_end_pa = RAM_BYTES - HVT_GUEST_STACK_BYTES};
	hvt_load_info info;
	char msg[256];
	hvt_load_image(data, size, HVT_IMAGE_AUTO, &g, &info, msg, sizeof(msg));
	hvt_load_image(data, size, HVT_IMAGE_ELF, &g, &info, msg, sizeof(msg));
	return 0;
}
