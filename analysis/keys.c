/* Row keys: names and labels. */
#include "keys.h"
#include "arm64_names.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int an_by_from_name(const char *name)
{
	static const struct {
		const char *name;
		enum an_by by;
	} names[] = {{"kind", AN_BY_KIND},       {"port", AN_BY_PORT}, {"address", AN_BY_ADDRESS},
		     {"addr", AN_BY_ADDRESS},    {"mmio", AN_BY_ADDRESS}, {"vcpu", AN_BY_VCPU},
		     {"cpu", AN_BY_VCPU},        {"sysreg", AN_BY_SYSREG},
		     {"hypercall", AN_BY_HYPERCALL}, {"hvc", AN_BY_HYPERCALL}};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i].name) == 0)
			return (int)names[i].by;
	return -1;
}

const char *an_by_name(enum an_by by)
{
	static const char *const names[] = {"kind", "port", "address", "vcpu", "sysreg",
					    "hypercall"};
	return (unsigned)by < sizeof(names) / sizeof(names[0]) ? names[by] : "?";
}

const char *an_key_format(enum an_by by, uint64_t key, char *buf, size_t len)
{
	switch (by) {
	case AN_BY_KIND:
		snprintf(buf, len, "%s", hvt_exit_kind_name((unsigned)key));
		break;
	case AN_BY_PORT:
		snprintf(buf, len, "0x%" PRIx64 ":%s", key >> 1, key & 1 ? "out" : "in");
		break;
	case AN_BY_ADDRESS:
		snprintf(buf, len, "0x%" PRIx64 ":%s", key >> 1, key & 1 ? "write" : "read");
		break;
	case AN_BY_VCPU:
		snprintf(buf, len, "vcpu%" PRIu64, key);
		break;
	case AN_BY_SYSREG:
		an_sysreg_format((uint32_t)(key >> 1), key & 1, buf, len);
		break;
	case AN_BY_HYPERCALL:
		an_hypercall_format((uint32_t)key, (uint32_t)(key >> 32), buf, len);
		break;
	}
	return buf;
}
