/* The loader's view of guest RAM: where an image may go. A base file below
 * loader.c (format dispatch, flat images) and loader_elf.c (ELF segments),
 * which both check their ranges with it. */
#include "loader.h"

#include "hvt_guest_abi.h"

int hvt_ram_range_ok(const hvt_guest_ram *ram, uint64_t pa, uint64_t len_bytes)
{
	if (pa < HVT_GUEST_LOAD_PA || pa > ram->usable_end_pa)
		return 0;
	return len_bytes <= ram->usable_end_pa - pa;
}
