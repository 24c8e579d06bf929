/* NVML through dlopen(): the runtime never links libnvidia-ml, so a machine without NVIDIA's driver runs
 * the same binary. The few entry points used are declared here from NVML's public API; symbols are
 * copied out of dlsym()'s void * with memcpy, which ISO C allows where a cast does not. */
#include <dlfcn.h>
#include <string.h>

#include "noa/error.h"
#include "nvml.h"

typedef int nvml_return;
typedef void *nvml_device;
struct nvml_memory {
	unsigned long long total, free, used;
};
/* nvmlPciInfo_t, the same layout for _v2 and _v3 (v3 only fills busId from the driver's own table). */
struct nvml_pci_info {
	char bus_id_legacy[16];
	unsigned domain, bus, device, pci_device_id, pci_subsystem_id;
	char bus_id[32];
};

struct nvml_api {
	nvml_return (*init)(void);
	nvml_return (*shutdown)(void);
	nvml_return (*count)(unsigned *);
	nvml_return (*handle)(unsigned, nvml_device *);
	nvml_return (*name)(nvml_device, char *, unsigned);
	nvml_return (*memory)(nvml_device, struct nvml_memory *);
	nvml_return (*pci)(nvml_device, struct nvml_pci_info *);
	nvml_return (*driver)(char *, unsigned);
};

/* Looks up symbol into the function pointer at fn (of size size); returns 0 when it is missing. */
static int sym(void *lib, const char *symbol, void *fn, size_t size)
{
	void *p = dlsym(lib, symbol);
	if (!p)
		return 0;
	memcpy(fn, &p, size);
	return 1;
}

/* Copies a NUL-terminated string from a fixed NVML buffer, cutting it to the destination. */
static void copy_str(char *dst, size_t size, const char *src, size_t src_size)
{
	size_t n = strnlen(src, src_size);
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int noa_nvml_query(const char *path, struct noa_nvml_gpu *out, int max, char *driver, size_t driver_size)
{
	struct nvml_api api;
	unsigned count = 0;
	int n = 0;
	void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		return NOA_ENOTFOUND;
	if (!sym(lib, "nvmlInit_v2", &api.init, sizeof api.init) ||
	    !sym(lib, "nvmlShutdown", &api.shutdown, sizeof api.shutdown) ||
	    !sym(lib, "nvmlDeviceGetCount_v2", &api.count, sizeof api.count) ||
	    !sym(lib, "nvmlDeviceGetHandleByIndex_v2", &api.handle, sizeof api.handle) ||
	    !sym(lib, "nvmlDeviceGetName", &api.name, sizeof api.name) ||
	    !sym(lib, "nvmlDeviceGetMemoryInfo", &api.memory, sizeof api.memory) ||
	    !(sym(lib, "nvmlDeviceGetPciInfo_v3", &api.pci, sizeof api.pci) ||
	      sym(lib, "nvmlDeviceGetPciInfo_v2", &api.pci, sizeof api.pci)) ||
	    !sym(lib, "nvmlSystemGetDriverVersion", &api.driver, sizeof api.driver)) {
		dlclose(lib);
		return NOA_ENOTFOUND;
	}
	if (api.init() != 0) {
		dlclose(lib);
		return NOA_EIO;
	}
	char version[96] = "";
	if (api.driver(version, sizeof version) == 0)
		copy_str(driver, driver_size, version, sizeof version);
	else if (driver_size)
		driver[0] = '\0';
	if (api.count(&count) != 0)
		count = 0;
	for (unsigned i = 0; i < count && n < max; i++) {
		nvml_device dev;
		char name[96];
		struct nvml_memory mem;
		struct nvml_pci_info pci;
		struct noa_nvml_gpu *g = &out[n];
		if (api.handle(i, &dev) != 0)
			continue;
		memset(g, 0, sizeof *g);
		g->memory_bytes = -1;
		if (api.name(dev, name, sizeof name) == 0)
			copy_str(g->name, sizeof g->name, name, sizeof name);
		if (api.memory(dev, &mem) == 0 && mem.total > 0 && mem.total <= (unsigned long long)INT64_MAX)
			g->memory_bytes = (int64_t)mem.total;
		if (api.pci(dev, &pci) == 0) {
			copy_str(g->bus_id, sizeof g->bus_id, pci.bus_id, sizeof pci.bus_id);
			g->vendor_id = pci.pci_device_id & 0xffffu;
			g->device_id = pci.pci_device_id >> 16;
		}
		n++;
	}
	api.shutdown();
	dlclose(lib);
	return n;
}
