/* The CPU probe: architecture, vendor, brand, core counts, base frequency and features. Counts come from
 * sysfs under the sysroot with /proc/cpuinfo as the fallback. On the host, the CPU's own instructions
 * (probe_cpu.h) give the architecture and features; under a --sysroot only DIR/proc/cpuinfo does, so a
 * fixture gives the same answer on every build target. Nothing here fails: unknown stays unknown. */
#include "noa/hardware.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpuinfo.h"
#include "noa/error.h"
#include "probe_cpu.h"

/* The most CPUs whose sysfs topology is read. */
#define MAX_TOPOLOGY_CPUS 4096

/* /proc/cpuinfo, read and parsed on first use only (the host rarely needs it). */
struct cpuinfo_cache {
	int loaded;
	struct noa_cpuinfo info;
};

static const struct noa_cpuinfo *cpuinfo(struct cpuinfo_cache *c, const struct noa_sysroot *root)
{
	char empty[1] = "";
	size_t len;
	if (c->loaded)
		return &c->info;
	c->loaded = 1;
	char *buf = malloc(NOA_READ_MAX + 1);
	if (buf && noa_sysroot_read(root, "/proc/cpuinfo", buf, NOA_READ_MAX + 1, &len) == 0)
		noa_cpuinfo_parse(&c->info, buf, len);
	else
		noa_cpuinfo_parse(&c->info, empty, 0);
	free(buf);
	return &c->info;
}

/* Reads a small sysfs file holding one integer in [min, max]. Returns 0 or a negative code. */
static int read_int(const struct noa_sysroot *root, const char *path, long long min, long long max,
		    long long *out)
{
	char buf[64];
	size_t len;
	int rc = noa_sysroot_read(root, path, buf, sizeof buf, &len);
	if (rc)
		return rc;
	if (strlen(buf) != len)
		return NOA_EINVALID;
	return noa_cpuinfo_int(buf, 10, min, max, out);
}

/* Counts the CPUs of a sysfs range-list file; 0 when missing or malformed. */
static int read_cpulist(const struct noa_sysroot *root, const char *path)
{
	char buf[4096];
	size_t len;
	if (noa_sysroot_read(root, path, buf, sizeof buf, &len) != 0 || strlen(buf) != len)
		return 0;
	int n = noa_cpuinfo_cpulist(buf);
	return n > 0 ? n : 0;
}

/* Whether name is "cpu" followed by digits only. */
static int is_cpu_dir(const char *name)
{
	const char *p = name + 3;
	if (strncmp(name, "cpu", 3) != 0 || !*p)
		return 0;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return 1;
}

struct topo {
	long long package, core;
};

static int by_topo(const void *a, const void *b)
{
	const struct topo *x = a, *y = b;
	if (x->package != y->package)
		return x->package < y->package ? -1 : 1;
	return x->core < y->core ? -1 : x->core > y->core;
}

/* Distinct (physical_package_id, core_id) pairs of /sys/devices/system/cpu/cpu<N>/topology; 0 when none
 * can be read. */
static int sysfs_physical_cores(const struct noa_sysroot *root)
{
	char(*names)[NOA_NAME_MAX] = malloc(MAX_TOPOLOGY_CPUS * sizeof *names);
	struct topo *t = malloc(MAX_TOPOLOGY_CPUS * sizeof *t);
	char path[NOA_PATH_MAX];
	int n = 0, distinct = 0;
	if (!names || !t)
		goto out;
	int count = noa_sysroot_list(root, "/sys/devices/system/cpu", "cpu", names, MAX_TOPOLOGY_CPUS);
	for (int i = 0; i < count; i++) {
		if (!is_cpu_dir(names[i]))
			continue;
		int w = snprintf(path, sizeof path, "/sys/devices/system/cpu/%s/topology/physical_package_id",
				 names[i]);
		if (w < 0 || (size_t)w >= sizeof path ||
		    read_int(root, path, -1, 1 << 24, &t[n].package) != 0)
			continue;
		w = snprintf(path, sizeof path, "/sys/devices/system/cpu/%s/topology/core_id", names[i]);
		if (w < 0 || (size_t)w >= sizeof path || read_int(root, path, 0, 1 << 24, &t[n].core) != 0)
			continue;
		n++;
	}
	qsort(t, (size_t)n, sizeof *t, by_topo);
	for (int i = 0; i < n; i++)
		if (i == 0 || by_topo(&t[i], &t[i - 1]) != 0)
			distinct++;
out:
	free(names);
	free(t);
	return distinct;
}

static void count_cores(struct noa_cpu *cpu, const struct noa_sysroot *root, struct cpuinfo_cache *cache)
{
	cpu->logical_cores = read_cpulist(root, "/sys/devices/system/cpu/online");
	if (!cpu->logical_cores)
		cpu->logical_cores = read_cpulist(root, "/sys/devices/system/cpu/possible");
	if (!cpu->logical_cores)
		cpu->logical_cores = cpuinfo(cache, root)->processors;

	cpu->physical_cores = sysfs_physical_cores(root);
	if (!cpu->physical_cores) {
		const struct noa_cpuinfo *ci = cpuinfo(cache, root);
		if (ci->core_pairs > 0)
			cpu->physical_cores = ci->core_pairs;
		else if (ci->cpu_cores > 0)
			cpu->physical_cores = ci->cpu_cores * (ci->packages > 0 ? ci->packages : 1);
	}
	/* Hostile files can claim more cores than CPUs; a physical count above the logical one is wrong. */
	if (cpu->logical_cores && cpu->physical_cores > cpu->logical_cores)
		cpu->physical_cores = 0;
}

/* The MHz of an "@ 2.20GHz" (or "@ 800MHz") at the end of a brand string, or 0. */
static int brand_mhz(const char *brand)
{
	const char *at = strrchr(brand, '@');
	char *end;
	if (!at)
		return 0;
	at++;
	while (*at == ' ')
		at++;
	if (*at < '0' || *at > '9')
		return 0;
	double v = strtod(at, &end);
	double scale = strncmp(end, "GHz", 3) == 0 ? 1000.0 : strncmp(end, "MHz", 3) == 0 ? 1.0 : 0.0;
	v *= scale;
	if (!(v >= 1.0 && v <= 100000.0))
		return 0;
	return (int)(v + 0.5);
}

/* Sets the base frequency: sysfs base_frequency (kHz), else what the CPU said (cpuid leaf 0x16, already
 * in cpu), else on x86 the brand string. */
static void base_frequency(struct noa_cpu *cpu, const struct noa_sysroot *root)
{
	long long khz;
	if (read_int(root, "/sys/devices/system/cpu/cpu0/cpufreq/base_frequency", 1000, 100000000, &khz) ==
	    0) {
		cpu->base_frequency_mhz = (int)(khz / 1000);
		return;
	}
	if (cpu->base_frequency_mhz > 0)
		return;
	if (strcmp(cpu->arch, "x86_64") == 0)
		cpu->base_frequency_mhz = brand_mhz(cpu->brand);
}

/* Copies the vendor and brand /proc/cpuinfo gives for cpu->arch into the fields still empty. */
static void names_from_cpuinfo(struct noa_cpu *cpu, const struct noa_cpuinfo *ci)
{
	const char *vendor = NULL, *brand = NULL;
	if (strcmp(ci->arch, cpu->arch) != 0)
		return;
	if (strcmp(ci->arch, "x86_64") == 0) {
		vendor = ci->vendor_id;
		brand = ci->model_name;
	} else if (strcmp(ci->arch, "aarch64") == 0) {
		vendor = noa_cpuinfo_implementer_name(ci->implementer);
		brand = noa_cpuinfo_part_name(ci->implementer, ci->part);
	}
	/* Both fit: vendor_id and model_name are as long as the fields, and the tables hold short names. */
	if (vendor && !cpu->vendor[0] && strlen(vendor) < sizeof cpu->vendor)
		memcpy(cpu->vendor, vendor, strlen(vendor) + 1);
	if (brand && !cpu->brand[0] && strlen(brand) < sizeof cpu->brand)
		memcpy(cpu->brand, brand, strlen(brand) + 1);
}

void noa_probe_cpu(struct noa_cpu *cpu, const struct noa_probe_source *src)
{
	struct cpuinfo_cache *cache = calloc(1, sizeof *cache);
	struct cpuinfo_cache none;
	memset(cpu, 0, sizeof *cpu);
	if (!cache) {
		/* No memory for cpuinfo: probe what needs none and leave the rest unknown. */
		memset(&none, 0, sizeof none);
		none.loaded = 1;
		none.info.implementer = none.info.part = -1;
		cache = &none;
	}
	if (src->host) {
		noa_cpu_probe_self(cpu);
		if (!cpu->vendor[0] || !cpu->brand[0])
			names_from_cpuinfo(cpu, cpuinfo(cache, &src->root));
	} else {
		const struct noa_cpuinfo *ci = cpuinfo(cache, &src->root);
		memcpy(cpu->arch, ci->arch, sizeof cpu->arch);
		names_from_cpuinfo(cpu, ci);
		cpu->nfeatures = ci->nfeatures;
		memcpy(cpu->features, ci->features, sizeof cpu->features);
	}
	count_cores(cpu, &src->root, cache);
	base_frequency(cpu, &src->root);
	if (cache != &none)
		free(cache);
}

size_t noa_cpu_feature_names(const struct noa_cpu *cpu, const char **names, size_t max)
{
	size_t n = 0;
	for (int i = 0; i < cpu->nfeatures && i < NOA_MAX_FEATURES && n < max; i++)
		names[n++] = cpu->features[i];
	return n;
}

int noa_cpu_has(const struct noa_cpu *cpu, const char *feature)
{
	for (int i = 0; i < cpu->nfeatures && i < NOA_MAX_FEATURES; i++)
		if (strcmp(cpu->features[i], feature) == 0)
			return 1;
	return 0;
}
