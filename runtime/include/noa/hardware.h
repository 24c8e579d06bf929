/* The hardware profile: CPU, memory, GPUs and accelerators, as `noa probe` reports it (schema
 * "noa.hardware/v1", documented in runtime/README.md). Probing reads files through a struct noa_sysroot
 * and the environment through a struct noa_env, so fixture trees and test environments can stand in for
 * the host. A missing or malformed file never fails the probe: the field becomes unknown. */
#ifndef NOA_HARDWARE_H
#define NOA_HARDWARE_H

#include <stddef.h>
#include <stdint.h>

#include "noa/sysroot.h"

#define NOA_MAX_FEATURES 64
#define NOA_FEATURE_NAME_MAX 16
#define NOA_MAX_GPUS 16
#define NOA_MAX_ACCEL_SOURCES 8

struct noa_cpu {
	/* "x86_64", "aarch64", "wasm32", or "" when unknown. */
	char arch[16];
	/* "GenuineIntel", "AuthenticAMD", "ARM", "Ampere", ...; "" when unknown (JSON null). */
	char vendor[64];
	/* Model name ("Intel(R) Xeon(R) ...", "Neoverse-N1"); "" when unknown (JSON null). */
	char brand[128];
	/* 0 when unknown (JSON null). */
	int logical_cores;
	int physical_cores;
	/* Base (not current) frequency in MHz; 0 when unknown (JSON null). */
	int base_frequency_mhz;
	/* Lower-case feature names ("sse2", "avx2", "fma", "avx512f", "asimd", "sve", ...), sorted. */
	int nfeatures;
	char features[NOA_MAX_FEATURES][NOA_FEATURE_NAME_MAX];
};

struct noa_memory {
	/* Bytes; -1 when unknown. limit_bytes is -1 when there is no cgroup limit (JSON null). */
	int64_t total_bytes;
	int64_t available_bytes;
	int64_t limit_bytes;
};

enum noa_gpu_vendor { NOA_GPU_NVIDIA, NOA_GPU_AMD, NOA_GPU_INTEL, NOA_GPU_APPLE, NOA_GPU_OTHER };

struct noa_gpu {
	enum noa_gpu_vendor vendor;
	/* Marketing name when known (NVML, or a table), else "" (JSON null). */
	char name[128];
	/* "10de:2330" (vendor:device, lower-case hex) or a bus id; "" when unknown. */
	char pci_id[32];
	/* -1 when unknown (JSON null). */
	int64_t memory_bytes;
	/* "" when unknown (JSON null). */
	char driver_version[64];
};

struct noa_accelerators {
	int tpu, npu;
	/* What raised each flag: "NOA_ACCELERATOR_TPU", "TPU_NAME", "/dev/accel/accel0", ... */
	int nsources;
	char sources[NOA_MAX_ACCEL_SOURCES][48];
};

struct noa_hardware {
	struct noa_cpu cpu;
	struct noa_memory memory;
	int ngpus;
	struct noa_gpu gpus[NOA_MAX_GPUS];
	struct noa_accelerators accelerators;
};

/* Everything a probe reads from outside: the file tree, the environment, and the NVML library path. */
struct noa_probe_source {
	struct noa_sysroot root;
	struct noa_env env;
	/* dlopen() path of NVML; NULL means "libnvidia-ml.so.1". */
	const char *nvml_library;
	/* 1 when root is the real root: CPU features then come from the CPU's own instructions (cpuid,
	 * getauxval); 0 for a --sysroot, where they come from DIR/proc/cpuinfo only. */
	int host;
};

/* The parts of the probe, each filling its part of hw from src; they never fail. */
void noa_probe_cpu(struct noa_cpu *cpu, const struct noa_probe_source *src);
void noa_probe_memory(struct noa_memory *mem, const struct noa_probe_source *src);
void noa_probe_gpus(struct noa_hardware *hw, const struct noa_probe_source *src);
void noa_probe_accelerators(struct noa_accelerators *acc, const struct noa_probe_source *src);

/* Runs every part. */
void noa_probe(struct noa_hardware *hw, const struct noa_probe_source *src);

/* Points names[0..] at the CPU's feature names (borrowed from cpu), at most max of them, in the form
 * noa_kernels_select() takes. Returns the count. */
size_t noa_cpu_feature_names(const struct noa_cpu *cpu, const char **names, size_t max);

/* Whether the CPU has the named feature (lower-case name). */
int noa_cpu_has(const struct noa_cpu *cpu, const char *feature);

/* Bytes to GiB (2^30 bytes); a negative (unknown) byte count gives -1.0. */
double noa_bytes_to_gib(int64_t bytes);

/* Writes hw as the "noa.hardware/v1" object `noa probe --json` prints: unknown values are null, and t,
 * when not NULL, is embedded under "target" (noa_target_json). */
struct noa_json;
struct noa_target;
void noa_hardware_json(struct noa_json *j, const struct noa_hardware *hw, const struct noa_target *t);

#endif
