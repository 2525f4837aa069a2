/*
 * Debug exceptions trapped to the host (hv_vcpu_set_trap_debug_exceptions):
 * hardware breakpoints from DBGBVR<n>_EL1/DBGBCR<n>_EL1 and software step
 * from MDSCR_EL1.SS with PSTATE.SS. A breakpoint is a Unicorn code hook
 * bounded to its address, which stops before the instruction executes, as
 * the hardware's breakpoint exception does (PC on the breakpoint).
 */
#include "standin.h"

#define BCR_E (1ull << 0)
#define BCR_BT_SHIFT 20
#define MDSCR_SS (1ull << 0)
#define MDSCR_MDE (1ull << 15)
#define PSTATE_SS (1ull << 21)

#define BVR_ADDR_MASK 0x0000fffffffffffcull

/* An enabled, unlinked address-match breakpoint (BT = 0b0000). */
static bool bp_armed(const struct sb_vcpu *v, unsigned n)
{
    uint64_t bcr = v->dbgbcr[n];
    return v->trap_debug_exceptions && (v->mdscr & MDSCR_MDE) && (bcr & BCR_E) &&
           ((bcr >> BCR_BT_SHIFT) & 15) == 0;
}

/* A hook stays in place while its breakpoint is disarmed (below), so it
 * checks the debug registers as they are now. */
static void on_breakpoint(uc_engine *uc, uint64_t address, uint32_t size, void *user)
{
    (void)size;
    struct sb_bp_slot *slot = user;
    struct sb_vcpu *v = slot->vcpu;
    unsigned n = slot->n;
    if (v->stop.kind != SB_STOP_NONE || !bp_armed(v, n) ||
        (v->dbgbvr[n] & BVR_ADDR_MASK) != address)
        return;
    v->stop.kind = SB_STOP_BREAKPOINT;
    v->stop.va = address;
    uc_emu_stop(uc);
}

/* Hooks are bound when code is translated: drop the blocks that cover a
 * breakpoint's address so that adding or removing its hook takes effect.
 * Only those blocks: Unicorn 2.0.1's full flush (UC_CTL_TB_FLUSH) clears its
 * whole 1 GiB code buffer, ~1 s here, and replay toggles breakpoints at
 * every landing. Guests are identity-mapped, so the VA is the PA. */
static void drop_translation(struct sb_vcpu *v, uint64_t addr)
{
    if (v->translated)
        uc_ctl_remove_cache(v->uc, addr, addr + 4);
}

/* Rebuild the breakpoint hooks after the debug registers or the trap
 * setting changed. A hook moves only when its breakpoint is armed at
 * another address; disarming leaves it (its callback checks), so stepping
 * over a breakpoint (disarm, step, re-arm: replay does it at every
 * non-matching hit) costs no retranslation. Moving one drops the blocks at
 * the old and new address so that the change takes effect. */
void sb_debug_rebuild(struct sb_vcpu *v)
{
    if (!v->bp_dirty)
        return;
    for (unsigned n = 0; n < SB_N_BREAKPOINTS; n++) {
        uint64_t addr = v->dbgbvr[n] & BVR_ADDR_MASK;
        if (!bp_armed(v, n) || (v->bp_hooks[n] && v->bp_addr[n] == addr))
            continue;
        if (v->bp_hooks[n]) {
            uc_hook_del(v->uc, v->bp_hooks[n]);
            drop_translation(v, v->bp_addr[n]);
        }
        v->bp_slots[n] = (struct sb_bp_slot){ .vcpu = v, .n = n };
        uc_hook_add(v->uc, &v->bp_hooks[n], UC_HOOK_CODE, (void *)on_breakpoint,
                    &v->bp_slots[n], addr, addr);
        v->bp_addr[n] = addr;
        drop_translation(v, addr);
    }
    v->bp_dirty = false;
}

/* The software-step state machine is active-not-pending: run one
 * instruction, then a software step exception (EC 0x32). */
bool sb_debug_stepping(struct sb_vcpu *v)
{
    return v->trap_debug_exceptions && (v->mdscr & MDSCR_SS) &&
           (sb_pstate(v->uc) & PSTATE_SS);
}

/* How many instructions uc_emu_start may run. Unicorn 2.0.1 single-steps
 * with an instruction-counting hook that it installs for a count > 0 and,
 * when a later call passes 0, removes with a full translation flush (its
 * whole 1 GiB code buffer: about a second here, more under ASan), which
 * replay would pay after every step. So an engine that has stepped once
 * keeps counting for good: later runs pass a count that never ends. The
 * blocks translated before the first step carry no counter and would run
 * whole under a step, so they are dropped then, region by region (cheap: no
 * buffer clear). The price: a counting engine runs guest code more slowly
 * (README.md, "Speed"); engines that never step (recording) do not pay it. */
size_t sb_debug_run_count(struct sb_vcpu *v, bool step)
{
    if (step && !v->counting) {
        for (unsigned i = 0; v->translated && i < v->n_mapped; i++)
            uc_ctl_remove_cache(v->uc, v->mapped[i].ipa,
                                v->mapped[i].ipa + v->mapped[i].size_bytes);
        v->counting = true;
    }
    return step ? 1 : v->counting ? SIZE_MAX : 0;
}
