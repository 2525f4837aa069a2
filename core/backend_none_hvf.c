/* Builds without the Hypervisor.framework backend (Linux without the
 * stand-in of compat/hvf/): `--backend hvf` and arm64 images then fail with
 * HVT_E_NO_HYPERVISOR and a message saying how to get it. */
#include "backend.h"

const hvt_backend_ops *hvt_backend_hvf(void)
{
	return 0;
}
