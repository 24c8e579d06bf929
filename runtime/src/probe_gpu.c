/* GPU discovery from four sources, merged by PCI address: DRM cards in sysfs (vendor and device ids,
 * AMD's VRAM size), NVIDIA's /proc/driver/nvidia (driver version, model names, bus locations), and NVML
 * loaded at run time (names and memory; it wins where it answers). NVML is asked only on the real host,
 * or when a library path is given explicitly (tests use a fake NVML with fixture trees). */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpuinfo.h"
#include "noa/hardware.h"
#include "nvml.h"

/* Longest sysfs or procfs file read here. */
#define SMALL_FILE 4096
#define MAX_CARDS 64

/* Most symlinks followed while resolving one path (the kernel's own limit is 40; sysfs needs 2). */
#define MAX_LINKS 16

/* A PCI address (domain:bus:device.function); valid is 0 when unknown. */
struct pci_addr {
	int valid;
	unsigned domain, bus, dev, fn;
};

/* Parses "0000:00:04.0" (also NVML's 8-digit domain "00000000:00:04.0"). */
static struct pci_addr parse_addr(const char *s)
{
	struct pci_addr a = {0, 0, 0, 0, 0};
	long long d, b, v, f;
	char buf[40], *p = buf, *q;
	size_t n = strlen(s);
	if (n == 0 || n >= sizeof buf)
		return a;
	memcpy(buf, s, n + 1);
	if (!(q = strchr(p, ':')))
		return a;
	*q = '\0';
	if (noa_cpuinfo_int(p, 16, 0, 0xffffffffll, &d))
		return a;
	p = q + 1;
	if (!(q = strchr(p, ':')))
		return a;
	*q = '\0';
	if (noa_cpuinfo_int(p, 16, 0, 0xff, &b))
		return a;
	p = q + 1;
	if (!(q = strchr(p, '.')))
		return a;
	*q = '\0';
	if (noa_cpuinfo_int(p, 16, 0, 0x1f, &v) || noa_cpuinfo_int(q + 1, 16, 0, 7, &f))
		return a;
	a.valid = 1;
	a.domain = (unsigned)d;
	a.bus = (unsigned)b;
	a.dev = (unsigned)v;
	a.fn = (unsigned)f;
	return a;
}

static int same_addr(struct pci_addr a, struct pci_addr b)
{
	return a.valid && b.valid && a.domain == b.domain && a.bus == b.bus && a.dev == b.dev && a.fn == b.fn;
}

static enum noa_gpu_vendor vendor_of(unsigned id)
{
	switch (id) {
	case 0x10de:
		return NOA_GPU_NVIDIA;
	case 0x1002:
		return NOA_GPU_AMD;
	case 0x8086:
		return NOA_GPU_INTEL;
	case 0x106b:
		return NOA_GPU_APPLE;
	default:
		return NOA_GPU_OTHER;
	}
}

/* Resolves the symlinks of path (absolute, under root) one component at a time, the way the kernel would
 * inside the root, into out: a path under root with no symlink left in it (components past a missing one
 * are copied as they are). Returns 0, or -1 when the path would leave the root: a ".." above it, or, in a
 * fixture tree (where the root is not "/"), an absolute link target, which would otherwise name a file of
 * the host. Also -1 for a link loop or a path that does not fit. */
static int resolve(const struct noa_sysroot *root, const char *path, char out[NOA_PATH_MAX])
{
	char todo[NOA_PATH_MAX], next[NOA_PATH_MAX], target[NOA_PATH_MAX], full[NOA_PATH_MAX * 2];
	size_t done = 0, n = strlen(path);
	int links = 0;
	struct stat st;
	if (n >= sizeof todo || path[0] != '/')
		return -1;
	memcpy(todo, path, n + 1);
	out[0] = '\0';
	for (const char *p = todo;;) {
		p += strspn(p, "/");
		size_t len = strcspn(p, "/");
		if (len == 0)
			break;
		if (len == 1 && p[0] == '.') {
			p += len;
			continue;
		}
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (done == 0)
				return -1;
			while (done > 0 && out[done - 1] != '/')
				done--;
			out[done > 0 ? --done : 0] = '\0';
			p += len;
			continue;
		}
		if (done + 1 + len >= NOA_PATH_MAX)
			return -1;
		out[done] = '/';
		memcpy(out + done + 1, p, len);
		size_t before = done;
		done += 1 + len;
		out[done] = '\0';
		p += len;
		if (noa_sysroot_path(root, out, full, sizeof full) || lstat(full, &st) != 0) {
			/* missing: the rest cannot hold a link; keep it as written ("..", if any, fails the
			 * read) */
			int w = snprintf(out + done, NOA_PATH_MAX - done, "%s", p);
			return w < 0 || (size_t)w >= NOA_PATH_MAX - done ? -1 : 0;
		}
		if (!S_ISLNK(st.st_mode))
			continue;
		ssize_t t = readlink(full, target, sizeof target - 1);
		if (++links > MAX_LINKS || t <= 0 || (size_t)t >= sizeof target - 1)
			return -1;
		target[t] = '\0';
		done = before;
		out[done] = '\0';
		if (target[0] == '/') {
			if (root->dir[0])
				return -1;
			done = 0;
			out[0] = '\0';
		}
		int w = snprintf(next, sizeof next, "%s/%s", target, p);
		if (w < 0 || (size_t)w >= sizeof next)
			return -1;
		memcpy(todo, next, (size_t)w + 1);
		p = todo;
	}
	if (done == 0)
		memcpy(out, "/", 2);
	return 0;
}

/* Reads a small text file under the sysroot; returns 0 and the text, or -1 when it is missing, lies
 * outside the root through a symlink, or holds a NUL byte (which no kernel text file has: it is garbage,
 * and would cut the text short). */
static int read_small(const struct noa_probe_source *src, const char *path, char *buf, size_t size)
{
	char real[NOA_PATH_MAX];
	size_t len;
	buf[0] = '\0';
	if (resolve(&src->root, path, real))
		return -1;
	if (noa_sysroot_read(&src->root, real, buf, size, &len) != 0 || strlen(buf) != len) {
		buf[0] = '\0';
		return -1;
	}
	return 0;
}

/* Lists the directory at path like noa_sysroot_list(), or nothing when a symlink takes it out of the root. */
static int list_dir(const struct noa_probe_source *src, const char *path, const char *prefix,
		    char names[][NOA_NAME_MAX], int max)
{
	char real[NOA_PATH_MAX];
	if (resolve(&src->root, path, real))
		return 0;
	return noa_sysroot_list(&src->root, real, prefix, names, max);
}

/* Reads a sysfs hex id such as "0x10de\n"; returns it, or -1. */
static long long read_hex_id(const struct noa_probe_source *src, const char *path)
{
	char buf[64];
	long long v;
	if (read_small(src, path, buf, sizeof buf))
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	if (noa_cpuinfo_int(buf, 16, 0, 0xffff, &v))
		return -1;
	return v;
}

/* Finds "KEY=value" at the start of a line of a uevent file and copies the value (to the end of the line)
 * into out. Returns 0, or -1 when the key is missing or the value does not fit. */
static int uevent_value(const char *text, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);
	for (const char *line = text; line && *line;
	     line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (strncmp(line, key, klen) != 0 || line[klen] != '=')
			continue;
		const char *v = line + klen + 1;
		size_t n = strcspn(v, "\n");
		if (n >= size)
			return -1;
		memcpy(out, v, n);
		out[n] = '\0';
		return 0;
	}
	return -1;
}

/* Copies src into dst when it fits whole; otherwise leaves dst as it is (a cut name would mislead). */
static void set_str(char *dst, size_t size, const char *s)
{
	size_t n = strlen(s);
	if (n < size)
		memcpy(dst, s, n + 1);
}

/* Adds a GPU at addr, or returns the one already there. NULL when the list is full. */
static struct noa_gpu *gpu_at(struct noa_hardware *hw, struct pci_addr *addrs, struct pci_addr addr,
			      enum noa_gpu_vendor vendor)
{
	for (int i = 0; i < hw->ngpus; i++)
		if (same_addr(addrs[i], addr))
			return &hw->gpus[i];
	if (hw->ngpus >= NOA_MAX_GPUS)
		return NULL;
	struct noa_gpu *g = &hw->gpus[hw->ngpus];
	memset(g, 0, sizeof *g);
	g->vendor = vendor;
	g->memory_bytes = -1;
	addrs[hw->ngpus++] = addr;
	return g;
}

/* Builds "<prefix><name><suffix>" in path; returns 0, or -1 when it does not fit (the entry is then skipped:
 * a name that long is not one the kernel makes). */
static int make_path(char path[NOA_PATH_MAX], const char *prefix, const char *name, const char *suffix)
{
	int n = snprintf(path, NOA_PATH_MAX, "%s%s%s", prefix, name, suffix);
	return n < 0 || n >= NOA_PATH_MAX ? -1 : 0;
}

/* Whether name is "card" followed by digits only (not a connector such as card0-HDMI-A-1). */
static int is_card(const char *name)
{
	if (strncmp(name, "card", 4) != 0 || !name[4])
		return 0;
	for (const char *p = name + 4; *p; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return 1;
}

static void drm_cards(struct noa_hardware *hw, struct pci_addr *addrs, const struct noa_probe_source *src)
{
	char names[MAX_CARDS][NOA_NAME_MAX], path[NOA_PATH_MAX], real[NOA_PATH_MAX], buf[SMALL_FILE],
		slot[64];
	int n = list_dir(src, "/sys/class/drm", "card", names, MAX_CARDS);
	for (int i = 0; i < n; i++) {
		if (!is_card(names[i]))
			continue;
		if (make_path(path, "/sys/class/drm/", names[i], "/device/vendor"))
			continue;
		long long vendor = read_hex_id(src, path);
		if (vendor < 0)
			continue; /* no PCI identity (a platform display): not a GPU we can describe */
		long long device = -1;
		if (make_path(path, "/sys/class/drm/", names[i], "/device/device") == 0)
			device = read_hex_id(src, path);
		struct pci_addr addr = {0, 0, 0, 0, 0};
		if (make_path(path, "/sys/class/drm/", names[i], "/device/uevent") == 0 &&
		    read_small(src, path, buf, sizeof buf) == 0 &&
		    uevent_value(buf, "PCI_SLOT_NAME", slot, sizeof slot) == 0)
			addr = parse_addr(slot);
		if (!addr.valid && make_path(path, "/sys/class/drm/", names[i], "/device") == 0 &&
		    resolve(&src->root, path, real) == 0) /* the device link names the PCI address */
			addr = parse_addr(strrchr(real, '/') + 1);
		if (!addr.valid) /* unknown address: keep cards apart by their own number */
			addr = (struct pci_addr){1, 0xffffffffu, 0xff, (unsigned)i, 7};
		struct noa_gpu *g = gpu_at(hw, addrs, addr, vendor_of((unsigned)vendor));
		if (!g)
			return;
		if (device >= 0)
			snprintf(g->pci_id, sizeof g->pci_id, "%04x:%04x", (unsigned)vendor,
				 (unsigned)device);
		if (g->vendor == NOA_GPU_AMD) {
			long long vram;
			if (make_path(path, "/sys/class/drm/", names[i], "/device/mem_info_vram_total") ==
				    0 &&
			    read_small(src, path, buf, sizeof buf) == 0) {
				buf[strcspn(buf, "\n")] = '\0';
				if (noa_cpuinfo_int(buf, 10, 1, (long long)1 << 50, &vram) == 0)
					g->memory_bytes = vram;
			}
		}
	}
}

/* Finds the driver version in /proc/driver/nvidia/version: the first token after "Module" that looks
 * like a version (digits and dots, at least one dot). Returns 0 and the version, or -1. */
static int nvidia_driver(const struct noa_probe_source *src, char *out, size_t size)
{
	char buf[SMALL_FILE];
	if (read_small(src, "/proc/driver/nvidia/version", buf, sizeof buf))
		return -1;
	const char *p = strstr(buf, "Module");
	if (!p)
		return -1;
	for (p += 6; *p && *p != '\n';) {
		size_t len = strcspn(p, " \t\n");
		size_t ok = strspn(p, "0123456789.");
		if (len > 0 && ok == len && len < size && memchr(p, '.', len) && p[0] != '.') {
			memcpy(out, p, len);
			out[len] = '\0';
			return 0;
		}
		p += len;
		p += strspn(p, " \t");
	}
	return -1;
}

static void nvidia_proc(struct noa_hardware *hw, struct pci_addr *addrs, const struct noa_probe_source *src)
{
	char names[NOA_MAX_GPUS][NOA_NAME_MAX], path[NOA_PATH_MAX], buf[SMALL_FILE], model[128], bus[64];
	int n = list_dir(src, "/proc/driver/nvidia/gpus", "", names, NOA_MAX_GPUS);
	for (int i = 0; i < n; i++) {
		if (make_path(path, "/proc/driver/nvidia/gpus/", names[i], "/information") ||
		    read_small(src, path, buf, sizeof buf))
			continue;
		struct pci_addr addr = {0, 0, 0, 0, 0};
		if (noa_cpuinfo_value(buf, "Bus Location", bus, sizeof bus) == 0)
			addr = parse_addr(bus);
		if (!addr.valid)
			addr = parse_addr(names[i]); /* the directory is named after the bus id */
		if (!addr.valid)
			continue;
		struct noa_gpu *g = gpu_at(hw, addrs, addr, NOA_GPU_NVIDIA);
		if (!g)
			return;
		if (noa_cpuinfo_value(buf, "Model", model, sizeof model) == 0 && model[0])
			set_str(g->name, sizeof g->name, model);
		if (!g->pci_id[0]) /* no DRM card: the bus location is the only identity there is */
			snprintf(g->pci_id, sizeof g->pci_id, "%04x:%02x:%02x.%x", addr.domain, addr.bus,
				 addr.dev, addr.fn);
	}
}

static void nvml(struct noa_hardware *hw, struct pci_addr *addrs, const struct noa_probe_source *src)
{
	struct noa_nvml_gpu found[NOA_MAX_GPUS];
	char driver[64] = "";
	if (!src->host && !src->nvml_library)
		return;
	int n = noa_nvml_query(src->nvml_library ? src->nvml_library : "libnvidia-ml.so.1", found,
			       NOA_MAX_GPUS, driver, sizeof driver);
	for (int i = 0; i < n; i++) {
		struct pci_addr addr = parse_addr(found[i].bus_id);
		if (!addr.valid)
			addr = (struct pci_addr){1, 0xfffffffeu, 0xff, (unsigned)i, 7};
		struct noa_gpu *g = gpu_at(hw, addrs, addr, NOA_GPU_NVIDIA);
		if (!g)
			return;
		if (found[i].name[0])
			set_str(g->name, sizeof g->name, found[i].name);
		if (found[i].memory_bytes > 0)
			g->memory_bytes = found[i].memory_bytes;
		if (!g->pci_id[0] && found[i].vendor_id)
			snprintf(g->pci_id, sizeof g->pci_id, "%04x:%04x", found[i].vendor_id,
				 found[i].device_id);
		if (driver[0])
			set_str(g->driver_version, sizeof g->driver_version, driver);
	}
}

void noa_probe_gpus(struct noa_hardware *hw, const struct noa_probe_source *src)
{
	struct pci_addr addrs[NOA_MAX_GPUS];
	char driver[64];
	hw->ngpus = 0;
	drm_cards(hw, addrs, src);
	nvidia_proc(hw, addrs, src);
	nvml(hw, addrs, src);
	if (nvidia_driver(src, driver, sizeof driver) == 0)
		for (int i = 0; i < hw->ngpus; i++)
			if (hw->gpus[i].vendor == NOA_GPU_NVIDIA && !hw->gpus[i].driver_version[0])
				set_str(hw->gpus[i].driver_version, sizeof hw->gpus[i].driver_version,
					driver);
}
