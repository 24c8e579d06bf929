/* Parsers for /proc/cpuinfo, "Key: value" files, sysfs numbers and CPU range lists, and the tables that
 * name what they find: MIDR implementers and parts, and the CPU features the probe reports. */
#include "cpuinfo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "noa/error.h"
#include "noa/sysroot.h"

/* Most (physical id, core id) pairs collected from /proc/cpuinfo. */
#define MAX_PAIRS 8192
/* Longest cpuinfo key and value; a line with a longer one is not a real cpuinfo line and is skipped
 * (cutting it could turn "avx512f" into a known "avx"). */
#define KEY_MAX 32
#define VALUE_MAX 16384

struct name_code {
	int code;
	const char *name;
};

struct part_name {
	int implementer, part;
	const char *name;
};

static const struct name_code implementers[] = {
	{0x41, "ARM"},    {0x42, "Broadcom"}, {0x43, "Cavium"}, {0x46, "Fujitsu"}, {0x48, "HiSilicon"},
	{0x4e, "NVIDIA"}, {0x51, "Qualcomm"}, {0x61, "Apple"},  {0xc0, "Ampere"},
};

/* Core names as util-linux's lscpu spells them. */
static const struct part_name parts[] = {
	{0x41, 0xd03, "Cortex-A53"},  {0x41, 0xd05, "Cortex-A55"},  {0x41, 0xd07, "Cortex-A57"},
	{0x41, 0xd08, "Cortex-A72"},  {0x41, 0xd09, "Cortex-A73"},  {0x41, 0xd0a, "Cortex-A75"},
	{0x41, 0xd0b, "Cortex-A76"},  {0x41, 0xd0c, "Neoverse-N1"}, {0x41, 0xd0d, "Cortex-A77"},
	{0x41, 0xd40, "Neoverse-V1"}, {0x41, 0xd41, "Cortex-A78"},  {0x41, 0xd44, "Cortex-X1"},
	{0x41, 0xd46, "Cortex-A510"}, {0x41, 0xd47, "Cortex-A710"}, {0x41, 0xd48, "Cortex-X2"},
	{0x41, 0xd49, "Neoverse-N2"}, {0x41, 0xd4a, "Neoverse-E1"}, {0x41, 0xd4f, "Neoverse-V2"},
	{0x43, 0x0af, "ThunderX2"},   {0x46, 0x001, "A64FX"},       {0x48, 0xd01, "TaiShan-v110"},
	{0xc0, 0xac3, "Ampere-1"},
};

/* x86 features the probe reports: cpuinfo's spelling, then the reported name when it differs. The
 * cpuid table in src/arch/x86_64/cpu_x86.c reports the same names. */
static const char *const x86_features[][2] = {
	{"abm", NULL},         {"adx", NULL},           {"aes", NULL},         {"amx_bf16", NULL},
	{"amx_int8", NULL},    {"amx_tile", NULL},      {"avx", NULL},         {"avx2", NULL},
	{"avx512_bf16", NULL}, {"avx512_bitalg", NULL}, {"avx512_fp16", NULL}, {"avx512_vbmi2", NULL},
	{"avx512_vnni", NULL}, {"avx512bw", NULL},      {"avx512cd", NULL},    {"avx512dq", NULL},
	{"avx512f", NULL},     {"avx512ifma", NULL},    {"avx512vbmi", NULL},  {"avx512vl", NULL},
	{"avx_vnni", NULL},    {"bmi1", NULL},          {"bmi2", NULL},        {"cx16", NULL},
	{"erms", NULL},        {"f16c", NULL},          {"fma", NULL},         {"fsrm", NULL},
	{"gfni", NULL},        {"mmx", NULL},           {"movbe", NULL},       {"pclmulqdq", NULL},
	{"pni", "sse3"},       {"popcnt", NULL},        {"rdrand", NULL},      {"rdseed", NULL},
	{"sha_ni", NULL},      {"sse", NULL},           {"sse2", NULL},        {"sse4_1", NULL},
	{"sse4_2", NULL},      {"ssse3", NULL},         {"vaes", NULL},        {"vpclmulqdq", NULL},
};

/* aarch64 features: the kernel's names for the AT_HWCAP bits 0-31 and AT_HWCAP2 bits 0-23, which
 * src/arch/aarch64/cpu_arm.c reports in the same spelling. */
static const char *const arm_features[] = {
	"fp",      "asimd",   "evtstrm",  "aes",      "pmull",      "sha1",    "sha2",   "crc32",
	"atomics", "fphp",    "asimdhp",  "cpuid",    "asimdrdm",   "jscvt",   "fcma",   "lrcpc",
	"dcpop",   "sha3",    "sm3",      "sm4",      "asimddp",    "sha512",  "sve",    "asimdfhm",
	"dit",     "uscat",   "ilrcpc",   "flagm",    "ssbs",       "sb",      "paca",   "pacg",
	"dcpodp",  "sve2",    "sveaes",   "svepmull", "svebitperm", "svesha3", "svesm4", "flagm2",
	"frint",   "svei8mm", "svef32mm", "svef64mm", "svebf16",    "i8mm",    "bf16",   "dgh",
	"rng",     "bti",     "mte",      "ecv",      "afp",        "rpres",   "mte3",   "sme",
};

const char *noa_cpuinfo_implementer_name(int implementer)
{
	for (size_t i = 0; i < sizeof implementers / sizeof implementers[0]; i++)
		if (implementers[i].code == implementer)
			return implementers[i].name;
	return NULL;
}

const char *noa_cpuinfo_part_name(int implementer, int part)
{
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		if (parts[i].implementer == implementer && parts[i].part == part)
			return parts[i].name;
	return NULL;
}

const char *noa_cpuinfo_feature_name(const char *arch, const char *name)
{
	if (strcmp(arch, "x86_64") == 0) {
		for (size_t i = 0; i < sizeof x86_features / sizeof x86_features[0]; i++)
			if (strcmp(x86_features[i][0], name) == 0 ||
			    (x86_features[i][1] && strcmp(x86_features[i][1], name) == 0))
				return x86_features[i][1] ? x86_features[i][1] : x86_features[i][0];
	} else if (strcmp(arch, "aarch64") == 0) {
		for (size_t i = 0; i < sizeof arm_features / sizeof arm_features[0]; i++)
			if (strcmp(arm_features[i], name) == 0)
				return arm_features[i];
	}
	return NULL;
}

void noa_cpuinfo_add_feature(char features[][NOA_FEATURE_NAME_MAX], int *n, const char *name)
{
	size_t len = strlen(name);
	int at = 0;
	if (len == 0 || len >= NOA_FEATURE_NAME_MAX || *n >= NOA_MAX_FEATURES)
		return;
	while (at < *n && strcmp(features[at], name) < 0)
		at++;
	if (at < *n && strcmp(features[at], name) == 0)
		return;
	memmove(features[at + 1], features[at], (size_t)(*n - at) * NOA_FEATURE_NAME_MAX);
	memcpy(features[at], name, len + 1);
	(*n)++;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int noa_cpuinfo_int(const char *s, int base, long long min, long long max, long long *out)
{
	char *end;
	while (is_blank(*s))
		s++;
	/* strtoll would take a sign, and a base 16 "0x" only when asked; digits must come first. */
	if (!((*s >= '0' && *s <= '9') ||
	      (base == 16 && ((*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))))
		return NOA_EINVALID;
	errno = 0;
	long long v = strtoll(s, &end, base);
	if (errno != 0 || end == s)
		return NOA_EINVALID;
	while (is_blank(*end))
		end++;
	if (*end == '\n')
		end++;
	if (*end != '\0' || v < min || v > max)
		return NOA_EINVALID;
	*out = v;
	return 0;
}

/* Copies [s, e) into out, trimmed of blanks and cut to size - 1 bytes. */
static void copy_trimmed(char *out, size_t size, const char *s, const char *e)
{
	while (s < e && is_blank(*s))
		s++;
	while (e > s && (is_blank(e[-1]) || e[-1] == '\r'))
		e--;
	size_t n = (size_t)(e - s);
	if (n >= size)
		n = size - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

/* Splits the line [s, e) at its first ':' into a trimmed key and value. Returns 0, or -1 when the line
 * has no ':' or its key or value is too long. */
static int split_line(const char *s, const char *e, char *key, char *value)
{
	const char *colon = memchr(s, ':', (size_t)(e - s));
	if (!colon || colon - s >= KEY_MAX || e - colon >= VALUE_MAX)
		return -1;
	copy_trimmed(key, KEY_MAX, s, colon);
	copy_trimmed(value, VALUE_MAX, colon + 1, e);
	return 0;
}

int noa_cpuinfo_value(const char *text, const char *key, char *out, size_t size)
{
	char k[KEY_MAX];
	size_t klen = strlen(key);
	/* Lines are found by length (memchr), not with strchr on the rest of the text, which ASan's strict
	 * string checks read whole on every call. */
	const char *end = text + strlen(text);
	for (const char *s = text; *s;) {
		const char *e = memchr(s, '\n', (size_t)(end - s));
		if (!e)
			e = end;
		const char *colon = memchr(s, ':', (size_t)(e - s));
		if (colon && colon - s < KEY_MAX) {
			copy_trimmed(k, sizeof k, s, colon);
			if (strlen(k) == klen && memcmp(k, key, klen) == 0) {
				const char *v = colon + 1;
				const char *ve = e;
				while (v < ve && is_blank(*v))
					v++;
				while (ve > v && (is_blank(ve[-1]) || ve[-1] == '\r'))
					ve--;
				if ((size_t)(ve - v) >= size)
					return NOA_EINVALID;
				memcpy(out, v, (size_t)(ve - v));
				out[ve - v] = '\0';
				return 0;
			}
		}
		s = *e ? e + 1 : e;
	}
	return NOA_ENOTFOUND;
}

/* Parses a CPU number of a range list at *s, advancing *s. Returns the number or -1. */
static long cpu_number(const char **s)
{
	long v = 0;
	if (**s < '0' || **s > '9')
		return -1;
	while (**s >= '0' && **s <= '9') {
		v = v * 10 + (**s - '0');
		if (v >= NOA_CPUINFO_MAX_CPUS * 16L)
			return -1;
		(*s)++;
	}
	return v;
}

int noa_cpuinfo_cpulist(const char *s)
{
	long total = 0;
	while (is_blank(*s))
		s++;
	for (;;) {
		long lo = cpu_number(&s), hi = lo;
		if (lo < 0)
			return NOA_EINVALID;
		if (*s == '-') {
			s++;
			hi = cpu_number(&s);
			if (hi < lo)
				return NOA_EINVALID;
		}
		total += hi - lo + 1;
		if (total > NOA_CPUINFO_MAX_CPUS)
			return NOA_EINVALID;
		if (*s != ',')
			break;
		s++;
	}
	while (is_blank(*s) || *s == '\n')
		s++;
	return *s == '\0' ? (int)total : NOA_EINVALID;
}

/* A processor's (physical id, core id), -1 for each one not given. */
struct pair {
	long long package, core;
};

static int by_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	if (x->package != y->package)
		return x->package < y->package ? -1 : 1;
	return x->core < y->core ? -1 : x->core > y->core;
}

/* Counts the distinct pairs of p[0..n) with both ids, and the distinct packages, sorting p. */
static void count_pairs(struct noa_cpuinfo *ci, struct pair *p, int n)
{
	int cores = 0, packages = 0;
	qsort(p, (size_t)n, sizeof *p, by_pair);
	for (int i = 0; i < n; i++) {
		if (p[i].package < 0)
			continue;
		if (i == 0 || p[i].package != p[i - 1].package)
			packages++;
		if (p[i].core >= 0 && (i == 0 || by_pair(&p[i], &p[i - 1]) != 0))
			cores++;
	}
	ci->core_pairs = cores;
	ci->packages = packages;
}

/* Adds the known features of a flags/Features value for arch. */
static void parse_features(struct noa_cpuinfo *ci, const char *arch, char *value)
{
	char name[NOA_FEATURE_NAME_MAX];
	for (char *s = value; *s;) {
		while (is_blank(*s))
			s++;
		char *e = s;
		while (*e && !is_blank(*e))
			e++;
		size_t n = (size_t)(e - s);
		if (n > 0 && n < sizeof name) {
			for (size_t i = 0; i < n; i++)
				name[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
			name[n] = '\0';
			const char *known = noa_cpuinfo_feature_name(arch, name);
			if (known)
				noa_cpuinfo_add_feature(ci->features, &ci->nfeatures, known);
		}
		s = e;
	}
}

/* Parses an id value into *out (-1 when malformed). */
static void parse_id(const char *value, int base, long long max, long long *out)
{
	if (noa_cpuinfo_int(value, base, 0, max, out) != 0)
		*out = -1;
}

void noa_cpuinfo_parse(struct noa_cpuinfo *ci, char *text, size_t len)
{
	char key[KEY_MAX];
	char *value = malloc(VALUE_MAX);
	struct pair *pairs = malloc(MAX_PAIRS * sizeof *pairs);
	/* 1 when the first flags/Features line was an x86 "flags" line, 0 for "Features", -1 for none. */
	int flags_x86 = -1;
	int npairs = 0, x86 = 0, arm = 0;
	long long v;
	struct pair cur = {-1, -1};

	memset(ci, 0, sizeof *ci);
	ci->implementer = ci->part = -1;
	if (!value || !pairs)
		goto out;
	if (len > NOA_READ_MAX)
		len = NOA_READ_MAX;
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\0')
			text[i] = '\n';
	for (char *s = text; s < text + len;) {
		char *e = memchr(s, '\n', (size_t)(text + len - s));
		if (!e)
			break;
		if (split_line(s, e, key, value) != 0) {
			s = e + 1;
			continue;
		}
		s = e + 1;
		if (strcmp(key, "processor") == 0) {
			if (ci->processors > 0 && npairs < MAX_PAIRS)
				pairs[npairs++] = cur;
			cur.package = cur.core = -1;
			if (ci->processors < NOA_CPUINFO_MAX_CPUS)
				ci->processors++;
		} else if (strcmp(key, "physical id") == 0) {
			parse_id(value, 10, NOA_CPUINFO_MAX_CPUS, &cur.package);
		} else if (strcmp(key, "core id") == 0) {
			parse_id(value, 10, 1 << 24, &cur.core);
		} else if (strcmp(key, "cpu cores") == 0) {
			if (ci->cpu_cores == 0 &&
			    noa_cpuinfo_int(value, 10, 1, NOA_CPUINFO_MAX_CPUS, &v) == 0)
				ci->cpu_cores = (int)v;
		} else if (strcmp(key, "vendor_id") == 0) {
			x86 = 1;
			if (!ci->vendor_id[0])
				copy_trimmed(ci->vendor_id, sizeof ci->vendor_id, value,
					     value + strlen(value));
		} else if (strcmp(key, "model name") == 0) {
			if (!ci->model_name[0])
				copy_trimmed(ci->model_name, sizeof ci->model_name, value,
					     value + strlen(value));
		} else if (strcmp(key, "flags") == 0 || strcmp(key, "Features") == 0) {
			if (key[0] == 'f')
				x86 = 1;
			else
				arm = 1;
			if (flags_x86 < 0) {
				flags_x86 = key[0] == 'f';
				parse_features(ci, flags_x86 ? "x86_64" : "aarch64", value);
			}
		} else if (strcmp(key, "CPU implementer") == 0) {
			arm = 1;
			if (ci->implementer < 0 && noa_cpuinfo_int(value, 16, 0, 0xff, &v) == 0)
				ci->implementer = (int)v;
		} else if (strcmp(key, "CPU part") == 0) {
			if (ci->part < 0 && noa_cpuinfo_int(value, 16, 0, 0xfff, &v) == 0)
				ci->part = (int)v;
		}
	}
	if (ci->processors > 0 && npairs < MAX_PAIRS)
		pairs[npairs++] = cur;
	count_pairs(ci, pairs, npairs);
	if (x86 && !arm)
		memcpy(ci->arch, "x86_64", sizeof "x86_64");
	else if (arm && !x86)
		memcpy(ci->arch, "aarch64", sizeof "aarch64");
	/* Features of a line that does not match the inferred format are not this CPU's. */
	if (!ci->arch[0] || flags_x86 != (strcmp(ci->arch, "x86_64") == 0))
		ci->nfeatures = 0;
	if (strcmp(ci->arch, "aarch64") != 0)
		ci->implementer = ci->part = -1;
out:
	free(value);
	free(pairs);
}
