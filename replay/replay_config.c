#include "replay_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvtrace/error.h"

/* A numeric metadata value; decimal or 0x hex. */
static int meta_u64(hvt_reader *r, const char *key, uint64_t *out, char *msg, size_t msg_len)
{
	const char *v;
	char *end;
	if (hvt_reader_meta_get(r, key, &v, NULL) != 0) {
		snprintf(msg, msg_len, "the trace has no '%s' metadata: it was not recorded by hvtrace's VMM", key);
		return HVT_E_NOT_FOUND;
	}
	errno = 0;
	*out = strtoull(v, &end, 0);
	if (errno || end == v || *end) {
		snprintf(msg, msg_len, "metadata '%s' is not a number: '%s'", key, v);
		return HVT_E_BAD_LENGTH;
	}
	return 0;
}

static int meta_is(hvt_reader *r, const char *key, const char *want, char *msg, size_t msg_len)
{
	const char *v;
	if (hvt_reader_meta_get(r, key, &v, NULL) != 0 || strcmp(v, want) != 0) {
		snprintf(msg, msg_len, "the trace was recorded with %s '%s'; replay supports '%s'", key,
			 hvt_reader_meta_get(r, key, &v, NULL) == 0 ? v : "(none)", want);
		return HVT_E_UNSUPPORTED;
	}
	return 0;
}

static void read_end(hvt_reader *r, struct hvt_replay_config *cfg)
{
	uint64_t v;
	char ignore[8];
	cfg->recorded_end_reason = -1;
	cfg->recorded_exit_code = -1;
	if (meta_u64(r, "end_reason", &v, ignore, sizeof(ignore)) == 0 && v <= HVT_END_REASON_MAX)
		cfg->recorded_end_reason = (int)v;
	if (meta_u64(r, "exit_code", &v, ignore, sizeof(ignore)) == 0)
		cfg->recorded_exit_code = (int64_t)v;
}

int hvt_replay_config_read(hvt_reader *r, struct hvt_replay_config *cfg, char *msg, size_t msg_len)
{
	uint64_t vcpus, mem, entry;
	const char *fmt, *cpuid;
	size_t cpuid_len;
	memset(cfg, 0, sizeof(*cfg));
	const char *interposed;
	if (hvt_reader_meta_get(r, "interposed", &interposed, NULL) == 0 && strcmp(interposed, "1") == 0) {
		snprintf(msg, msg_len, "the trace was recorded by interposing on another VMM "
			 "(record -- COMMAND): its devices are not hvtrace's, so it cannot be "
			 "replayed; stats, export and diff work on it");
		return HVT_E_UNSUPPORTED;
	}
	int err = meta_is(r, "backend", "kvm", msg, msg_len);
	err = err ? err : meta_is(r, "arch", "x86_64", msg, msg_len);
	err = err ? err : meta_u64(r, "vcpus", &vcpus, msg, msg_len);
	err = err ? err : meta_u64(r, "mem_bytes", &mem, msg, msg_len);
	err = err ? err : meta_u64(r, "entry_pa", &entry, msg, msg_len);
	if (err)
		return err;
	if (vcpus == 0 || vcpus > HVT_MAX_STREAMS) {
		snprintf(msg, msg_len, "metadata vcpus=%llu is out of range", (unsigned long long)vcpus);
		return HVT_E_BAD_LENGTH;
	}
	if (hvt_reader_meta_get(r, "image_format", &fmt, NULL) != 0 ||
	    (strcmp(fmt, "elf") != 0 && strcmp(fmt, "flat") != 0)) {
		snprintf(msg, msg_len, "the trace does not say whether its image is ELF or flat");
		return HVT_E_NOT_FOUND;
	}
	if (hvt_reader_meta_get(r, "cpuid", &cpuid, &cpuid_len) != 0) {
		snprintf(msg, msg_len, "the trace has no CPUID table");
		return HVT_E_NOT_FOUND;
	}
	if ((err = hvt_reader_blob(r, "guest-image", &cfg->image, &cfg->image_len_bytes)) != 0) {
		snprintf(msg, msg_len, "the guest image cannot be read from the trace: %s", hvt_reader_error(r));
		return err;
	}
	cfg->vcpus = (unsigned)vcpus;
	cfg->mem_bytes = mem;
	cfg->entry_pa = entry;
	cfg->image_format = strcmp(fmt, "elf") == 0 ? 1 : 2;
	cfg->cpuid = (const uint8_t *)cpuid;
	cfg->cpuid_len_bytes = cpuid_len;
	read_end(r, cfg);
	return 0;
}
