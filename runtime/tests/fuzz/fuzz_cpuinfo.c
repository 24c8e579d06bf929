/* libFuzzer target for the kernel text-file parsers of cpuinfo.h, all four from one input: the first
 * byte selects the parser (low two bits) and its parameters (the other bits), the rest is the text.
 * Besides sanitizer reports, a result outside what cpuinfo.h promises aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpuinfo.h"
#include "noa/error.h"

/* The entry point libFuzzer (or tests/fuzz/replay.c) calls once per input. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether the size-byte array s holds a NUL. */
static int terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/* Parses text as /proc/cpuinfo and checks the struct against the header's promises. */
static void fuzz_parse(char *text, size_t len)
{
	struct noa_cpuinfo *ci = malloc(sizeof *ci);
	if (!ci)
		return;
	noa_cpuinfo_parse(ci, text, len);
	if (!terminated(ci->arch, sizeof ci->arch) || !terminated(ci->vendor_id, sizeof ci->vendor_id) ||
	    !terminated(ci->model_name, sizeof ci->model_name))
		abort();
	if (ci->arch[0] && strcmp(ci->arch, "x86_64") != 0 && strcmp(ci->arch, "aarch64") != 0)
		abort();
	if (ci->processors < 0 || ci->processors > NOA_CPUINFO_MAX_CPUS || ci->core_pairs < 0 ||
	    ci->core_pairs > ci->processors || ci->packages < 0 || ci->packages > ci->processors ||
	    ci->cpu_cores < 0 || ci->cpu_cores > NOA_CPUINFO_MAX_CPUS)
		abort();
	if (ci->implementer < -1 || ci->implementer > 0xff || ci->part < -1 || ci->part > 0xfff)
		abort();
	if (ci->nfeatures < 0 || ci->nfeatures > NOA_MAX_FEATURES)
		abort();
	for (int i = 0; i < ci->nfeatures; i++) {
		if (!terminated(ci->features[i], sizeof ci->features[i]) || !ci->features[i][0])
			abort();
		if (i > 0 && strcmp(ci->features[i - 1], ci->features[i]) >= 0)
			abort();
		if (!noa_cpuinfo_feature_name(ci->arch, ci->features[i]))
			abort();
	}
	(void)noa_cpuinfo_implementer_name(ci->implementer);
	(void)noa_cpuinfo_part_name(ci->implementer, ci->part);
	free(ci);
}

/* Parses text as one integer; bit 2 of sel picks the base, bits 3-4 the range. */
static void fuzz_int(const char *text, uint8_t sel)
{
	static const long long ranges[4][2] = {
		{0, 0xff}, {1, NOA_CPUINFO_MAX_CPUS}, {0, 1LL << 24}, {-1000, 1000000000000LL}};
	const long long *r = ranges[(sel >> 3) & 3];
	long long v = 0;
	int rc = noa_cpuinfo_int(text, sel & 4 ? 16 : 10, r[0], r[1], &v);
	if (rc != 0 && rc != NOA_EINVALID)
		abort();
	if (rc == 0 && (v < r[0] || v > r[1]))
		abort();
}

/* Looks up a key in a "Key: value" file: the key is text's first line (NULs in the rest become
 * newlines, as the callers do), and the output buffer is 1 to 64 bytes long, from sel's high bits. */
static void fuzz_value(char *text, size_t len, uint8_t sel)
{
	char *nl = memchr(text, '\n', len);
	const char *key = "MemTotal";
	char *file = text;
	size_t outsize = (size_t)(sel >> 2) + 1;
	char *out;
	if (nl) {
		*nl = '\0';
		key = text;
		file = nl + 1;
	}
	for (char *p = file; p < text + len; p++)
		if (*p == '\0')
			*p = '\n';
	out = malloc(outsize);
	if (!out)
		return;
	int rc = noa_cpuinfo_value(file, key, out, outsize);
	if (rc != 0 && rc != NOA_ENOTFOUND && rc != NOA_EINVALID)
		abort();
	if (rc == 0 && !terminated(out, outsize))
		abort();
	free(out);
}

/* Counts the CPUs of a range list. */
static void fuzz_cpulist(const char *text)
{
	int n = noa_cpuinfo_cpulist(text);
	if (n != NOA_EINVALID && (n < 1 || n > NOA_CPUINFO_MAX_CPUS))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t sel = data[0];
	size_t len = size - 1;
	/* A private, NUL-terminated, mutable copy: the parsers take C strings and parse() writes. */
	char *text = malloc(len + 1);
	if (!text)
		return 0;
	if (len)
		memcpy(text, data + 1, len);
	text[len] = '\0';
	switch (sel & 3) {
	case 0:
		fuzz_parse(text, len);
		break;
	case 1:
		fuzz_int(text, sel);
		break;
	case 2:
		fuzz_value(text, len, sel);
		break;
	default:
		fuzz_cpulist(text);
		break;
	}
	free(text);
	return 0;
}
