/* The x86_64 CPU's own account of itself: vendor and brand strings from cpuid, the base frequency from
 * leaf 0x16, and the features cpuid reports, keeping the AVX and AVX-512 ones only when the OS saves
 * their registers (XCR0, read with xgetbv). The names match cpuinfo.c's x86 table. */
#include "probe_cpu.h"

#include <cpuid.h>
#include <stdint.h>
#include <string.h>

#include "cpuinfo.h"

enum reg { EAX, EBX, ECX, EDX };

/* What the OS must enable in XCR0 for a feature: nothing, the YMM state (bits 1 and 2), the AVX-512 state
 * (bits 5, 6, 7 on top of YMM) or the AMX tile state (bits 17 and 18). */
enum os_state { OS_NONE, OS_YMM, OS_ZMM, OS_AMX };

struct cpuid_feature {
	const char *name;
	uint32_t leaf, subleaf;
	enum reg reg;
	unsigned bit;
	enum os_state os;
};

static const struct cpuid_feature features[] = {
	{"mmx", 1, 0, EDX, 23, OS_NONE},        {"sse", 1, 0, EDX, 25, OS_NONE},
	{"sse2", 1, 0, EDX, 26, OS_NONE},       {"sse3", 1, 0, ECX, 0, OS_NONE},
	{"pclmulqdq", 1, 0, ECX, 1, OS_NONE},   {"ssse3", 1, 0, ECX, 9, OS_NONE},
	{"fma", 1, 0, ECX, 12, OS_YMM},         {"cx16", 1, 0, ECX, 13, OS_NONE},
	{"sse4_1", 1, 0, ECX, 19, OS_NONE},     {"sse4_2", 1, 0, ECX, 20, OS_NONE},
	{"movbe", 1, 0, ECX, 22, OS_NONE},      {"popcnt", 1, 0, ECX, 23, OS_NONE},
	{"aes", 1, 0, ECX, 25, OS_NONE},        {"avx", 1, 0, ECX, 28, OS_YMM},
	{"f16c", 1, 0, ECX, 29, OS_YMM},        {"rdrand", 1, 0, ECX, 30, OS_NONE},
	{"bmi1", 7, 0, EBX, 3, OS_NONE},        {"avx2", 7, 0, EBX, 5, OS_YMM},
	{"bmi2", 7, 0, EBX, 8, OS_NONE},        {"erms", 7, 0, EBX, 9, OS_NONE},
	{"avx512f", 7, 0, EBX, 16, OS_ZMM},     {"avx512dq", 7, 0, EBX, 17, OS_ZMM},
	{"rdseed", 7, 0, EBX, 18, OS_NONE},     {"adx", 7, 0, EBX, 19, OS_NONE},
	{"avx512ifma", 7, 0, EBX, 21, OS_ZMM},  {"avx512cd", 7, 0, EBX, 28, OS_ZMM},
	{"sha_ni", 7, 0, EBX, 29, OS_NONE},     {"avx512bw", 7, 0, EBX, 30, OS_ZMM},
	{"avx512vl", 7, 0, EBX, 31, OS_ZMM},    {"avx512vbmi", 7, 0, ECX, 1, OS_ZMM},
	{"avx512_vbmi2", 7, 0, ECX, 6, OS_ZMM}, {"gfni", 7, 0, ECX, 8, OS_NONE},
	{"vaes", 7, 0, ECX, 9, OS_YMM},         {"vpclmulqdq", 7, 0, ECX, 10, OS_YMM},
	{"avx512_vnni", 7, 0, ECX, 11, OS_ZMM}, {"avx512_bitalg", 7, 0, ECX, 12, OS_ZMM},
	{"fsrm", 7, 0, EDX, 4, OS_NONE},        {"amx_bf16", 7, 0, EDX, 22, OS_AMX},
	{"avx512_fp16", 7, 0, EDX, 23, OS_ZMM}, {"amx_tile", 7, 0, EDX, 24, OS_AMX},
	{"amx_int8", 7, 0, EDX, 25, OS_AMX},    {"avx_vnni", 7, 1, EAX, 4, OS_YMM},
	{"avx512_bf16", 7, 1, EAX, 5, OS_ZMM},  {"abm", 0x80000001, 0, ECX, 5, OS_NONE},
};

/* Runs cpuid for leaf and subleaf into r[4]; all zero when the leaf is beyond the CPU's maximum. */
static void cpuid(uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
	r[EAX] = r[EBX] = r[ECX] = r[EDX] = 0;
	uint32_t max = __get_cpuid_max(leaf & 0x80000000u, NULL);
	if (leaf > max)
		return;
	__cpuid_count(leaf, subleaf, r[EAX], r[EBX], r[ECX], r[EDX]);
}

/* XCR0, or 0 when the OS has not enabled xgetbv (CPUID.1:ECX.OSXSAVE, bit 27). */
static uint64_t xcr0(void)
{
	uint32_t r[4], lo, hi;
	cpuid(1, 0, r);
	if (!(r[ECX] & (1u << 27)))
		return 0;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

static int os_enables(enum os_state need, uint64_t xcr)
{
	const uint64_t ymm = 0x6, zmm = 0xe0, amx = 0x60000;
	switch (need) {
	case OS_NONE:
		return 1;
	case OS_YMM:
		return (xcr & ymm) == ymm;
	case OS_ZMM:
		return (xcr & ymm) == ymm && (xcr & zmm) == zmm;
	case OS_AMX:
		return (xcr & amx) == amx;
	}
	return 0;
}

/* Copies n bytes of register text into out (size > n), trimmed of blanks and cut at a NUL. */
static void register_text(char *out, size_t size, const char *text, size_t n)
{
	size_t s = 0, e = strnlen(text, n);
	while (s < e && text[s] == ' ')
		s++;
	while (e > s && text[e - 1] == ' ')
		e--;
	if (e - s >= size)
		e = s + size - 1;
	memcpy(out, text + s, e - s);
	out[e - s] = '\0';
}

void noa_cpu_probe_self(struct noa_cpu *cpu)
{
	uint32_t r[4], regs[12];
	char text[48];
	memcpy(cpu->arch, "x86_64", sizeof "x86_64");

	cpuid(0, 0, r);
	memcpy(text, &r[EBX], 4);
	memcpy(text + 4, &r[EDX], 4);
	memcpy(text + 8, &r[ECX], 4);
	register_text(cpu->vendor, sizeof cpu->vendor, text, 12);

	if (__get_cpuid_max(0x80000000u, NULL) >= 0x80000004u) {
		for (uint32_t i = 0; i < 3; i++)
			cpuid(0x80000002u + i, 0, regs + 4 * i);
		memcpy(text, regs, sizeof text);
		register_text(cpu->brand, sizeof cpu->brand, text, sizeof text);
	}

	cpuid(0x16, 0, r);
	if (r[EAX] > 0 && r[EAX] <= 100000)
		cpu->base_frequency_mhz = (int)r[EAX];

	/* The feature leaves, each read once: cpuid traps to the hypervisor in a VM. */
	static const uint32_t leaves[][2] = {{1, 0}, {7, 0}, {7, 1}, {0x80000001u, 0}};
	uint32_t values[4][4];
	for (size_t i = 0; i < 4; i++)
		cpuid(leaves[i][0], leaves[i][1], values[i]);
	uint64_t xcr = xcr0();
	for (size_t i = 0; i < sizeof features / sizeof features[0]; i++) {
		const struct cpuid_feature *f = &features[i];
		const uint32_t *v = NULL;
		for (size_t k = 0; k < 4 && !v; k++)
			if (leaves[k][0] == f->leaf && leaves[k][1] == f->subleaf)
				v = values[k];
		if (v && (v[f->reg] & (1u << f->bit)) && os_enables(f->os, xcr))
			noa_cpuinfo_add_feature(cpu->features, &cpu->nfeatures, f->name);
	}
}
