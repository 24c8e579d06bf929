/* The accelerator probe: explicit switches, the vendors' well-known environment variables and device
 * nodes under a fixture tree, each raising the TPU or NPU flag and named once, in that order. */
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

Test(accel, nothing_detected_without_sources)
{
	struct noa_probe_source src;
	struct noa_accelerators acc;
	source(&src, "graviton2", no_env);
	noa_probe_accelerators(&acc, &src);
	cr_assert_eq(acc.tpu, 0);
	cr_assert_eq(acc.npu, 0);
	cr_assert_eq(acc.nsources, 0);
}

Test(accel, device_nodes_raise_tpu_and_npu_in_order)
{
	struct noa_probe_source src;
	struct noa_accelerators acc;
	source(&src, "accel-host", no_env);
	noa_probe_accelerators(&acc, &src);
	cr_assert_eq(acc.tpu, 1);
	cr_assert_eq(acc.npu, 1);
	cr_assert_eq(acc.nsources, 4);
	cr_assert_str_eq(acc.sources[0], "/dev/accel/accel0");
	cr_assert_str_eq(acc.sources[1], "/dev/accel/accel1");
	cr_assert_str_eq(acc.sources[2], "/dev/apex_0");
	cr_assert_str_eq(acc.sources[3], "/dev/neuron0");
}

Test(accel, missing_dev_directory_detects_nothing)
{
	struct noa_probe_source src;
	struct noa_accelerators acc;
	source(&src, "broken-missing", no_env);
	noa_probe_accelerators(&acc, &src);
	cr_assert_eq(acc.tpu + acc.npu + acc.nsources, 0);
}

Test(accel, every_source_kind_in_order_without_duplicates)
{
	static const char *const env[] = {"NEURON_RT_VISIBLE_CORES=0", "NOA_ACCELERATOR_TPU=1",
					  "NOA_ACCELERATOR_TPU=1", NULL};
	struct noa_probe_source src;
	struct noa_accelerators acc;
	source(&src, "accel-host", env);
	noa_probe_accelerators(&acc, &src);
	cr_assert_eq(acc.nsources, 6);
	cr_assert_str_eq(acc.sources[0], "NOA_ACCELERATOR_TPU");
	cr_assert_str_eq(acc.sources[1], "NEURON_RT_VISIBLE_CORES");
	cr_assert_str_eq(acc.sources[2], "/dev/accel/accel0");
	cr_assert_str_eq(acc.sources[5], "/dev/neuron0");
}

Test(accel, explicit_switch_off_and_empty_variables_do_not_count)
{
	static const char *const env[] = {"NOA_ACCELERATOR_TPU=yes",
					  "NOA_ACCELERATOR_NPU=", "TPU_NAME=", "NEURO_ACCELERATORS=", NULL};
	struct noa_probe_source src;
	struct noa_accelerators acc;
	source(&src, "graviton2", env);
	noa_probe_accelerators(&acc, &src);
	cr_assert_eq(acc.tpu, 0);
	cr_assert_eq(acc.npu, 0);
	cr_assert_eq(acc.nsources, 0);
}

Test(accel, environment_sources_in_documented_order)
{
	static const char *const env[] = {
		"TPU_NAME=v5e-8",       "NEURON_RT_VISIBLE_CORES=0-1", "NOA_ACCELERATOR_NPU=1",
		"TPU_VISIBLE_DEVICES=", "NOA_ACCELERATOR_TPU=0",       NULL};
	struct noa_probe_source src;
	struct noa_accelerators acc;
	source(&src, "graviton2", env);
	noa_probe_accelerators(&acc, &src);
	cr_assert_eq(acc.tpu, 1);
	cr_assert_eq(acc.npu, 1);
	cr_assert_eq(acc.nsources, 3, "empty values and switches other than 1/true do not count");
	cr_assert_str_eq(acc.sources[0], "NOA_ACCELERATOR_NPU");
	cr_assert_str_eq(acc.sources[1], "TPU_NAME");
	cr_assert_str_eq(acc.sources[2], "NEURON_RT_VISIBLE_CORES");
}

Test(accel, explicit_switch_accepts_true)
{
	static const char *const env[] = {"NOA_ACCELERATOR_TPU=true", "NEURO_ACCELERATORS=inf2", NULL};
	struct noa_probe_source src;
	struct noa_accelerators acc;
	source(&src, "graviton2", env);
	noa_probe_accelerators(&acc, &src);
	cr_assert_eq(acc.tpu, 1);
	cr_assert_eq(acc.npu, 1);
	cr_assert_str_eq(acc.sources[0], "NOA_ACCELERATOR_TPU");
	cr_assert_str_eq(acc.sources[1], "NEURO_ACCELERATORS");
}
