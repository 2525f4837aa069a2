/*
 * <mach/mach_time.h>: the two macOS calls a Hypervisor.framework VMM uses to
 * read the time base of the guest's virtual counter, declared as Apple
 * documents them ("mach_absolute_time()", "mach_timebase_info(_:)").
 *
 * On Apple silicon mach_absolute_time() counts at 24 MHz (timebase 125/3:
 * ns = ticks * numer / denom) and the guest's CNTVCT_EL0 equals
 * mach_absolute_time() minus the vCPU's vtimer offset.
 */
#ifndef MACH_MACH_TIME_H
#define MACH_MACH_TIME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int kern_return_t;   /* KERN_SUCCESS is 0 */
#ifndef KERN_SUCCESS
#define KERN_SUCCESS 0
#endif

struct mach_timebase_info {
    uint32_t numer;
    uint32_t denom;
};
typedef struct mach_timebase_info *mach_timebase_info_t;
typedef struct mach_timebase_info mach_timebase_info_data_t;

uint64_t mach_absolute_time(void);
kern_return_t mach_timebase_info(mach_timebase_info_t info);

#ifdef __cplusplus
}
#endif

#endif /* MACH_MACH_TIME_H */
