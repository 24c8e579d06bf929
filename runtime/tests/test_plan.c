/* The plan as a pure function over constructed policy, hardware, target and gates: the llama.cpp backend
 * and its reasons (gpu-offload gate, low-power gate, policy, target, GPU memory), the Python runtime
 * (total, cgroup limit, target bound, available memory), experimental accelerators, worker threads, and
 * the JSON shape. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "json_check.h"
#include "noa/features.h"
#include "noa/json.h"
#include "noa/plan.h"

/* A native server: 64 GiB, 32 logical / 16 physical cores, one 80 GiB H100; all gates on but low-power. */
static void setup(struct noa_policy *p, struct noa_hardware *hw, struct noa_target *t, struct noa_gates *g)
{
	noa_policy_defaults(p);
	memset(hw, 0, sizeof *hw);
	hw->cpu.logical_cores = 32;
	hw->cpu.physical_cores = 16;
	hw->memory.total_bytes = 64LL << 30;
	hw->memory.available_bytes = 60LL << 30;
	hw->memory.limit_bytes = -1;
	hw->ngpus = 1;
	strcpy(hw->gpus[0].name, "NVIDIA H100");
	hw->gpus[0].memory_bytes = 80LL << 30;
	memset(t, 0, sizeof *t);
	t->kind = NOA_TARGET_NATIVE;
	t->capabilities = (struct noa_capabilities){1, 1, 1, 1, 1, 0};
	t->effective = t->capabilities;
	g->low_power = 0;
	g->gpu_offload = 1;
}

Test(plan, big_gpu_with_gpu_offload_selects_gpu)
{
	struct noa_policy p;
	struct noa_hardware hw;
	struct noa_target t;
	struct noa_gates g;
	struct noa_plan plan;
	setup(&p, &hw, &t, &g);
	noa_plan_make(&plan, &p, &hw, &t, &g);
	cr_assert_str_eq(plan.llama_cpp.selected, "gpu");
	cr_assert_eq(plan.llama_cpp.noptions, 2);
	cr_assert_str_eq(plan.llama_cpp.options[0], "gpu");
	cr_assert_str_eq(plan.llama_cpp.options[1], "cpu");
	cr_assert_str_eq(plan.llama_cpp.reason,
			 "GPU 'NVIDIA H100' has 80.0 GiB >= 8.0 GiB and gpu-offload is built in");
}

Test(plan, without_gpu_offload_never_selects_gpu)
{
	struct noa_policy p;
	struct noa_hardware hw;
	struct noa_target t;
	struct noa_gates g;
	struct noa_plan plan;
	setup(&p, &hw, &t, &g);
	g.gpu_offload = 0;
	noa_plan_make(&plan, &p, &hw, &t, &g);
	cr_assert_str_eq(plan.llama_cpp.selected, "cpu");
	cr_assert_eq(plan.llama_cpp.noptions, 1);
	cr_assert_str_eq(plan.llama_cpp.options[0], "cpu");
	cr_assert_str_eq(plan.llama_cpp.reason, "gpu-offload is not built in, so llama.cpp runs on the CPU");
}

Test(plan, low_power_prefers_cpu)
{
	struct noa_policy p;
	struct noa_hardware hw;
	struct noa_target t;
	struct noa_gates g;
	struct noa_plan plan;
	setup(&p, &hw, &t, &g);
	g.low_power = 1;
	noa_plan_make(&plan, &p, &hw, &t, &g);
	cr_assert_str_eq(plan.llama_cpp.selected, "cpu");
	cr_assert_eq(plan.llama_cpp.noptions, 2);
	cr_assert_str_eq(plan.llama_cpp.reason, "the low-power build prefers the CPU");
}

Test(plan, small_gpu_selects_cpu_with_numbers)
{
	struct noa_policy p;
	struct noa_hardware hw;
	struct noa_target t;
	struct noa_gates g;
	struct noa_plan plan;
	setup(&p, &hw, &t, &g);
	hw.ngpus = 2;
	hw.gpus[0].memory_bytes = 4LL << 30;
	hw.gpus[1] = hw.gpus[0];
	hw.gpus[1].name[0] = '\0';
	strcpy(hw.gpus[1].pci_id, "10de:1eb8");
	hw.gpus[1].memory_bytes = (15LL << 30) + (1LL << 29);
	p.min_gpu_memory_gb = 16;
	noa_plan_make(&plan, &p, &hw, &t, &g);
	cr_assert_str_eq(plan.llama_cpp.selected, "cpu");
	cr_assert_str_eq(plan.llama_cpp.reason,
			 "GPU '10de:1eb8' has 15.5 GiB < 16.0 GiB (min_gpu_memory_gb)");
}

Test(plan, gpu_exactly_at_the_minimum_is_enough)
{
	struct noa_policy p;
	struct noa_hardware hw;
	struct noa_target t;
	struct noa_gates g;
	struct noa_plan plan;
	setup(&p, &hw, &t, &g);
	hw.gpus[0].memory_bytes = 8LL << 30;
	noa_plan_make(&plan, &p, &hw, &t, &g);
	cr_assert_str_eq(plan.llama_cpp.selected, "gpu");
}

Test(plan, other_cpu_reasons)
{
	struct noa_policy p;
	struct noa_hardware hw;
	struct noa_target t;
	struct noa_gates g;
	struct noa_plan plan;
	setup(&p, &hw, &t, &g);
	p.prefer_gpu = 0;
	noa_plan_make(&plan, &p, &hw, &t, &g);
	cr_assert_str_eq(plan.llama_cpp.reason, "policy prefer_gpu is false");
	setup(&p, &hw, &t, &g);
	hw.ngpus = 0;
	noa_plan_make(&plan, &p, &hw, &t, &g);
	cr_assert_str_eq(plan.llama_cpp.reason, "no GPU was found");
	setup(&p, &hw, &t, &g);
	t.kind = NOA_TARGET_LAMBDA;
	t.capabilities.supports_gpu = 0;
	noa_plan_make(&plan, &p, &hw, &t, &g);
	cr_assert_str_eq(plan.llama_cpp.reason, "the lambda target does not support GPUs");
	setup(&p, &hw, &t, &g);
	hw.gpus[0].memory_bytes = -1;
	noa_plan_make(&plan, &p, &hw, &t, &g);
	cr_assert_str_eq(plan.llama_cpp.selected, "cpu");
	cr_assert_str_eq(plan.llama_cpp.reason,
			 "GPU 'NVIDIA H100' has unknown memory, not known to reach 8.0 GiB");
}

Test(plan, plenty_of_memory_keeps_cpython)
{
	struct noa_policy p;
	struct noa_hardware hw;
	struct noa_target t;
	struct noa_gates g;
	struct noa_plan plan;
	setup(&p, &hw, &t, &g);
	noa_plan_make(&plan, &p, &hw, &t, &g);
	cr_assert_str_eq(plan.python.selected, "cpython");
	cr_assert_eq(plan.python.noptions, 2);
	cr_assert_str_eq(plan.python.options[0], "cpython");
	cr_assert_str_eq(plan.python.options[1], "lightweight");
	cr_assert_str_eq(plan.python.reason, "memory 64.0 GiB (total) and available 60.0 GiB >= 6.0 GiB "
					     "(lightweight_memory_threshold_gb)");
}

Test(plan, cgroup_limit_below_threshold_selects_lightweight)
{
	struct noa_policy p;
	struct noa_hardware hw;
	struct noa_target t;
	struct noa_gates g;
	struct noa_plan plan;
	setup(&p, &hw, &t, &g);
	hw.memory.limit_bytes = 2LL << 30;
	noa_plan_make(&plan, &p, &hw, &t, &g);
	cr_assert_str_eq(plan.python.selected, "lightweight");
	cr_assert_str_eq(plan.python.reason,
			 "memory 2.0 GiB (cgroup limit) < 6.0 GiB (lightweight_memory_threshold_gb)");
}

Test(plan, low_available_memory_selects_lightweight)
{
	struct noa_policy p;
	struct noa_hardware hw;
	struct noa_target t;
	struct noa_gates g;
	struct noa_plan plan;
	setup(&p, &hw, &t, &g);
	hw.memory.available_bytes = 5LL << 30;
	noa_plan_make(&plan, &p, &hw, &t, &g);
	cr_assert_str_eq(plan.python.selected, "lightweight");
	cr_assert_str_eq(plan.python.reason,
			 "available memory 5.0 GiB < 6.0 GiB (lightweight_memory_threshold_gb)");
}

Test(plan, target_bound_counts_as_memory)
{
	struct noa_policy p;
	struct noa_hardware hw;
	struct noa_target t;
	struct noa_gates g;
	struct noa_plan plan;
	setup(&p, &hw, &t, &g);
	t.effective.max_memory_mb = 3008;
	noa_plan_make(&plan, &p, &hw, &t, &g);
	cr_assert_str_eq(plan.python.selected, "lightweight");
	cr_assert_str_eq(plan.python.reason,
			 "memory 2.938 GiB (target limit) < 6.0 GiB (lightweight_memory_threshold_gb)");
}

Test(plan, python_policy_off_or_memory_unknown_keeps_cpython)
{
	struct noa_policy p;
	struct noa_hardware hw;
	struct noa_target t;
	struct noa_gates g;
	struct noa_plan plan;
	setup(&p, &hw, &t, &g);
	hw.memory.total_bytes = 1LL << 30;
	p.prefer_lightweight_python_on_low_memory = 0;
	noa_plan_make(&plan, &p, &hw, &t, &g);
	cr_assert_str_eq(plan.python.selected, "cpython");
	cr_assert_str_eq(plan.python.reason, "policy prefer_lightweight_python_on_low_memory is false");
	setup(&p, &hw, &t, &g);
	hw.memory.total_bytes = -1;
	hw.memory.available_bytes = -1;
	noa_plan_make(&plan, &p, &hw, &t, &g);
	cr_assert_str_eq(plan.python.selected, "cpython");
	cr_assert_str_eq(plan.python.reason, "memory size is unknown, so the full runtime is kept");
}

Test(plan, accelerators_are_experimental_entries)
{
	struct noa_policy p;
	struct noa_hardware hw;
	struct noa_target t;
	struct noa_gates g;
	struct noa_plan plan;
	setup(&p, &hw, &t, &g);
	hw.accelerators.tpu = 1;
	hw.accelerators.npu = 1;
	hw.accelerators.nsources = 2;
	strcpy(hw.accelerators.sources[0], "/dev/accel/npu0");
	strcpy(hw.accelerators.sources[1], "TPU_NAME");
	noa_plan_make(&plan, &p, &hw, &t, &g);
	cr_assert_eq(plan.naccelerators, 2);
	cr_assert_str_eq(plan.accelerators[0].kind, "tpu");
	cr_assert_str_eq(plan.accelerators[0].source, "TPU_NAME");
	cr_assert_str_eq(plan.accelerators[1].kind, "npu");
	cr_assert_str_eq(plan.accelerators[1].source, "/dev/accel/npu0");
	cr_assert_str_eq(plan.llama_cpp.selected, "gpu");
	p.allow_accelerator_experiments = 0;
	noa_plan_make(&plan, &p, &hw, &t, &g);
	cr_assert_eq(plan.naccelerators, 0);
}

Test(plan, lone_accelerator_takes_the_only_source)
{
	struct noa_policy p;
	struct noa_hardware hw;
	struct noa_target t;
	struct noa_gates g;
	struct noa_plan plan;
	setup(&p, &hw, &t, &g);
	hw.accelerators.tpu = 1;
	hw.accelerators.nsources = 1;
	strcpy(hw.accelerators.sources[0], "/dev/accel/accel0");
	noa_plan_make(&plan, &p, &hw, &t, &g);
	cr_assert_eq(plan.naccelerators, 1);
	cr_assert_str_eq(plan.accelerators[0].source, "/dev/accel/accel0");
}

Test(plan, threads_follow_low_power_and_target)
{
	struct noa_policy p;
	struct noa_hardware hw;
	struct noa_target t;
	struct noa_gates g;
	char why[160];
	setup(&p, &hw, &t, &g);
	cr_assert_eq(noa_plan_threads(&hw, &t, &g, why, sizeof why), 32);
	g.low_power = 1;
	cr_assert_eq(noa_plan_threads(&hw, &t, &g, why, sizeof why), 8);
	cr_assert_str_eq(why, "low-power build: half of 16 physical cores");
	hw.cpu.logical_cores = 1;
	hw.cpu.physical_cores = 1;
	cr_assert_eq(noa_plan_threads(&hw, &t, &g, why, sizeof why), 1);
	t.capabilities.supports_threads = 0;
	t.kind = NOA_TARGET_WASM;
	hw.cpu.logical_cores = 8;
	cr_assert_eq(noa_plan_threads(&hw, &t, &g, NULL, 0), 1);
}

Test(plan, json_has_the_fixed_shape)
{
	struct noa_policy p;
	struct noa_hardware hw;
	struct noa_target t;
	struct noa_gates g;
	struct noa_plan plan;
	struct noa_json j;
	char *text;
	size_t len;
	setup(&p, &hw, &t, &g);
	hw.accelerators.tpu = 1;
	hw.accelerators.nsources = 1;
	strcpy(hw.accelerators.sources[0], "TPU_NAME");
	noa_plan_make(&plan, &p, &hw, &t, &g);
	noa_json_init(&j, 0);
	noa_plan_json(&j, &plan);
	cr_assert_eq(noa_json_finish(&j, &text, &len), 0);
	cr_assert(json_check(text, len));
	cr_assert_str_eq(
		text,
		"{\"schema\":\"noa.plan/"
		"v1\",\"llama_cpp\":{\"selected\":\"gpu\",\"options\":[\"gpu\",\"cpu\"],"
		"\"reason\":\"GPU 'NVIDIA H100' has 80.0 GiB >= 8.0 GiB and gpu-offload is built in\"},"
		"\"python\":{\"selected\":\"cpython\",\"options\":[\"cpython\",\"lightweight\"],"
		"\"reason\":\"memory 64.0 GiB (total) and available 60.0 GiB >= 6.0 GiB "
		"(lightweight_memory_threshold_gb)\"},"
		"\"accelerators\":[{\"kind\":\"tpu\",\"experimental\":true,\"source\":\"TPU_NAME\"}],"
		"\"policy\":{\"prefer_gpu\":true,\"min_gpu_memory_gb\":8.0,"
		"\"prefer_lightweight_python_on_low_memory\":true,\"lightweight_memory_threshold_gb\":6.0,"
		"\"allow_accelerator_experiments\":true}}");
	free(text);
}

Test(plan, gates_match_the_build)
{
	struct noa_gates g;
	noa_plan_gates(&g);
	cr_assert_eq(g.low_power, NOA_FEATURE_LOW_POWER);
	cr_assert_eq(g.gpu_offload, NOA_FEATURE_GPU_OFFLOAD);
}

Test(features, compiled_gates_are_listed_and_enabled)
{
	int n = -1;
	const char *const *names = noa_features_compiled(&n);
	cr_assert_geq(n, 0);
	cr_assert_null(names[n]);
	for (int i = 0; i < n; i++)
		cr_assert(noa_feature_enabled(names[i]));
	cr_assert_eq(noa_feature_enabled("gpu-offload"), NOA_FEATURE_GPU_OFFLOAD);
	cr_assert_eq(noa_feature_enabled("low-power"), NOA_FEATURE_LOW_POWER);
	cr_assert_eq(noa_feature_enabled("throughput"), NOA_FEATURE_THROUGHPUT);
	cr_assert_eq(noa_feature_enabled("quantized-kernels"), NOA_FEATURE_QUANTIZED_KERNELS);
	cr_assert_eq(noa_feature_enabled("no-such-gate"), 0);
	cr_assert_eq(noa_feature_enabled(NULL), 0);
}
