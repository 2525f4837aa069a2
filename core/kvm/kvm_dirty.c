/* The dirty-page log: KVM_GET_DIRTY_LOG of every RAM slot (created with
 * KVM_MEM_LOG_DIRTY_PAGES), merged into one guest-page bitmap. Measured on
 * this nested KVM: it reports exactly the pages the guest wrote since the
 * previous call, and the call restarts the log. */
#include "kvm_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include "../errmsg.h"
#include "hvtrace/error.h"

/* KVM's bitmap for a slot is rounded up to whole u64s. */
static int scratch_for(hvt_backend_vm *vm, uint64_t slot_pages)
{
	size_t words = (size_t)((slot_pages + 63) / 64);
	uint64_t *p;

	if (words <= vm->dirty_scratch_words)
		return 0;
	if (!(p = realloc(vm->dirty_scratch, words * sizeof(uint64_t))))
		return HVT_E_NOMEM;
	vm->dirty_scratch = p;
	vm->dirty_scratch_words = words;
	return 0;
}

static void merge(uint64_t *bitmap, uint64_t n_pages, const uint64_t *slot_bits,
		  uint64_t first_page, uint64_t slot_pages)
{
	for (uint64_t i = 0; i < slot_pages; i++) {
		uint64_t page = first_page + i;
		if (!(slot_bits[i / 64] >> (i % 64) & 1) || page >= n_pages)
			continue;
		bitmap[page / 64] |= 1ull << (page % 64);
	}
}

int hvt_kvm_vm_dirty_log(hvt_backend_vm *vm, uint64_t *bitmap, uint64_t n_pages)
{
	for (unsigned i = 0; i < vm->n_slots; i++) {
		uint64_t pages = vm->slots[i].len_bytes / HVT_DIRTY_PAGE_BYTES;
		struct kvm_dirty_log log = { .slot = i };
		HVT_FORWARD(scratch_for(vm, pages));
		memset(vm->dirty_scratch, 0, vm->dirty_scratch_words * sizeof(uint64_t));
		log.dirty_bitmap = vm->dirty_scratch;
		if (ioctl(vm->vm_fd, KVM_GET_DIRTY_LOG, &log) < 0)
			return errno == ENOENT || errno == EINVAL ? HVT_E_UNSUPPORTED : HVT_E_BACKEND;
		merge(bitmap, n_pages, vm->dirty_scratch,
		      vm->slots[i].guest_pa / HVT_DIRTY_PAGE_BYTES, pages);
	}
	return 0;
}
