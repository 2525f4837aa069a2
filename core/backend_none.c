/* Platforms without a backend yet (macOS before core/hvf/): hvt_vm_create
 * then fails with HVT_E_NO_HYPERVISOR instead of a link error. */
#include "backend.h"

const hvt_backend_ops *hvt_backend_kvm(void)
{
	return 0;
}
