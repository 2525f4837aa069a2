/* hvtrace: error codes. Every function that can fail returns 0 or one of
 * these negative values. Codes are stable: never renumber, only append. */
#ifndef HVTRACE_ERROR_H
#define HVTRACE_ERROR_H

#include "hvtrace/api.h"

#ifdef __cplusplus
extern "C" {
#endif

enum hvt_error {
	HVT_OK = 0,
	HVT_E_NOMEM = -1,          /* out of memory */
	HVT_E_IO = -2,             /* read/write/open failed (errno kept in the message) */
	HVT_E_INVAL = -3,          /* bad argument from the caller */
	HVT_E_BAD_MAGIC = -4,      /* not an hvtrace file, or a chunk magic is wrong */
	HVT_E_BAD_VERSION = -5,    /* a format version this build cannot read */
	HVT_E_TRUNCATED = -6,      /* the file ends inside a header or chunk */
	HVT_E_HEADER_CHECKSUM = -7,/* a file or chunk header fails its XXH3 check */
	HVT_E_PAYLOAD_CHECKSUM = -8,/* a chunk payload fails its XXH3 check */
	HVT_E_BAD_LENGTH = -9,     /* a length or count is out of its bounds */
	HVT_E_DECOMPRESS = -10,    /* zstd rejected a payload or its size is not the declared one */
	HVT_E_BAD_EVENT = -11,     /* an event's encoding is malformed */
	HVT_E_SEQUENCE = -12,      /* sequence numbers or timestamps are inconsistent */
	HVT_E_NOT_FOUND = -13,     /* no such stream, key, blob or position */
	HVT_E_UNSUPPORTED = -14,   /* a feature this build does not have */
	HVT_E_NO_SPACE = -15,      /* the disk is full (ENOSPC, EDQUOT) */
	HVT_E_CLOSED = -16,        /* the writer already failed or was closed */
	HVT_E_NO_HYPERVISOR = -17, /* no usable hypervisor (/dev/kvm missing or denied) */
	HVT_E_BACKEND = -18,       /* the hypervisor refused an operation */
	HVT_E_BAD_IMAGE = -19,     /* a guest image is malformed or does not fit */
	HVT_E_DIVERGED = -20,      /* replay left the recorded execution */
	HVT_E_BAD_INDEX = -21,     /* the footer index disagrees with the chunks */
	HVT_E_ERROR_MIN = -21
};

/* A short, constant description of an error code ("payload checksum mismatch").
 * Unknown codes give "unknown error". Never NULL. */
HVT_API const char *hvt_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif
