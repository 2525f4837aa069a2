/* hvtrace: the metadata keys of a trace (formats/FORMAT.md, "Metadata chunk
 * payload"). One name each, shared by every writer (the recorder, the
 * interposer) and every reader (replay, info, stats), so that what one side
 * writes is what the other looks for. */
#ifndef HVTRACE_META_H
#define HVTRACE_META_H

/* Written by every recorder. */
#define HVT_META_HVTRACE_VERSION "hvtrace_version" /* the recorder's version */
#define HVT_META_BACKEND "backend"           /* HVT_BACKEND_KVM, HVT_BACKEND_HVF */
#define HVT_META_ARCH "arch"                 /* HVT_META_ARCH_X86_64 or _ARM64 */
#define HVT_META_COMMAND_LINE "command_line" /* the recording's command line */

/* The built-in VMM's configuration: what replay rebuilds the VM from. */
#define HVT_META_VCPUS "vcpus"               /* decimal vCPU count */
#define HVT_META_MEM_BYTES "mem_bytes"       /* decimal guest RAM bytes */
#define HVT_META_VCPU_SCHEDULE "vcpu_schedule" /* HVT_SCHEDULE_*: how vCPUs took turns */
#define HVT_META_SLICE_NS "slice_ns"         /* serialized: decimal time slice in ns */
#define HVT_META_COUNTER_HZ "counter_hz"     /* arm64: decimal CNTFRQ_EL0 of the recording */
#define HVT_META_IMAGE_NAME "image_name"     /* the image's path, or a description */
#define HVT_META_IMAGE_FORMAT "image_format" /* HVT_IMAGE_FORMAT_ELF or _FLAT */
#define HVT_META_ENTRY_PA "entry_pa"         /* 0x-hex guest physical entry address */
#define HVT_META_CPUID "cpuid"               /* binary CPUID table (FORMAT.md) */
#define HVT_BLOB_GUEST_IMAGE "guest-image"   /* blob: the guest image itself */

/* Written once the run has ended. */
#define HVT_META_END_REASON "end_reason"     /* decimal enum hvt_end_reason */
#define HVT_META_EXIT_CODE "exit_code"       /* decimal guest exit code, or -1 */

/* Written by the interposer (record -- COMMAND): such a trace has no image. */
#define HVT_META_INTERPOSED "interposed"     /* "1" */
#define HVT_META_PID "pid"                   /* decimal pid of the VMM process */
#define HVT_META_LOST_RECORDS "lost_records" /* decimal exit records the shim dropped */
#define HVT_META_GUEST_MAPS "guest_maps"     /* HVF: the VMM's hv_vm_map calls,
                                              * "0xIPA 0xBYTES rwx, ..." */

/* Values. */
#define HVT_META_ARCH_X86_64 "x86_64"
#define HVT_META_ARCH_ARM64 "arm64"
/* One vCPU at a time, the order recorded as TIMER events of id 2 (FORMAT.md);
 * or all at once (--parallel: no order of shared-memory accesses). */
#define HVT_SCHEDULE_SERIALIZED "serialized"
#define HVT_SCHEDULE_PARALLEL "parallel"
#define HVT_IMAGE_FORMAT_ELF "elf"
#define HVT_IMAGE_FORMAT_FLAT "flat"

#endif
