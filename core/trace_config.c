/* The record/replay contract: the VM's configuration as trace metadata,
 * written by the recorder and read back by replay, side by side so that the
 * two cannot drift apart. */
#include "trace_config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvtrace/error.h"

static int put_u64(hvt_writer *w, const char *key, int hex, uint64_t v)
{
	char buf[32];
	if (hex)
		snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	else
		snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return hvt_writer_set_meta_str(w, key, buf);
}

/* With several vCPUs: whether their turns were recorded (the replay of a
 * parallel recording may diverge where they share memory). */
static int write_schedule(hvt_writer *w, const hvt_vm *vm)
{
	uint64_t slice_ns = hvt_vm_slice_ns(vm);
	int err = hvt_writer_set_meta_str(w, HVT_META_VCPU_SCHEDULE,
					  slice_ns ? HVT_SCHEDULE_SERIALIZED : HVT_SCHEDULE_PARALLEL);
	return err || !slice_ns ? err : put_u64(w, HVT_META_SLICE_NS, 0, slice_ns);
}

int hvt_trace_config_write(hvt_writer *w, const hvt_vm *vm, const char *image_name,
			   const char *command_line)
{
	const uint8_t *bytes;
	size_t len;
	const hvt_load_info *li = hvt_vm_load_info(vm);
	int err = hvt_writer_set_meta_str(w, HVT_META_HVTRACE_VERSION, HVT_VERSION_STRING);
	err = err ? err : hvt_writer_set_meta_str(w, HVT_META_BACKEND, hvt_vm_backend_name(vm));
	err = err ? err : hvt_writer_set_meta_str(w, HVT_META_ARCH, hvt_vm_arch_name(vm));
	err = err ? err : put_u64(w, HVT_META_VCPUS, 0, hvt_vm_vcpu_count(vm));
	err = err ? err : put_u64(w, HVT_META_MEM_BYTES, 0, hvt_vm_mem_bytes(vm));
	if (!err && hvt_vm_vcpu_count(vm) > 1)
		err = write_schedule(w, vm);
	if (!err && hvt_vm_counter_hz(vm))
		err = put_u64(w, HVT_META_COUNTER_HZ, 0, hvt_vm_counter_hz(vm));
	err = err ? err : hvt_writer_set_meta_str(w, HVT_META_IMAGE_NAME, image_name);
	err = err ? err : hvt_writer_set_meta_str(w, HVT_META_IMAGE_FORMAT,
		li->format == HVT_IMAGE_ELF ? HVT_IMAGE_FORMAT_ELF : HVT_IMAGE_FORMAT_FLAT);
	err = err ? err : put_u64(w, HVT_META_ENTRY_PA, 1, li->entry_pa);
	err = err ? err : hvt_writer_set_meta_str(w, HVT_META_COMMAND_LINE, command_line);
	if (!err && hvt_vm_cpuid(vm, &bytes, &len) == 0)
		err = hvt_writer_set_meta(w, HVT_META_CPUID, bytes, len);
	hvt_vm_image(vm, &bytes, &len);
	return err ? err : hvt_writer_put_blob(w, HVT_BLOB_GUEST_IMAGE, bytes, len);
}

int hvt_trace_config_write_end(hvt_writer *w, const hvt_vm_result *res)
{
	char code[16]; /* signed, as FORMAT.md says: -1 when the guest did not power off */
	int err = put_u64(w, HVT_META_END_REASON, 0, (uint64_t)res->end_reason);
	snprintf(code, sizeof(code), "%d", res->exit_code);
	return err ? err : hvt_writer_set_meta_str(w, HVT_META_EXIT_CODE, code);
}

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

/* A text metadata value, or "(none)". */
static const char *meta_text(hvt_reader *r, const char *key)
{
	const char *v;
	return hvt_reader_meta_get(r, key, &v, NULL) == 0 ? v : "(none)";
}

/* Which backend replays the trace: the one that recorded it, which must be
 * one that runs the recorded architecture (KVM x86-64, HVF arm64). */
static int read_machine_kind(hvt_reader *r, struct hvt_trace_config *cfg, char *msg,
			     size_t msg_len)
{
	const char *backend = meta_text(r, HVT_META_BACKEND), *arch = meta_text(r, HVT_META_ARCH);

	cfg->backend = strcmp(backend, HVT_BACKEND_KVM) == 0 ? HVT_BACKEND_USE_KVM :
		       strcmp(backend, HVT_BACKEND_HVF) == 0 ? HVT_BACKEND_USE_HVF : HVT_BACKEND_AUTO;
	cfg->arch = strcmp(arch, HVT_META_ARCH_X86_64) == 0 ? HVT_ARCH_X86_64 :
		    strcmp(arch, HVT_META_ARCH_ARM64) == 0 ? HVT_ARCH_ARM64 : HVT_ARCH_UNKNOWN;
	if (cfg->backend == HVT_BACKEND_AUTO || cfg->arch == HVT_ARCH_UNKNOWN) {
		snprintf(msg, msg_len, "the trace was recorded with backend '%s' and arch '%s'; "
			 "replay supports '%s' with '%s' and '%s' with '%s'", backend, arch,
			 HVT_BACKEND_KVM, HVT_META_ARCH_X86_64, HVT_BACKEND_HVF, HVT_META_ARCH_ARM64);
		return HVT_E_UNSUPPORTED;
	}
	if ((cfg->backend == HVT_BACKEND_USE_HVF) != (cfg->arch == HVT_ARCH_ARM64)) {
		snprintf(msg, msg_len, "the trace's metadata disagree: backend '%s' cannot have "
			 "run an '%s' guest", backend, arch);
		return HVT_E_INVAL;
	}
	return 0;
}

/* x86-64 guests saw the recorded CPUID table; arm64 has none to check. */
static int read_cpuid(hvt_reader *r, struct hvt_trace_config *cfg, char *msg, size_t msg_len)
{
	const char *cpuid;
	size_t len;

	if (hvt_reader_meta_get(r, HVT_META_CPUID, &cpuid, &len) == 0) {
		cfg->cpuid = (const uint8_t *)cpuid;
		cfg->cpuid_len_bytes = len;
		return 0;
	}
	if (cfg->arch == HVT_ARCH_ARM64)
		return 0;
	snprintf(msg, msg_len, "the trace has no CPUID table");
	return HVT_E_NOT_FOUND;
}

/* Informational keys: absent or malformed leaves the default. */
static void read_end(hvt_reader *r, struct hvt_trace_config *cfg)
{
	uint64_t v;
	char ignore[8];
	if (meta_u64(r, HVT_META_COUNTER_HZ, &v, ignore, sizeof(ignore)) == 0)
		cfg->counter_hz = v;
	cfg->recorded_end_reason = -1;
	cfg->recorded_exit_code = -1;
	if (meta_u64(r, HVT_META_END_REASON, &v, ignore, sizeof(ignore)) == 0 && v <= HVT_END_REASON_MAX)
		cfg->recorded_end_reason = (int)v;
	if (meta_u64(r, HVT_META_EXIT_CODE, &v, ignore, sizeof(ignore)) == 0)
		cfg->recorded_exit_code = (int64_t)v;
}

int hvt_trace_config_read(hvt_reader *r, struct hvt_trace_config *cfg, char *msg, size_t msg_len)
{
	uint64_t vcpus, mem, entry;
	const char *fmt;
	memset(cfg, 0, sizeof(*cfg));
	const char *interposed;
	if (hvt_reader_meta_get(r, HVT_META_INTERPOSED, &interposed, NULL) == 0 && strcmp(interposed, "1") == 0) {
		snprintf(msg, msg_len, "the trace was recorded by interposing on another VMM "
			 "(record -- COMMAND): its devices are not hvtrace's, so it cannot be "
			 "replayed; stats, export and diff work on it");
		return HVT_E_UNSUPPORTED;
	}
	int err = read_machine_kind(r, cfg, msg, msg_len);
	err = err ? err : meta_u64(r, HVT_META_VCPUS, &vcpus, msg, msg_len);
	err = err ? err : meta_u64(r, HVT_META_MEM_BYTES, &mem, msg, msg_len);
	err = err ? err : meta_u64(r, HVT_META_ENTRY_PA, &entry, msg, msg_len);
	if (err)
		return err;
	if (vcpus == 0 || vcpus > HVT_MAX_STREAMS) {
		snprintf(msg, msg_len, "metadata vcpus=%llu is out of range", (unsigned long long)vcpus);
		return HVT_E_BAD_LENGTH;
	}
	if (hvt_reader_meta_get(r, HVT_META_IMAGE_FORMAT, &fmt, NULL) != 0 ||
	    (strcmp(fmt, HVT_IMAGE_FORMAT_ELF) != 0 && strcmp(fmt, HVT_IMAGE_FORMAT_FLAT) != 0)) {
		snprintf(msg, msg_len, "the trace does not say whether its image is ELF or flat");
		return HVT_E_NOT_FOUND;
	}
	if ((err = read_cpuid(r, cfg, msg, msg_len)) != 0)
		return err;
	if ((err = hvt_reader_blob(r, HVT_BLOB_GUEST_IMAGE, &cfg->image, &cfg->image_len_bytes)) != 0) {
		snprintf(msg, msg_len, "the guest image cannot be read from the trace: %s", hvt_reader_error(r));
		return err;
	}
	cfg->vcpus = (unsigned)vcpus;
	cfg->mem_bytes = mem;
	cfg->entry_pa = entry;
	cfg->image_format = strcmp(fmt, HVT_IMAGE_FORMAT_ELF) == 0 ? HVT_IMAGE_ELF : HVT_IMAGE_FLAT;
	read_end(r, cfg);
	return 0;
}
