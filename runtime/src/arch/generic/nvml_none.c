/* NVML on platforms that cannot load libraries at run time (wasm32-wasi): never available. */
#include "noa/error.h"
#include "nvml.h"

int noa_nvml_query(const char *path, struct noa_nvml_gpu *out, int max, char *driver, size_t driver_size)
{
	(void)path;
	(void)out;
	(void)max;
	(void)driver;
	(void)driver_size;
	return NOA_ENOTFOUND;
}
