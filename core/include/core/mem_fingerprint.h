/* hvtrace core: the memory fingerprint of an asynchronous landing (issue
 * 13). Registers alone cannot tell apart two iterations of a loop whose
 * only changing state is memory; this fingerprint can. The recorder takes
 * one where it lands an ASYNC interrupt, replay takes one at every
 * breakpoint hit whose registers match, and lands where both agree.
 *
 * Methods (the byte stored in the INTERRUPT event, formats/FORMAT.md):
 *   HVT_FP_RAM    XXH3-64 over all of guest RAM, any backend (HVF has no
 *                 dirty log);
 *   HVT_FP_DIRTY  XXH3-64 over (page number as u64 LE, page bytes) of every
 *                 page the guest wrote since the previous landing (or since
 *                 the VM started), in page order: the backend's dirty log
 *                 (KVM). A few pages instead of all of RAM.
 * Both cover what the guest wrote of all its vCPUs: meaningful only while
 * one vCPU runs at a time (one vCPU, or a serialized recording).
 */
#ifndef HVT_CORE_MEM_FINGERPRINT_H
#define HVT_CORE_MEM_FINGERPRINT_H

#include <stdint.h>
#include "machine.h"

enum hvt_fp_method {
	HVT_FP_NONE = 0,  /* v1 traces, and parallel multi-vCPU recordings */
	HVT_FP_RAM = 1,
	HVT_FP_DIRTY = 2,
	HVT_FP_METHOD_MAX = HVT_FP_DIRTY,
};

/* The landing extension after the register file: u8 method, 7 zero bytes,
 * u64 LE fingerprint. */
#define HVT_FP_EXT_BYTES 16u

typedef struct hvt_mem_fp {
	hvt_machine *m;           /* borrowed: RAM and the backend's dirty log */
	uint64_t *dirty;          /* pages written since the last restart */
	uint64_t n_pages;         /* bits in dirty */
	void *xxh;                /* XXH3 streaming state (HVT_FP_DIRTY) */
	uint64_t takes;           /* fingerprints taken */
	uint64_t take_ns;         /* host ns spent taking them and restarting */
} hvt_mem_fp;

/* Ready to take either method's fingerprints over m's RAM. */
int hvt_mem_fp_init(hvt_mem_fp *fp, hvt_machine *m);
void hvt_mem_fp_fini(hvt_mem_fp *fp); /* accepts a zeroed or finished fp */
/* The method a recording of this machine uses: HVT_FP_DIRTY when the
 * backend has a dirty log, else HVT_FP_RAM. */
int hvt_mem_fp_best(const hvt_machine *m);
/* The fingerprint of memory now (HVT_FP_DIRTY: of the pages written since
 * the last restart; calling again later widens that set). No vCPU runs. */
int hvt_mem_fp_take(hvt_mem_fp *fp, int method, uint64_t *out);
/* A landing happened here: the next HVT_FP_DIRTY fingerprint covers writes
 * from now on. */
int hvt_mem_fp_restart(hvt_mem_fp *fp);

/* The written-page set as a checkpoint keeps it (replay/gdb): a restore
 * must bring it back, or the next HVT_FP_DIRTY fingerprint would cover the
 * pages written on the abandoned path. hvt_mem_fp_words: its size in u64
 * words. save folds the backend's pending log in first; load discards the
 * backend's pending log, so the next fingerprint covers the saved set plus
 * what the guest writes from then on. No vCPU runs. */
size_t hvt_mem_fp_words(const hvt_mem_fp *fp);
int hvt_mem_fp_save(hvt_mem_fp *fp, uint64_t *words);
int hvt_mem_fp_load(hvt_mem_fp *fp, const uint64_t *words);

/* The extension bytes, and their check: 0, or HVT_E_BAD_EVENT for an unknown
 * method or non-zero reserved bytes. */
void hvt_mem_fp_put(uint8_t ext[HVT_FP_EXT_BYTES], int method, uint64_t value);
int hvt_mem_fp_get(const uint8_t ext[HVT_FP_EXT_BYTES], int *method, uint64_t *value);
const char *hvt_mem_fp_method_name(int method);

#endif
