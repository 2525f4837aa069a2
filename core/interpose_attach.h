/* The interposers' side of the launcher's region (docs/interpose.md), shared
 * by the KVM shim (core/kvm/shim/) and the HVF shim (core/hvf/shim/): find
 * and map the region at load time, claim it at the VMM's first VM, and the
 * spin hint of their detach paths. Private to the shims. */
#ifndef HVT_CORE_INTERPOSE_ATTACH_H
#define HVT_CORE_INTERPOSE_ATTACH_H

#include <stdint.h>

#include "interpose_ring.h"

/* The shim's unhooked open and close (the KVM shim hooks libc's). */
typedef int (*hvt_open_fn)(const char *path, int flags, ...);
typedef int (*hvt_close_fn)(int fd);

/* At load, before the VMM's main(): maps the region HVT_IRING_ENV names and
 * counts this load in it (loaded). NULL without a launcher or on any doubt
 * (wrong inode, size, magic or version). */
struct hvt_iring_region *hvt_iring_attach(hvt_open_fn open_fn, hvt_close_fn close_fn);

/* At the VMM's first VM: makes pid the recorder by a compare-and-swap, and
 * says which API it records. 0 when pid is the recorder now, -1 when another
 * process (or the other interposer in this one) got there first. */
int hvt_iring_claim(struct hvt_iring_region *region, int32_t pid, enum hvt_iring_api api);

/* One polite iteration of a bounded spin (pause / yield). */
static inline void hvt_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

#endif
