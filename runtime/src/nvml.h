/* NVIDIA's management library, loaded at run time (never linked) where the platform can load libraries:
 * one implementation per platform (src/arch/linux/nvml_dl.c with dlopen, src/arch/generic/nvml_none.c
 * elsewhere), chosen by cmake/Gpu.cmake. Private to libnoa. */
#ifndef NOA_NVML_H
#define NOA_NVML_H

#include <stddef.h>
#include <stdint.h>

struct noa_nvml_gpu {
	char name[128];
	/* NVML's bus id, e.g. "00000000:00:04.0". */
	char bus_id[32];
	/* PCI vendor and device ids, 0 when unknown. */
	unsigned vendor_id, device_id;
	/* Total memory in bytes, -1 when unknown. */
	int64_t memory_bytes;
};

/* Loads the library at path, lists up to max GPUs into out and the driver version into driver (""
 * when unknown). Returns the number of GPUs, or a negative noa_code when the library cannot be loaded
 * or initialised (then out and driver are untouched). */
int noa_nvml_query(const char *path, struct noa_nvml_gpu *out, int max, char *driver, size_t driver_size);

#endif
