/* The CPU probe on fixture trees (every format, cut and hostile files), on the host, and its parsers:
 * integers, CPU range lists, feature lists and the MIDR tables. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/cpuinfo.h"
#include "noa/error.h"
#include "noa/hardware.h"

/* Probes the CPU of fixture tree `name` as a --sysroot would. */
static void probe_fixture(struct noa_cpu *cpu, const char *name)
{
	struct noa_probe_source src;
	char dir[NOA_PATH_MAX];
	int n = snprintf(dir, sizeof dir, "%s/fixtures/%s", NOA_TEST_DIR, name);
	cr_assert(n > 0 && (size_t)n < sizeof dir);
	memset(&src, 0, sizeof src);
	cr_assert_eq(noa_sysroot_init(&src.root, dir), 0);
	noa_probe_cpu(cpu, &src);
}

static int sorted(const struct noa_cpu *cpu)
{
	for (int i = 1; i < cpu->nfeatures; i++)
		if (strcmp(cpu->features[i - 1], cpu->features[i]) >= 0)
			return 0;
	return 1;
}

Test(probe_cpu, reads_graviton2_from_midr_features_and_topology)
{
	struct noa_cpu cpu;
	probe_fixture(&cpu, "graviton2");
	cr_assert_str_eq(cpu.arch, "aarch64");
	cr_assert_str_eq(cpu.vendor, "ARM");
	cr_assert_str_eq(cpu.brand, "Neoverse-N1");
	cr_assert_eq(cpu.logical_cores, 64);
	cr_assert_eq(cpu.physical_cores, 64);
	cr_assert_eq(cpu.base_frequency_mhz, 0);
	cr_assert_eq(cpu.nfeatures, 17);
	cr_assert(sorted(&cpu));
	cr_assert(noa_cpu_has(&cpu, "asimd"));
	cr_assert(noa_cpu_has(&cpu, "asimddp"));
	cr_assert_not(noa_cpu_has(&cpu, "sve"));
	cr_assert_not(noa_cpu_has(&cpu, "avx2"));
}

Test(probe_cpu, reads_two_socket_xeon_with_avx512_and_sysfs_base_frequency)
{
	struct noa_cpu cpu;
	probe_fixture(&cpu, "x86-nvidia-server");
	cr_assert_str_eq(cpu.arch, "x86_64");
	cr_assert_str_eq(cpu.vendor, "GenuineIntel");
	cr_assert_str_eq(cpu.brand, "Intel(R) Xeon(R) Silver 4112 CPU @ 2.60GHz");
	cr_assert_eq(cpu.logical_cores, 16);
	/* No sysfs topology: distinct (physical id, core id) pairs of cpuinfo. */
	cr_assert_eq(cpu.physical_cores, 8);
	cr_assert_eq(cpu.base_frequency_mhz, 2600);
	cr_assert(sorted(&cpu));
	cr_assert(noa_cpu_has(&cpu, "avx512f"));
	cr_assert(noa_cpu_has(&cpu, "avx512vl"));
	cr_assert(noa_cpu_has(&cpu, "avx2"));
	cr_assert(noa_cpu_has(&cpu, "sse3"));
	cr_assert_not(noa_cpu_has(&cpu, "pni"));
	cr_assert_not(noa_cpu_has(&cpu, "avx512_vnni"));
	cr_assert_not(noa_cpu_has(&cpu, "asimd"));
}

Test(probe_cpu, takes_base_frequency_from_brand_when_sysfs_lacks_it)
{
	struct noa_cpu cpu;
	probe_fixture(&cpu, "edge-igpu");
	cr_assert_str_eq(cpu.brand, "Intel(R) Celeron(R) J4125 CPU @ 2.00GHz");
	cr_assert_eq(cpu.base_frequency_mhz, 2000);
	cr_assert_eq(cpu.logical_cores, 4);
	cr_assert_eq(cpu.physical_cores, 4);
	cr_assert(noa_cpu_has(&cpu, "sse4_2"));
	cr_assert(noa_cpu_has(&cpu, "sha_ni"));
	cr_assert_not(noa_cpu_has(&cpu, "avx"));
}

Test(probe_cpu, counts_hyperthreads_once_and_leaves_unstated_base_unknown)
{
	struct noa_cpu cpu;
	probe_fixture(&cpu, "container-cgroup2");
	cr_assert_str_eq(cpu.vendor, "AuthenticAMD");
	cr_assert_eq(cpu.logical_cores, 4);
	cr_assert_eq(cpu.physical_cores, 2);
	cr_assert_eq(cpu.base_frequency_mhz, 0);
}

Test(probe_cpu, ignores_the_cut_last_line_of_a_truncated_cpuinfo)
{
	struct noa_cpu cpu;
	probe_fixture(&cpu, "broken-truncated");
	cr_assert_str_eq(cpu.arch, "x86_64");
	cr_assert_str_eq(cpu.brand, "Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz");
	/* "0-" in sysfs is malformed: the processor lines count. */
	cr_assert_eq(cpu.logical_cores, 2);
	cr_assert_eq(cpu.physical_cores, 2);
	cr_assert_eq(cpu.base_frequency_mhz, 3200);
	cr_assert(noa_cpu_has(&cpu, "avx2"));
}

Test(probe_cpu, leaves_hostile_values_unknown)
{
	struct noa_cpu cpu;
	probe_fixture(&cpu, "broken-garbage");
	cr_assert_str_empty(cpu.arch);
	cr_assert_str_empty(cpu.vendor);
	cr_assert_str_empty(cpu.brand);
	cr_assert_eq(cpu.logical_cores, 3);
	cr_assert_eq(cpu.physical_cores, 0);
	cr_assert_eq(cpu.base_frequency_mhz, 0);
	cr_assert_eq(cpu.nfeatures, 0);
}

Test(probe_cpu, reports_nothing_for_an_empty_tree)
{
	struct noa_cpu cpu;
	probe_fixture(&cpu, "broken-missing");
	cr_assert_str_empty(cpu.arch);
	cr_assert_str_empty(cpu.vendor);
	cr_assert_eq(cpu.logical_cores, 0);
	cr_assert_eq(cpu.physical_cores, 0);
	cr_assert_eq(cpu.base_frequency_mhz, 0);
	cr_assert_eq(cpu.nfeatures, 0);
}

Test(probe_cpu, host_reports_the_build_arch_and_known_features)
{
	struct noa_probe_source src;
	struct noa_cpu cpu;
	memset(&src, 0, sizeof src);
	cr_assert_eq(noa_sysroot_init(&src.root, NULL), 0);
	src.host = 1;
	noa_probe_cpu(&cpu, &src);
	cr_assert(sorted(&cpu));
	if (strcmp(cpu.arch, "x86_64") == 0) {
		cr_assert(noa_cpu_has(&cpu, "sse2"));
		cr_assert_neq(cpu.vendor[0], '\0');
	} else if (strcmp(cpu.arch, "aarch64") == 0) {
		cr_assert(noa_cpu_has(&cpu, "asimd"));
	} else {
		cr_assert_str_eq(cpu.arch, "wasm32");
		cr_assert_eq(cpu.nfeatures, 0);
	}
	/* The instruction tables and the cpuinfo tables name features alike. */
	for (int i = 0; i < cpu.nfeatures; i++)
		cr_assert_not_null(noa_cpuinfo_feature_name(cpu.arch, cpu.features[i]), "%s",
				   cpu.features[i]);
}

Test(cpuinfo, parses_integers_with_range_checks)
{
	long long v = 0;
	cr_assert_eq(noa_cpuinfo_int(" 42\n", 10, 0, 100, &v), 0);
	cr_assert_eq(v, 42);
	cr_assert_eq(noa_cpuinfo_int("0xd0c", 16, 0, 0xfff, &v), 0);
	cr_assert_eq(v, 0xd0c);
	cr_assert_eq(noa_cpuinfo_int("-1", 10, -5, 5, &v), NOA_EINVALID);
	cr_assert_eq(noa_cpuinfo_int("101", 10, 0, 100, &v), NOA_EINVALID);
	cr_assert_eq(noa_cpuinfo_int("99999999999999999999999", 10, 0, 100, &v), NOA_EINVALID);
	cr_assert_eq(noa_cpuinfo_int("12abc", 10, 0, 100, &v), NOA_EINVALID);
	cr_assert_eq(noa_cpuinfo_int("1\n\n", 10, 0, 100, &v), NOA_EINVALID);
	cr_assert_eq(noa_cpuinfo_int("", 10, 0, 100, &v), NOA_EINVALID);
	cr_assert_eq(noa_cpuinfo_int("+3", 10, 0, 100, &v), NOA_EINVALID);
}

Test(cpuinfo, counts_cpu_range_lists)
{
	cr_assert_eq(noa_cpuinfo_cpulist("0-3,5\n"), 5);
	cr_assert_eq(noa_cpuinfo_cpulist("0"), 1);
	cr_assert_eq(noa_cpuinfo_cpulist("0-63\n"), 64);
	cr_assert_eq(noa_cpuinfo_cpulist("0-"), NOA_EINVALID);
	cr_assert_eq(noa_cpuinfo_cpulist("3-1"), NOA_EINVALID);
	cr_assert_eq(noa_cpuinfo_cpulist(""), NOA_EINVALID);
	cr_assert_eq(noa_cpuinfo_cpulist("0,,1"), NOA_EINVALID);
	cr_assert_eq(noa_cpuinfo_cpulist("0-99999999999"), NOA_EINVALID);
	cr_assert_eq(noa_cpuinfo_cpulist("0-1000000"), NOA_EINVALID);
	cr_assert_eq(noa_cpuinfo_cpulist("0-3 x"), NOA_EINVALID);
}

Test(cpuinfo, keeps_features_sorted_unique_and_capped)
{
	char f[NOA_MAX_FEATURES][NOA_FEATURE_NAME_MAX];
	char name[NOA_FEATURE_NAME_MAX];
	int n = 0;
	noa_cpuinfo_add_feature(f, &n, "sse2");
	noa_cpuinfo_add_feature(f, &n, "avx");
	noa_cpuinfo_add_feature(f, &n, "sse2");
	noa_cpuinfo_add_feature(f, &n, "avx512_vpopcntdq");
	noa_cpuinfo_add_feature(f, &n, "");
	cr_assert_eq(n, 2);
	cr_assert_str_eq(f[0], "avx");
	cr_assert_str_eq(f[1], "sse2");
	for (int i = 0; i < 2 * NOA_MAX_FEATURES; i++) {
		snprintf(name, sizeof name, "f%03d", i);
		noa_cpuinfo_add_feature(f, &n, name);
	}
	cr_assert_eq(n, NOA_MAX_FEATURES);
}

Test(cpuinfo, names_midr_implementers_and_parts)
{
	cr_assert_str_eq(noa_cpuinfo_implementer_name(0x41), "ARM");
	cr_assert_str_eq(noa_cpuinfo_implementer_name(0xc0), "Ampere");
	cr_assert_str_eq(noa_cpuinfo_implementer_name(0x61), "Apple");
	cr_assert_null(noa_cpuinfo_implementer_name(0x99));
	cr_assert_str_eq(noa_cpuinfo_part_name(0x41, 0xd0c), "Neoverse-N1");
	cr_assert_str_eq(noa_cpuinfo_part_name(0x41, 0xd40), "Neoverse-V1");
	cr_assert_str_eq(noa_cpuinfo_part_name(0x41, 0xd4f), "Neoverse-V2");
	cr_assert_str_eq(noa_cpuinfo_part_name(0x41, 0xd03), "Cortex-A53");
	cr_assert_null(noa_cpuinfo_part_name(0x51, 0xd0c));
}

Test(cpuinfo, infers_arch_from_format_and_drops_mixed_formats)
{
	char arm[] = "processor\t: 0\nFeatures\t: fp asimd sve2 bogus\nCPU implementer\t: 0x41\nCPU part\t: "
		     "0xd40\n";
	char mixed[] = "processor\t: 0\nvendor_id\t: GenuineIntel\nFeatures\t: asimd\n";
	char cut[] = "processor\t: 0\nflags\t\t: sse2 avx2\nprocessor\t: 1\nflags\t: ss";
	struct noa_cpuinfo ci;
	noa_cpuinfo_parse(&ci, arm, strlen(arm));
	cr_assert_str_eq(ci.arch, "aarch64");
	cr_assert_eq(ci.implementer, 0x41);
	cr_assert_eq(ci.part, 0xd40);
	cr_assert_eq(ci.nfeatures, 3);
	cr_assert_str_eq(ci.features[0], "asimd");
	noa_cpuinfo_parse(&ci, mixed, strlen(mixed));
	cr_assert_str_empty(ci.arch);
	cr_assert_eq(ci.nfeatures, 0);
	noa_cpuinfo_parse(&ci, cut, strlen(cut));
	cr_assert_str_eq(ci.arch, "x86_64");
	cr_assert_eq(ci.processors, 2);
	cr_assert_eq(ci.nfeatures, 2);
}

Test(cpuinfo, skips_lines_too_long_to_be_real)
{
	static char text[40000];
	struct noa_cpuinfo ci;
	int n = snprintf(text, sizeof text, "processor\t: 0\nflags\t\t: sse2 ");
	cr_assert(n > 0);
	memset(text + n, 'x', 20000);
	memcpy(text + n + 20000, " avx\nflags\t\t: sse\n", sizeof " avx\nflags\t\t: sse\n");
	noa_cpuinfo_parse(&ci, text, strlen(text));
	cr_assert_str_eq(ci.arch, "x86_64");
	cr_assert_eq(ci.nfeatures, 1);
	cr_assert_str_eq(ci.features[0], "sse");
}

/* Files of the most the probe reads (NOA_READ_MAX), each shaped to cost the most per byte: the parsers read
 * them once. Bounded by the test harness's timeout where Criterion runs. */
Test(cpuinfo, reads_files_at_the_read_cap_in_linear_time, .timeout = 10)
{
	char *text = malloc(NOA_READ_MAX + 1);
	struct noa_cpuinfo ci;
	char out[64];
	size_t n = 0;
	cr_assert_not_null(text);
	/* Processors with topology ids, more than the pairs counted. */
	int processors = 0;
	while (n + 64 < NOA_READ_MAX) {
		n += (size_t)snprintf(text + n, 64, "processor\t: 1\nphysical id\t: %d\ncore id\t: 1\n",
				      processors % 7);
		processors++;
	}
	noa_cpuinfo_parse(&ci, text, n);
	cr_assert_eq(ci.processors, processors);
	cr_assert_eq(ci.packages, 7);
	cr_assert_eq(ci.core_pairs, 7);
	/* Flags lines as long as a line may be, the first one full of one-letter words. */
	n = 0;
	while (n + 16400 < NOA_READ_MAX) {
		memcpy(text + n, "flags\t\t: ", 9);
		n += 9;
		for (int i = 0; i < 8000; i++, n += 2)
			memcpy(text + n, "x ", 2);
		memcpy(text + n, "sse2\n", 5);
		n += 5;
	}
	noa_cpuinfo_parse(&ci, text, n);
	cr_assert_eq(ci.nfeatures, 1);
	cr_assert_str_eq(ci.features[0], "sse2");
	/* meminfo-shaped lines, the key asked for last. */
	n = 0;
	while (n + 32 < NOA_READ_MAX) {
		memcpy(text + n, "MemFree:        1 kB\n", 21);
		n += 21;
	}
	memcpy(text + n, "MemTotal:   2 kB\n", 18);
	cr_assert_eq(noa_cpuinfo_value(text, "MemTotal", out, sizeof out), 0);
	cr_assert_str_eq(out, "2 kB");
	cr_assert_eq(noa_cpuinfo_value(text, "MemAvailable", out, sizeof out), NOA_ENOTFOUND);
	/* A CPU list of single CPUs: refused once it counts past the cap. */
	n = 0;
	while (n + 2 < NOA_READ_MAX) {
		memcpy(text + n, "0,", 2);
		n += 2;
	}
	memcpy(text + n, "0", 2);
	cr_assert_eq(noa_cpuinfo_cpulist(text), NOA_EINVALID);
	free(text);
}
