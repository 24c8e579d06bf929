/* A stand-in for NVIDIA's libnvidia-ml.so.1, built by the tests as a shared library and loaded by the
 * GPU probe through NOA_NVML_LIBRARY. It reports two "NVIDIA H100 80GB HBM3" GPUs at the PCI addresses
 * of the x86-nvidia-server fixture, 80 GiB each, driver 550.54.15; with FAKE_NVML_FAIL=1 in the
 * environment nvmlInit_v2 fails, as it does on a machine whose driver is not loaded. */
#include <stdlib.h>
#include <string.h>

typedef int nvml_return;
typedef void *nvml_device;
struct nvml_memory {
	unsigned long long total, free, used;
};
struct nvml_pci_info {
	char bus_id_legacy[16];
	unsigned domain, bus, device, pci_device_id, pci_subsystem_id;
	char bus_id[32];
};

enum { NVML_SUCCESS = 0, NVML_ERROR_INVALID_ARGUMENT = 2, NVML_ERROR_DRIVER_NOT_LOADED = 9 };
static int slots[2] = {4, 5};

/* The exported NVML entry points; prototypes here only to satisfy -Wmissing-prototypes. */
nvml_return nvmlInit_v2(void);
nvml_return nvmlShutdown(void);
nvml_return nvmlDeviceGetCount_v2(unsigned *count);
nvml_return nvmlDeviceGetHandleByIndex_v2(unsigned index, nvml_device *dev);
nvml_return nvmlDeviceGetName(nvml_device dev, char *name, unsigned len);
nvml_return nvmlDeviceGetMemoryInfo(nvml_device dev, struct nvml_memory *mem);
nvml_return nvmlDeviceGetPciInfo_v3(nvml_device dev, struct nvml_pci_info *pci);
nvml_return nvmlSystemGetDriverVersion(char *version, unsigned len);

nvml_return nvmlInit_v2(void)
{
	const char *fail = getenv("FAKE_NVML_FAIL");
	return fail && strcmp(fail, "1") == 0 ? NVML_ERROR_DRIVER_NOT_LOADED : NVML_SUCCESS;
}

nvml_return nvmlShutdown(void)
{
	return NVML_SUCCESS;
}

nvml_return nvmlDeviceGetCount_v2(unsigned *count)
{
	*count = 2;
	return NVML_SUCCESS;
}

nvml_return nvmlDeviceGetHandleByIndex_v2(unsigned index, nvml_device *dev)
{
	if (index >= 2)
		return NVML_ERROR_INVALID_ARGUMENT;
	*dev = &slots[index];
	return NVML_SUCCESS;
}

static nvml_return copy(char *dst, unsigned len, const char *src)
{
	size_t n = strlen(src);
	if (n >= len)
		return NVML_ERROR_INVALID_ARGUMENT;
	memcpy(dst, src, n + 1);
	return NVML_SUCCESS;
}

nvml_return nvmlDeviceGetName(nvml_device dev, char *name, unsigned len)
{
	(void)dev;
	return copy(name, len, "NVIDIA H100 80GB HBM3");
}

nvml_return nvmlDeviceGetMemoryInfo(nvml_device dev, struct nvml_memory *mem)
{
	(void)dev;
	mem->total = 85899345920ull;
	mem->used = 1ull << 30;
	mem->free = mem->total - mem->used;
	return NVML_SUCCESS;
}

nvml_return nvmlDeviceGetPciInfo_v3(nvml_device dev, struct nvml_pci_info *pci)
{
	int slot = *(const int *)dev;
	memset(pci, 0, sizeof *pci);
	pci->bus = 0;
	pci->device = (unsigned)slot;
	pci->pci_device_id = 0x233010deu;
	memcpy(pci->bus_id, "00000000:00:0", 13);
	pci->bus_id[13] = (char)('0' + slot);
	memcpy(pci->bus_id + 14, ".0", 3);
	return NVML_SUCCESS;
}

nvml_return nvmlSystemGetDriverVersion(char *version, unsigned len)
{
	return copy(version, len, "550.54.15");
}
