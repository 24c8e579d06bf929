/* The probe as a whole: runs each part (CPU, memory, GPUs, accelerators) and writes the hardware profile
 * as JSON (schema "noa.hardware/v1") with the deploy target embedded. */
#include "noa/hardware.h"

#include <string.h>

#include "noa/json.h"
#include "noa/target.h"

void noa_probe(struct noa_hardware *hw, const struct noa_probe_source *src)
{
	memset(hw, 0, sizeof *hw);
	noa_probe_cpu(&hw->cpu, src);
	noa_probe_memory(&hw->memory, src);
	noa_probe_gpus(hw, src);
	noa_probe_accelerators(&hw->accelerators, src);
}

/* Writes a fixed-size string field that may lack its NUL, or null when empty. */
static void field_json(struct noa_json *j, const char *s, size_t size)
{
	size_t n = strnlen(s, size);
	if (n)
		noa_json_strn(j, s, n);
	else
		noa_json_null(j);
}

/* Writes v, or null when it is not positive (unknown). */
static void count_or_null(struct noa_json *j, long long v)
{
	if (v > 0)
		noa_json_int(j, v);
	else
		noa_json_null(j);
}

/* Writes a byte count, or null when it is negative (unknown). */
static void bytes_or_null(struct noa_json *j, long long v)
{
	if (v >= 0)
		noa_json_int(j, v);
	else
		noa_json_null(j);
}

static const char *gpu_vendor_name(enum noa_gpu_vendor v)
{
	switch (v) {
	case NOA_GPU_NVIDIA:
		return "nvidia";
	case NOA_GPU_AMD:
		return "amd";
	case NOA_GPU_INTEL:
		return "intel";
	case NOA_GPU_APPLE:
		return "apple";
	case NOA_GPU_OTHER:
		break;
	}
	return "other";
}

static void cpu_json(struct noa_json *j, const struct noa_cpu *cpu)
{
	noa_json_begin_object(j);
	noa_json_key(j, "arch");
	field_json(j, cpu->arch, sizeof cpu->arch);
	noa_json_key(j, "vendor");
	field_json(j, cpu->vendor, sizeof cpu->vendor);
	noa_json_key(j, "brand");
	field_json(j, cpu->brand, sizeof cpu->brand);
	noa_json_key(j, "logical_cores");
	count_or_null(j, cpu->logical_cores);
	noa_json_key(j, "physical_cores");
	count_or_null(j, cpu->physical_cores);
	noa_json_key(j, "base_frequency_mhz");
	count_or_null(j, cpu->base_frequency_mhz);
	noa_json_key(j, "features");
	noa_json_begin_array(j);
	for (int i = 0; i < cpu->nfeatures && i < NOA_MAX_FEATURES; i++)
		field_json(j, cpu->features[i], sizeof cpu->features[i]);
	noa_json_end_array(j);
	noa_json_end_object(j);
}

static void memory_json(struct noa_json *j, const struct noa_memory *mem)
{
	noa_json_begin_object(j);
	noa_json_key(j, "total_bytes");
	bytes_or_null(j, mem->total_bytes);
	noa_json_key(j, "available_bytes");
	bytes_or_null(j, mem->available_bytes);
	noa_json_key(j, "limit_bytes");
	bytes_or_null(j, mem->limit_bytes);
	noa_json_end_object(j);
}

static void gpus_json(struct noa_json *j, const struct noa_hardware *hw)
{
	noa_json_begin_array(j);
	for (int i = 0; i < hw->ngpus && i < NOA_MAX_GPUS; i++) {
		const struct noa_gpu *g = &hw->gpus[i];
		noa_json_begin_object(j);
		noa_json_key(j, "vendor");
		noa_json_str(j, gpu_vendor_name(g->vendor));
		noa_json_key(j, "name");
		field_json(j, g->name, sizeof g->name);
		noa_json_key(j, "pci_id");
		field_json(j, g->pci_id, sizeof g->pci_id);
		noa_json_key(j, "memory_bytes");
		bytes_or_null(j, g->memory_bytes);
		noa_json_key(j, "driver_version");
		field_json(j, g->driver_version, sizeof g->driver_version);
		noa_json_end_object(j);
	}
	noa_json_end_array(j);
}

static void accelerators_json(struct noa_json *j, const struct noa_accelerators *acc)
{
	noa_json_begin_object(j);
	noa_json_key(j, "tpu");
	noa_json_bool(j, acc->tpu);
	noa_json_key(j, "npu");
	noa_json_bool(j, acc->npu);
	noa_json_key(j, "sources");
	noa_json_begin_array(j);
	for (int i = 0; i < acc->nsources && i < NOA_MAX_ACCEL_SOURCES; i++)
		field_json(j, acc->sources[i], sizeof acc->sources[i]);
	noa_json_end_array(j);
	noa_json_end_object(j);
}

void noa_hardware_json(struct noa_json *j, const struct noa_hardware *hw, const struct noa_target *t)
{
	noa_json_begin_object(j);
	noa_json_key(j, "schema");
	noa_json_str(j, "noa.hardware/v1");
	noa_json_key(j, "cpu");
	cpu_json(j, &hw->cpu);
	noa_json_key(j, "memory");
	memory_json(j, &hw->memory);
	noa_json_key(j, "gpus");
	gpus_json(j, hw);
	noa_json_key(j, "accelerators");
	accelerators_json(j, &hw->accelerators);
	if (t) {
		noa_json_key(j, "target");
		noa_target_json(j, t);
	}
	noa_json_end_object(j);
}
