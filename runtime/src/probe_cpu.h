/* The per-architecture half of the CPU probe: what the running CPU says about itself through its own
 * instructions (cpuid and xgetbv on x86_64, getauxval on aarch64, the compiler's target elsewhere).
 * Exactly one of src/arch/<arch>/cpu_*.c implements it, chosen by cmake/Probe.cmake. Internal to libnoa. */
#ifndef NOA_PROBE_CPU_H
#define NOA_PROBE_CPU_H

#include "noa/hardware.h"

/* Fills cpu->arch, and whatever the instructions tell of vendor, brand, base_frequency_mhz (cpuid leaf
 * 0x16) and features (only those the OS enables), leaving the rest empty or 0. cpu starts zeroed. */
void noa_cpu_probe_self(struct noa_cpu *cpu);

#endif
