/* hvt_strerror: one constant string per stable error code. */
#include "hvtrace/error.h"

static const char *const messages[] = {
	[0] = "success",
	[-HVT_E_NOMEM] = "out of memory",
	[-HVT_E_IO] = "input/output error",
	[-HVT_E_INVAL] = "invalid argument",
	[-HVT_E_BAD_MAGIC] = "bad magic number (not an hvtrace file or chunk)",
	[-HVT_E_BAD_VERSION] = "unsupported format version",
	[-HVT_E_TRUNCATED] = "file truncated",
	[-HVT_E_HEADER_CHECKSUM] = "header checksum mismatch",
	[-HVT_E_PAYLOAD_CHECKSUM] = "payload checksum mismatch",
	[-HVT_E_BAD_LENGTH] = "length or count out of bounds",
	[-HVT_E_DECOMPRESS] = "decompression failed",
	[-HVT_E_BAD_EVENT] = "malformed event",
	[-HVT_E_SEQUENCE] = "inconsistent sequence numbers or timestamps",
	[-HVT_E_NOT_FOUND] = "not found",
	[-HVT_E_UNSUPPORTED] = "not supported",
	[-HVT_E_NO_SPACE] = "no space left on device",
	[-HVT_E_CLOSED] = "writer already failed or closed",
	[-HVT_E_NO_HYPERVISOR] = "no usable hypervisor",
	[-HVT_E_BACKEND] = "hypervisor operation failed",
	[-HVT_E_BAD_IMAGE] = "bad guest image",
	[-HVT_E_DIVERGED] = "replay diverged from the recording",
	[-HVT_E_BAD_INDEX] = "footer index disagrees with the chunks",
};

const char *hvt_strerror(int err)
{
	if (err > 0 || err < HVT_E_ERROR_MIN || !messages[-err])
		return "unknown error";
	return messages[-err];
}
