/* The GPU probe with NVML, using the tests' fake libnvidia-ml (FAKE_NVML): names and memory from NVML
 * merged with the fixture's DRM cards, NVML's driver version winning, and the fallbacks when NVML cannot
 * be loaded or initialised. Host only: the library is built for the host. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "noa/hardware.h"

static void probe(struct noa_hardware *hw, const char *library)
{
	struct noa_probe_source src;
	static const char *const no_env[] = {NULL};
	memset(&src, 0, sizeof src);
	cr_assert_eq(noa_sysroot_init(&src.root, NOA_TEST_DIR "/fixtures/x86-nvidia-server"), 0);
	src.env.vars = no_env;
	src.nvml_library = library;
	noa_probe_gpus(hw, &src);
}

Test(nvml, names_and_memory_come_from_nvml)
{
	struct noa_hardware hw;
	unsetenv("FAKE_NVML_FAIL");
	probe(&hw, FAKE_NVML);
	cr_assert_eq(hw.ngpus, 2, "NVML's GPUs are the DRM cards, matched by bus id");
	for (int i = 0; i < 2; i++) {
		cr_assert_str_eq(hw.gpus[i].name, "NVIDIA H100 80GB HBM3");
		cr_assert_eq(hw.gpus[i].memory_bytes, 85899345920LL);
		cr_assert_str_eq(hw.gpus[i].driver_version, "550.54.15");
		cr_assert_str_eq(hw.gpus[i].pci_id, "10de:2330");
	}
}

Test(nvml, failing_init_falls_back_to_proc)
{
	struct noa_hardware hw;
	setenv("FAKE_NVML_FAIL", "1", 1);
	probe(&hw, FAKE_NVML);
	unsetenv("FAKE_NVML_FAIL");
	cr_assert_eq(hw.ngpus, 2);
	cr_assert_eq(hw.gpus[0].memory_bytes, -1);
	cr_assert_str_eq(hw.gpus[0].driver_version, "535.104.05");
}

Test(nvml, missing_library_falls_back_to_proc)
{
	struct noa_hardware hw;
	probe(&hw, NOA_TEST_DIR "/fixtures/no-such-libnvidia-ml.so");
	cr_assert_eq(hw.ngpus, 2);
	cr_assert_str_eq(hw.gpus[1].name, "NVIDIA H100 80GB HBM3");
	cr_assert_eq(hw.gpus[1].memory_bytes, -1);
}

Test(nvml, a_library_without_nvml_symbols_is_ignored)
{
	struct noa_hardware hw;
	probe(&hw, "libm.so.6");
	cr_assert_eq(hw.ngpus, 2);
	cr_assert_eq(hw.gpus[0].memory_bytes, -1);
}
