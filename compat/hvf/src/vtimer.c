/*
 * The time base: mach_absolute_time() at 24 MHz as on Apple silicon
 * (timebase 125/3, so ns = ticks * 125 / 3), derived from CLOCK_MONOTONIC;
 * and the guest's EL1 virtual timer, whose counter is
 * CNTVCT_EL0 = mach_absolute_time() - vtimer offset.
 */
#include "standin.h"

#include <mach/mach_time.h>
#include <time.h>

#define SB_TB_NUMER 125u
#define SB_TB_DENOM 3u
#define CTL_ENABLE 1u
#define CTL_IMASK 2u

uint64_t sb_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ticks = ns * 3 / 125, split so that the product cannot overflow. */
uint64_t mach_absolute_time(void)
{
    uint64_t ns = sb_mono_ns();
    return ns / SB_TB_NUMER * SB_TB_DENOM + ns % SB_TB_NUMER * SB_TB_DENOM / SB_TB_NUMER;
}

kern_return_t mach_timebase_info(mach_timebase_info_t info)
{
    if (!info)
        return 4; /* KERN_INVALID_ARGUMENT */
    info->numer = SB_TB_NUMER;
    info->denom = SB_TB_DENOM;
    return KERN_SUCCESS;
}

uint64_t sb_ticks_to_ns(uint64_t ticks)
{
    return ticks / SB_TB_DENOM * SB_TB_NUMER + ticks % SB_TB_DENOM * SB_TB_NUMER / SB_TB_DENOM;
}

uint64_t sb_vtimer_counter(const struct sb_vtimer *t)
{
    return mach_absolute_time() - t->offset_ticks;
}

/* The timer condition (ISTATUS) with the output not masked by IMASK. */
bool sb_vtimer_firing(const struct sb_vtimer *t)
{
    if ((t->ctl & (CTL_ENABLE | CTL_IMASK)) != CTL_ENABLE)
        return false;
    return sb_vtimer_counter(t) >= t->cval_ticks;
}

/* Host monotonic ns at which the timer will fire, UINT64_MAX if it cannot
 * (disabled, masked by the guest, or masked by the framework). */
uint64_t sb_vtimer_deadline_ns(const struct sb_vtimer *t)
{
    if (t->masked || (t->ctl & (CTL_ENABLE | CTL_IMASK)) != CTL_ENABLE)
        return UINT64_MAX;
    uint64_t abs_ticks = t->cval_ticks + t->offset_ticks;
    if (abs_ticks < t->cval_ticks)
        return UINT64_MAX; /* wraps: never within this process's life */
    return sb_ticks_to_ns(abs_ticks) + 1; /* round up: the tick has begun */
}
