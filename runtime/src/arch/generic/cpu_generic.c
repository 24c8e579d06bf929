/* The CPU's own account of itself where no instructions tell more: the architecture the build targets
 * (NOA_CPU_ARCH, from cmake/Probe.cmake; "wasm32" for WebAssembly) and, on wasm32, simd128 when the
 * build enables it (the runtime then runs only where the engine has it). */
#include "probe_cpu.h"

#include <string.h>

#include "cpuinfo.h"

#ifndef NOA_CPU_ARCH
#define NOA_CPU_ARCH ""
#endif

#ifdef __wasm_simd128__
/* The build's SIMD: compiled in, so present wherever the program runs at all. */
static const char *const compiled_features[] = {"simd128"};
#define NCOMPILED_FEATURES 1
#else
static const char *const compiled_features[1] = {NULL};
#define NCOMPILED_FEATURES 0
#endif

void noa_cpu_probe_self(struct noa_cpu *cpu)
{
	if (strlen(NOA_CPU_ARCH) < sizeof cpu->arch)
		memcpy(cpu->arch, NOA_CPU_ARCH, sizeof NOA_CPU_ARCH);
	for (int i = 0; i < NCOMPILED_FEATURES; i++)
		noa_cpuinfo_add_feature(cpu->features, &cpu->nfeatures, compiled_features[i]);
}
