/* The memory probe on fixture trees: meminfo totals, cgroup v2 and v1 limits and their "no limit"
 * spellings, cut and hostile files; and the GiB helper. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "noa/hardware.h"

/* Probes the memory of fixture tree `name` as a --sysroot would. */
static void probe_fixture(struct noa_memory *mem, const char *name)
{
	struct noa_probe_source src;
	char dir[NOA_PATH_MAX];
	int n = snprintf(dir, sizeof dir, "%s/fixtures/%s", NOA_TEST_DIR, name);
	cr_assert(n > 0 && (size_t)n < sizeof dir);
	memset(&src, 0, sizeof src);
	cr_assert_eq(noa_sysroot_init(&src.root, dir), 0);
	noa_probe_memory(mem, &src);
}

Test(probe_memory, reads_meminfo_in_bytes_without_a_limit)
{
	struct noa_memory mem;
	probe_fixture(&mem, "x86-nvidia-server");
	cr_assert_eq(mem.total_bytes, 196596912LL * 1024);
	cr_assert_eq(mem.available_bytes, 189317160LL * 1024);
	cr_assert_eq(mem.limit_bytes, -1);
}

Test(probe_memory, reads_cgroup_v2_limit)
{
	struct noa_memory mem;
	probe_fixture(&mem, "container-cgroup2");
	cr_assert_eq(mem.limit_bytes, 2147483648LL);
	cr_assert_eq(mem.total_bytes, 7888204LL * 1024);
}

Test(probe_memory, reads_cgroup_v1_limit)
{
	struct noa_memory mem;
	probe_fixture(&mem, "container-cgroup1");
	cr_assert_eq(mem.limit_bytes, 536870912LL);
}

Test(probe_memory, takes_max_and_huge_v1_values_as_no_limit)
{
	struct noa_memory mem;
	probe_fixture(&mem, "cgroup2-max");
	cr_assert_eq(mem.limit_bytes, -1);
	cr_assert_eq(mem.total_bytes, -1);
	probe_fixture(&mem, "cgroup1-unlimited");
	cr_assert_eq(mem.limit_bytes, -1);
}

Test(probe_memory, leaves_cut_and_hostile_values_unknown)
{
	struct noa_memory mem;
	probe_fixture(&mem, "broken-truncated");
	cr_assert_eq(mem.total_bytes, 16318480LL * 1024);
	cr_assert_eq(mem.available_bytes, -1);
	probe_fixture(&mem, "broken-garbage");
	cr_assert_eq(mem.total_bytes, -1);
	cr_assert_eq(mem.available_bytes, -1);
	cr_assert_eq(mem.limit_bytes, -1);
	probe_fixture(&mem, "broken-missing");
	cr_assert_eq(mem.total_bytes, -1);
	cr_assert_eq(mem.available_bytes, -1);
	cr_assert_eq(mem.limit_bytes, -1);
}

Test(probe_memory, converts_bytes_to_gib)
{
	cr_assert_float_eq(noa_bytes_to_gib(1LL << 30), 1.0, 1e-12);
	cr_assert_float_eq(noa_bytes_to_gib(3LL << 29), 1.5, 1e-12);
	cr_assert_float_eq(noa_bytes_to_gib(0), 0.0, 1e-12);
	cr_assert_float_eq(noa_bytes_to_gib(-1), -1.0, 1e-12);
}
