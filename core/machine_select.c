/* Which backend runs a guest, and which image it runs.
 *
 * The image decides when it can (an EM_AARCH64 ELF needs HVF, an EM_X86_64
 * one KVM); an explicit choice that contradicts it is refused rather than
 * run into a certain crash. A flat image, or no image (the demo guest), runs
 * on the backend asked for, else on the platform's own: KVM where this build
 * has it, HVF otherwise (macOS). */
#include "errmsg.h"
#include "hvtrace/error.h"
#include "loader.h"
#include "machine.h"

static const char *choice_name(int choice)
{
	return choice == HVT_BACKEND_USE_HVF ? HVT_BACKEND_HVF : HVT_BACKEND_KVM;
}

static int image_arch(const hvt_machine_config *cfg)
{
	static const uint8_t elf_magic[4] = { 0x7f, 'E', 'L', 'F' };
	int is_elf = cfg->image_len_bytes >= 4 && cfg->image[0] == elf_magic[0] &&
		     cfg->image[1] == elf_magic[1] && cfg->image[2] == elf_magic[2] &&
		     cfg->image[3] == elf_magic[3];

	if (cfg->image_format == HVT_IMAGE_FLAT || (cfg->image_format == HVT_IMAGE_AUTO && !is_elf))
		return HVT_ARCH_UNKNOWN;
	return hvt_elf_arch(cfg->image, cfg->image_len_bytes);
}

static int pick_choice(const hvt_machine_config *cfg, int arch, char *msg, size_t msg_len)
{
	int want = arch == HVT_ARCH_ARM64 ? HVT_BACKEND_USE_HVF :
		   arch == HVT_ARCH_X86_64 ? HVT_BACKEND_USE_KVM : HVT_BACKEND_AUTO;

	HVT_FAIL_IF(cfg->backend < HVT_BACKEND_AUTO || cfg->backend > HVT_BACKEND_USE_HVF, msg,
		    msg_len, HVT_E_INVAL, "unknown backend choice %d", cfg->backend);
	if (cfg->backend == HVT_BACKEND_AUTO)
		return want != HVT_BACKEND_AUTO ? want :
		       hvt_backend_kvm() ? HVT_BACKEND_USE_KVM : HVT_BACKEND_USE_HVF;
	HVT_FAIL_IF(want != HVT_BACKEND_AUTO && want != cfg->backend, msg, msg_len, HVT_E_INVAL,
		    "the guest image is an %s ELF, which the %s backend cannot run (use the "
		    "%s backend, or auto)", arch == HVT_ARCH_ARM64 ? "AArch64" : "x86-64",
		    choice_name(cfg->backend), choice_name(want));
	return cfg->backend;
}

static int pick_ops(int choice, const hvt_backend_ops **ops, char *msg, size_t msg_len)
{
	*ops = choice == HVT_BACKEND_USE_HVF ? hvt_backend_hvf() : hvt_backend_kvm();
	HVT_FAIL_IF(!*ops && choice == HVT_BACKEND_USE_HVF, msg, msg_len, HVT_E_NO_HYPERVISOR,
		    "the HVF backend is not in this build: install libunicorn-dev and rebuild");
	HVT_FAIL_IF(!*ops, msg, msg_len, HVT_E_NO_HYPERVISOR,
		    "the KVM backend is not in this build (it exists on Linux x86-64 only)");
	return 0;
}

static int pick_image(const hvt_machine_config *cfg, hvt_machine *m, char *msg, size_t msg_len)
{
	if (cfg->image) {
		m->image = cfg->image;
		m->image_len_bytes = cfg->image_len_bytes;
		return 0;
	}
	m->image = m->arch->id == HVT_ARCH_ARM64 ? hvt_demo_guest_arm64 : hvt_demo_guest;
	m->image_len_bytes = m->arch->id == HVT_ARCH_ARM64 ? hvt_demo_guest_arm64_len :
			     hvt_demo_guest_len;
	HVT_FAIL_IF(m->image_len_bytes == 0, msg, msg_len, HVT_E_BAD_IMAGE,
		    "this build has no embedded %s demo guest (its compiler was missing): "
		    "give a guest image", m->arch->name);
	return 0;
}

int hvt_machine_select(const hvt_machine_config *cfg, hvt_machine *m, char *msg,
		       size_t msg_len)
{
	int arch = cfg->image ? image_arch(cfg) : HVT_ARCH_UNKNOWN;
	int choice;

	/* An ELF of another machine gets here as UNKNOWN: the loader refuses it. */
	choice = pick_choice(cfg, arch, msg, msg_len);
	HVT_FORWARD(choice);
	HVT_FORWARD(pick_ops(choice, &m->ops, msg, msg_len));
	m->arch = hvt_arch_of_backend(m->ops);
	return pick_image(cfg, m, msg, msg_len);
}
