/*
 * The ticker: one thread per VM that stops the running engine when
 *  - its vtimer deadline has passed (VTIMER_ACTIVATED must come promptly
 *    even if the guest never exits),
 *  - its slice (SB_SLICE_NS) is over and another vCPU waits for the run lock,
 * by raising a flag that the engine's block hook honours (run.c: on_block
 * says why the ticker never calls uc_emu_stop itself). It sleeps while no
 * engine runs.
 */
#include "standin.h"

#include <time.h>

static void wait_until(struct sb_vm *vm, uint64_t wake_ns)
{
    struct timespec ts = { .tv_sec = (time_t)(wake_ns / 1000000000ull),
                           .tv_nsec = (long)(wake_ns % 1000000000ull) };
    vm->ticker_wake_ns = wake_ns;
    pthread_cond_timedwait(&vm->ticker_cv, &vm->lock, &ts);
    vm->ticker_wake_ns = 0;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* Decide for the running vCPU; returns when to look again. Holds vm->lock,
 * which the run loop also takes around uc_emu_start, so `running` is live. */
static uint64_t check_running(struct sb_vm *vm, struct sb_vcpu *v, uint64_t now)
{
    uint64_t deadline = sb_vtimer_deadline_ns(&v->vtimer);
    bool want_stop = false;
    if (now >= deadline) {
        atomic_store(&v->timer_poke, true);
        want_stop = true;
    }
    uint64_t slice_end = v->slice_start_ns + SB_SLICE_NS;
    if (now >= slice_end && vm->next_ticket - vm->now_serving > 1) {
        atomic_store(&v->yield_poke, true);
        want_stop = true;
    }
    uint64_t next = now + (want_stop ? SB_SLICE_NS / 4 : SB_SLICE_NS);
    next = min_u64(next, deadline);
    return (slice_end > now) ? min_u64(next, slice_end) : next;
}

void *sb_ticker_main(void *arg)
{
    struct sb_vm *vm = arg;
    pthread_mutex_lock(&vm->lock);
    while (!vm->ticker_quit) {
        struct sb_vcpu *v = vm->running;
        if (!v) {
            vm->ticker_idle = true;
            pthread_cond_wait(&vm->ticker_cv, &vm->lock);
            vm->ticker_idle = false;
            continue;
        }
        uint64_t now = sb_mono_ns();
        wait_until(vm, check_running(vm, v, now));
    }
    pthread_mutex_unlock(&vm->lock);
    return NULL;
}

/* Called with vm->lock held when a vCPU starts running or moves its timer
 * deadline earlier than the ticker's next look. */
void sb_ticker_notify(struct sb_vm *vm, uint64_t deadline_ns)
{
    if (vm->ticker_idle || (vm->ticker_wake_ns && deadline_ns < vm->ticker_wake_ns))
        pthread_cond_signal(&vm->ticker_cv);
}
