/* The GPU probe against fixture trees: DRM cards, AMD VRAM, NVIDIA's /proc files, merging by PCI
 * address, symlinks inside and out of the tree, and hostile files. NVML is not asked here (no host, no
 * library path); tests/host/test_nvml.c covers it with a fake library. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "noa/hardware.h"

static void source(struct noa_probe_source *src, const char *fixture, const char *const *env)
{
	char dir[512];
	memset(src, 0, sizeof *src);
	snprintf(dir, sizeof dir, "%s/fixtures/%s", NOA_TEST_DIR, fixture);
	cr_assert_eq(noa_sysroot_init(&src->root, dir), 0);
	src->env.vars = env;
}

static const char *const no_env[] = {NULL};

Test(gpu, nvidia_cards_merge_drm_and_proc_by_bus_address)
{
	struct noa_probe_source src;
	struct noa_hardware hw;
	source(&src, "x86-nvidia-server", no_env);
	noa_probe_gpus(&hw, &src);
	cr_assert_eq(hw.ngpus, 2, "two cards, the connector skipped, /proc entries merged");
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(hw.gpus[i].vendor, NOA_GPU_NVIDIA);
		cr_assert_str_eq(hw.gpus[i].name, "NVIDIA H100 80GB HBM3");
		cr_assert_str_eq(hw.gpus[i].pci_id, "10de:2330");
		cr_assert_str_eq(hw.gpus[i].driver_version, "535.104.05");
		cr_assert_eq(hw.gpus[i].memory_bytes, -1, "memory is known only through NVML");
	}
}

Test(gpu, amd_vram_comes_from_sysfs)
{
	struct noa_probe_source src;
	struct noa_hardware hw;
	source(&src, "amd-gpu-server", no_env);
	noa_probe_gpus(&hw, &src);
	cr_assert_eq(hw.ngpus, 1);
	cr_assert_eq(hw.gpus[0].vendor, NOA_GPU_AMD);
	cr_assert_str_eq(hw.gpus[0].pci_id, "1002:740f");
	cr_assert_eq(hw.gpus[0].memory_bytes, 68702699520LL);
	cr_assert_str_empty(hw.gpus[0].name);
	cr_assert_str_empty(hw.gpus[0].driver_version);
}

Test(gpu, intel_igpu_has_no_memory_figure)
{
	struct noa_probe_source src;
	struct noa_hardware hw;
	source(&src, "edge-igpu", no_env);
	noa_probe_gpus(&hw, &src);
	cr_assert_eq(hw.ngpus, 1);
	cr_assert_eq(hw.gpus[0].vendor, NOA_GPU_INTEL);
	cr_assert_str_eq(hw.gpus[0].pci_id, "8086:3185");
	cr_assert_eq(hw.gpus[0].memory_bytes, -1);
}

Test(gpu, hostile_files_give_unknowns_not_gpus)
{
	struct noa_probe_source src;
	struct noa_hardware hw;
	source(&src, "broken-garbage", no_env);
	noa_probe_gpus(&hw, &src);
	/* card0's vendor id holds a NUL byte: skipped. card7 is an AMD card with negative VRAM: listed,
	 * memory unknown, its address unknown. The garbage NVIDIA entry has no usable bus location. */
	cr_assert_eq(hw.ngpus, 1);
	cr_assert_eq(hw.gpus[0].vendor, NOA_GPU_AMD);
	cr_assert_str_eq(hw.gpus[0].pci_id, "1002:73bf");
	cr_assert_eq(hw.gpus[0].memory_bytes, -1);
}

Test(gpu, no_drm_directory_means_no_gpus)
{
	struct noa_probe_source src;
	struct noa_hardware hw;
	source(&src, "broken-missing", no_env);
	noa_probe_gpus(&hw, &src);
	cr_assert_eq(hw.ngpus, 0);
}

Test(gpu, device_links_give_the_address_and_merge_cards)
{
	struct noa_probe_source src;
	struct noa_hardware hw;
	source(&src, "gpu-symlinks", no_env);
	noa_probe_gpus(&hw, &src);
	/* card0 and card1 link to one device; card2 and card3 link out of the tree; the L4 is only in /proc.
	 */
	cr_assert_eq(hw.ngpus, 2);
	cr_assert_eq(hw.gpus[0].vendor, NOA_GPU_INTEL);
	cr_assert_str_eq(hw.gpus[0].pci_id, "8086:4e61");
	cr_assert_eq(hw.gpus[0].memory_bytes, -1);
	cr_assert_str_empty(hw.gpus[0].driver_version, "the NVIDIA driver version is not the iGPU's");
	cr_assert_eq(hw.gpus[1].vendor, NOA_GPU_NVIDIA);
	cr_assert_str_eq(hw.gpus[1].name, "NVIDIA L4");
	cr_assert_str_eq(hw.gpus[1].pci_id, "0000:3b:00.0");
	cr_assert_str_eq(hw.gpus[1].driver_version, "550.54.15");
	cr_assert_eq(hw.gpus[1].memory_bytes, -1);
}

Test(gpu, garbage_version_line_gives_no_driver_version)
{
	struct noa_probe_source src;
	struct noa_hardware hw;
	source(&src, "nvidia-bad-version", no_env);
	noa_probe_gpus(&hw, &src);
	cr_assert_eq(hw.ngpus, 1, "files without a final newline still parse; card and /proc entry merge");
	cr_assert_str_eq(hw.gpus[0].pci_id, "10de:2330");
	cr_assert_str_eq(hw.gpus[0].name, "NVIDIA H100 80GB HBM3");
	cr_assert_str_empty(hw.gpus[0].driver_version);
}
