/* hvtrace core: the shared memory between an interposed VMM and `hvtrace
 * record -- COMMAND` (docs/interpose.md).
 *
 * The launcher creates one region (a memfd) before it execs the VMM and
 * passes its fd number in HVT_IRING_ENV. The shim inside the VMM maps it at
 * load time; from then on all it ever does is append fixed-size records to
 * the ring of the vCPU that exited: no allocation, no file, no thread, no
 * syscall on the way except a futex wait when a ring is full (every VMM
 * allowlist has futex: glibc's locks need it). The launcher, outside any
 * sandbox the VMM installs, drains the rings and writes the trace, so a VMM
 * that dies loses nothing that was published here.
 *
 * Nothing here knows KVM or HVF: records carry portable exit kinds; the
 * KVM shim (core/kvm/shim/) and the HVF one (core/hvf/shim/) share it.
 */
#ifndef HVT_CORE_INTERPOSE_RING_H
#define HVT_CORE_INTERPOSE_RING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* "FD:INODE:PID" of the region, set by the launcher for the shim: the fd
 * the VMM inherits, the memfd's inode (guards against a number that was
 * closed and reused) and the launcher's pid (/proc/PID/fd/FD reopens it
 * when a wrapper closed inherited fds before exec'ing the VMM). */
#define HVT_IRING_ENV "HVTRACE_SHIM_RING"

#define HVT_IRING_MAGIC 0x676e697254564868ull /* "hHVTring" */
#define HVT_IRING_VERSION 2u     /* 2: HVF records (EXIT_ARM64, EVENT), recorder_api, maps */
#define HVT_IRING_RINGS 256u       /* one per vCPU id: HVT_MAX_STREAMS */
#define HVT_IRING_RECORDS 16384u   /* per ring, a power of two: 1 MiB of records */
#define HVT_IRING_DATA_BYTES 56u   /* payload of one DATA record */
#define HVT_IRING_MAX_DATA 4096u   /* most data one exit carries: a kvm_run page */
/* A producer waits at most this long for a consumer that shows no sign of
 * life before it drops records instead (counted in lost). */
#define HVT_IRING_CONSUMER_DEAD_NS 2000000000ull
#define HVT_IRING_MAPS 64u         /* guest memory mappings kept (hv_vm_map) */

/* Which interposer claimed the region (recorder_api). */
enum hvt_iring_api { HVT_IRING_API_NONE = 0, HVT_IRING_API_KVM = 1, HVT_IRING_API_HVF = 2 };

/* Record types. */
enum hvt_iring_type {
	HVT_IREC_EXIT = 1,   /* KVM_RUN returned: the exit as far as it is known */
	HVT_IREC_ENTRY = 2,  /* the next KVM_RUN of that vCPU: read result, handling time */
	HVT_IREC_DATA = 3,   /* the next data_len bytes of the EXIT or ENTRY before */
	HVT_IREC_END = 4,    /* the VMM is exiting: the vCPU's stream ends */
	HVT_IREC_ABANDON = 5, /* the vCPU id was created again (KVM) or destroyed (HVF): its
	                       * pending exit never re-entered */
	HVT_IREC_EXIT_ARM64 = 6, /* follows an HVF EXIT: pc, syndrome, fault_va */
	HVT_IREC_EVENT = 7   /* a non-exit event (kind = its hvt_event_type, flags = its kind):
	                      * interrupt set, vtimer mask change, exec-time sample */
};

/* ENTRY flags. */
#define HVT_IREC_HAS_VALUE 0x1u /* value (and data) hold what the VMM returned for a read */

/* One 64-byte record. Times are host CLOCK_MONOTONIC ns. */
struct hvt_iring_rec {
	uint8_t type;          /* enum hvt_iring_type */
	uint8_t kind;          /* EXIT: enum hvt_exit_kind; DATA: payload bytes used */
	uint16_t flags;        /* EXIT: HVT_EVF_*; ENTRY: HVT_IREC_* */
	uint32_t raw_reason;   /* EXIT: the backend's exit reason */
	union {
		struct {
			uint64_t time_ns;  /* EXIT: return of the run call; ENTRY: next call */
			uint64_t run_ns;   /* EXIT: time inside the run call */
			uint64_t addr;     /* EXIT: port or guest physical address */
			uint64_t value;    /* EXIT: data written or errno; ENTRY: data read */
			uint32_t size;     /* EXIT: access size in bytes */
			uint32_t count;    /* EXIT: string I/O repetitions */
			uint32_t data_len; /* bytes in the DATA records that follow */
			uint32_t reserved;
		} ev;
		struct {
			uint64_t time_ns;  /* unused: the EXIT's */
			uint64_t pc;       /* guest PC at the exit */
			uint64_t syndrome; /* ESR of an EXCEPTION exit */
			uint64_t fault_va; /* FAR of a data abort */
		} arm64;                   /* EXIT_ARM64 */
		struct {
			uint64_t time_ns;  /* when the VMM made the call */
			uint64_t addr;     /* the event's addr (interrupt type, timer id) */
			uint64_t value;    /* the event's value (CNTV_CVAL, exec ns) */
			uint64_t pc;       /* guest PC, 0 when not read */
		} aux;                     /* EVENT */
		uint8_t bytes[HVT_IRING_DATA_BYTES]; /* DATA */
	} u;
};

/* One vCPU's single-producer single-consumer ring. The producer is the
 * thread in KVM_RUN for that vCPU (the shim serialises the exit path
 * against it); the consumer is the launcher. Counters only grow. */
struct hvt_iring {
	_Alignas(64) _Atomic uint64_t head;  /* records published by the producer */
	_Alignas(64) _Atomic uint64_t tail;  /* records consumed by the launcher */
	_Atomic uint32_t tail_futex;         /* low 32 bits of tail: what a full producer waits on */
	_Atomic uint32_t producer_waiting;   /* 1 while the producer sleeps on tail_futex */
	_Atomic uint64_t lost;               /* records dropped: the consumer was gone */
	_Alignas(64) struct hvt_iring_rec recs[HVT_IRING_RECORDS];
};

/* One guest memory mapping (hv_vm_map), written by whichever thread maps:
 * the slot is taken with a fetch-add of n_maps, ready is stored last. */
struct hvt_iring_map {
	_Atomic uint32_t ready;           /* 1 once the fields below are written */
	uint32_t flags;                   /* hv_memory_flags_t: 1 read, 2 write, 4 exec */
	uint64_t ipa;                     /* guest physical address */
	uint64_t bytes;                   /* size */
	uint64_t time_ns;                 /* monotonic ns of the call */
};

/* The region: this header, then HVT_IRING_RINGS rings (pages of rings no
 * vCPU uses are never touched, so they cost no memory). */
struct hvt_iring_region {
	uint64_t magic;                   /* HVT_IRING_MAGIC */
	uint32_t version;                 /* HVT_IRING_VERSION */
	uint32_t rec_bytes;               /* sizeof(struct hvt_iring_rec) */
	uint64_t region_bytes;            /* sizeof(struct hvt_iring_region) */
	_Atomic uint32_t loaded;          /* processes the shim entered */
	_Atomic int32_t recorder_pid;     /* the process that records (claimed at KVM_CREATE_VM) */
	_Atomic uint32_t finished;        /* the recorder's exit path ended every stream */
	_Atomic uint32_t recorder_api;    /* enum hvt_iring_api of the claim */
	_Atomic uint64_t used[HVT_IRING_RINGS / 64]; /* bit i: a vCPU with id i was created
	                                              * (the launcher reads no other ring) */
	_Atomic uint64_t consumer_beat_ns;/* the launcher's last drain (monotonic ns) */
	_Atomic uint32_t n_maps;          /* hv_vm_map calls seen (may exceed HVT_IRING_MAPS) */
	uint32_t reserved2;
	struct hvt_iring_map maps[HVT_IRING_MAPS]; /* the first HVT_IRING_MAPS of them */
	_Alignas(4096) struct hvt_iring rings[HVT_IRING_RINGS];
};

/* Initialises a zeroed region (launcher). */
void hvt_iring_region_init(struct hvt_iring_region *r);
/* 0 when base points at a region this build understands (shim). */
int hvt_iring_region_check(const struct hvt_iring_region *r, size_t mapped_bytes);

/* Producer: appends n records at once (one publication). Waits while the
 * ring is full and the consumer lives; drops and counts them otherwise.
 * Returns 0, or -1 when dropped. Async-signal-safe, no allocation. */
int hvt_iring_push(struct hvt_iring_region *region, struct hvt_iring *ring,
		   const struct hvt_iring_rec *recs, unsigned n);
/* Producer: appends an EXIT or ENTRY record followed by its data. */
int hvt_iring_push_with_data(struct hvt_iring_region *region, struct hvt_iring *ring,
			     const struct hvt_iring_rec *head, const uint8_t *data, uint32_t len);

/* Consumer: copies up to max records out and releases their slots (waking
 * a producer that waits). Returns how many. */
unsigned hvt_iring_pop(struct hvt_iring *ring, struct hvt_iring_rec *out, unsigned max);
/* Consumer: records that are published but not consumed yet. */
uint64_t hvt_iring_pending(const struct hvt_iring *ring);

#endif
