/* The memory probe: total and available memory from /proc/meminfo, and the cgroup memory limit (v2
 * memory.max, else v1 memory.limit_in_bytes), all read under the sysroot. A missing, malformed or absurd
 * value leaves its field unknown (-1). */
#include "noa/hardware.h"

#include <stdint.h>
#include <string.h>

#include "cpuinfo.h"
#include "noa/error.h"

/* cgroup v1 reports "no limit" as a page-rounded LONG_MAX; anything from 2^62 up is taken as that. */
#define V1_UNLIMITED ((int64_t)1 << 62)

/* Reads a "Key: N kB" line of meminfo as bytes into *out; leaves it -1 when missing or malformed. */
static void meminfo_bytes(const char *meminfo, const char *key, int64_t *out)
{
	char value[64];
	long long kb;
	*out = -1;
	if (noa_cpuinfo_value(meminfo, key, value, sizeof value) != 0)
		return;
	size_t n = strlen(value);
	if (n >= 3 && strcmp(value + n - 3, " kB") == 0)
		value[n - 3] = '\0';
	else
		return;
	if (noa_cpuinfo_int(value, 10, 0, INT64_MAX / 1024, &kb) == 0)
		*out = (int64_t)kb * 1024;
}

/* Reads a cgroup limit file: a byte count, or "max" (v2) for none. Returns 0 with *out set (-1 for no
 * limit), or a negative code when the file is missing or malformed. */
static int cgroup_limit(const struct noa_sysroot *root, const char *path, int64_t *out)
{
	char buf[64];
	size_t len;
	long long v;
	int rc = noa_sysroot_read(root, path, buf, sizeof buf, &len);
	if (rc)
		return rc;
	if (strlen(buf) != len)
		return NOA_EINVALID;
	if (strcmp(buf, "max\n") == 0 || strcmp(buf, "max") == 0) {
		*out = -1;
		return 0;
	}
	if (noa_cpuinfo_int(buf, 10, 0, INT64_MAX, &v) != 0)
		return NOA_EINVALID;
	*out = v >= V1_UNLIMITED ? -1 : (int64_t)v;
	return 0;
}

void noa_probe_memory(struct noa_memory *mem, const struct noa_probe_source *src)
{
	char buf[16384];
	size_t len;
	mem->total_bytes = mem->available_bytes = mem->limit_bytes = -1;
	if (noa_sysroot_read(&src->root, "/proc/meminfo", buf, sizeof buf, &len) == 0) {
		for (size_t i = 0; i < len; i++)
			if (buf[i] == '\0')
				buf[i] = '\n';
		meminfo_bytes(buf, "MemTotal", &mem->total_bytes);
		meminfo_bytes(buf, "MemAvailable", &mem->available_bytes);
	}
	if (cgroup_limit(&src->root, "/sys/fs/cgroup/memory.max", &mem->limit_bytes) != 0 &&
	    cgroup_limit(&src->root, "/sys/fs/cgroup/memory/memory.limit_in_bytes", &mem->limit_bytes) != 0)
		mem->limit_bytes = -1;
}

double noa_bytes_to_gib(int64_t bytes)
{
	if (bytes < 0)
		return -1.0;
	return (double)bytes / (double)((int64_t)1 << 30);
}
