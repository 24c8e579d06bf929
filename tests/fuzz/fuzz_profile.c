/* libFuzzer target for the profile schema: the input is the document of a profile named "fuzz", read by
 * crc_profile_parse with the source tree as project root (so `extends: edge`, the gates of
 * runtime/features.yaml and the toolchain files are real). Any bytes must give a profile that keeps the
 * schema's promises, or an error with a message; collect mode (crc_profile_check_text) must agree with
 * it and list its error among the problems, every one with a message. An accepted profile is rendered
 * as JSON. CRC_SOURCE_DIR is the source tree, given at compile time. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crc/diag.h"
#include "crc/gates.h"
#include "crc/json.h"
#include "crc/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_string(const char *s)
{
	if (!s || !s[0])
		__builtin_trap();
	for (const char *q = s; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			__builtin_trap();
}

static void check_extra(const struct crc_profile_extra *x)
{
	for (size_t i = 0; i < x->cflags.n; i++)
		check_string(x->cflags.items[i]);
	for (size_t i = 0; i < x->ldflags.n; i++)
		check_string(x->ldflags.items[i]);
	for (size_t i = 0; i < x->cmake.n; i++) {
		check_string(x->cmake.keys[i]);
		check_string(x->cmake.values[i]);
		if (strncmp(x->cmake.keys[i], "NOA_FEATURE_", 12) == 0)
			__builtin_trap();
	}
}

/* What an accepted profile promises (docs/profiles.md). */
static void check_profile(const struct crc_profile *p)
{
	const struct crc_profile_policy *pol = &p->policy;
	if (strcmp(p->name, "fuzz") != 0 || p->nchain < 1 || p->nchain > CRC_PROFILE_MAX_CHAIN ||
	    strcmp(p->chain[0], "fuzz") != 0 || p->ntargets < 1 || p->ntargets > CRC_PROFILE_MAX_TARGETS)
		__builtin_trap();
	check_string(p->description);
	for (size_t i = 0; i < p->ntargets; i++) {
		check_string(p->targets[i].triple);
		check_extra(&p->targets[i].extra);
		for (size_t k = 0; k < i; k++)
			if (strcmp(p->targets[k].triple, p->targets[i].triple) == 0)
				__builtin_trap();
	}
	if (!p->optimization.opt_level || !strchr("0123sz", p->optimization.opt_level[0]) ||
	    p->optimization.opt_level[1] || !p->optimization.lto || p->optimization.codegen_units < 1 ||
	    p->optimization.codegen_units > 256 || (p->optimization.strip & ~1) ||
	    (p->optimization.debug_info & ~1) || !p->archive)
		__builtin_trap();
	if (strcmp(p->optimization.lto, "off") != 0 && strcmp(p->optimization.lto, "thin") != 0 &&
	    strcmp(p->optimization.lto, "fat") != 0)
		__builtin_trap();
	if (strcmp(p->archive, "tar.zst") != 0 && strcmp(p->archive, "tar.gz") != 0)
		__builtin_trap();
	if (!(pol->min_gpu_memory_gb > 0 && pol->min_gpu_memory_gb <= 65536) ||
	    !(pol->lightweight_memory_threshold_gb > 0 && pol->lightweight_memory_threshold_gb <= 65536))
		__builtin_trap();
	for (size_t i = 0; i < p->features.n; i++)
		check_string(p->features.items[i]);
	check_extra(&p->extra);
}

static int same_error(const struct crc_error *a, const struct crc_error *b)
{
	return a->line == b->line && a->col == b->col && strcmp(a->path, b->path) == 0 &&
	       strcmp(a->msg, b->msg) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crc_profile *p = NULL;
	struct crc_error err, cerr;
	struct crc_diags *d = malloc(sizeof *d);
	if (!d)
		return 0;
	crc_diags_clear(d);
	crc_error_clear(&err);
	static struct crc_gates *gates;
	if (!gates && crc_gates_load(&gates, CRC_SOURCE_DIR, &err) != 0)
		__builtin_trap();
	int rc = crc_profile_parse(&p, CRC_SOURCE_DIR, gates, "fuzz", "fuzz.yaml", (const char *)data, size,
				   NULL, 0, &err);
	if (rc == 0) {
		check_profile(p);
		struct crc_json *j = crc_profile_json(p);
		free(crc_json_render(j, 1));
		crc_json_free(j);
		crc_profile_free(p);
	} else if (p != NULL || err.msg[0] == '\0' || rc > 0) {
		__builtin_trap();
	}
	int crc = crc_profile_check_text(CRC_SOURCE_DIR, gates, "fuzz", "fuzz.yaml", (const char *)data, size,
					 d, &cerr);
	if ((rc == 0) != (crc == 0) || (crc == 0 && (d->n || d->dropped)) || (crc && !d->n))
		__builtin_trap();
	int found = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (!d->items[i].msg[0])
			__builtin_trap();
		found |= same_error(&d->items[i], &err);
	}
	/* The first problem is the one the loader stops at, and it always fits in the list. */
	if (crc && (!found || !cerr.msg[0]))
		__builtin_trap();
	free(d);
	return 0;
}
