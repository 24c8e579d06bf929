/* The policy's keys, defaults and value validation, shared by the YAML reader (policy_yaml.c, or
 * policy_noyaml.c in builds without libyaml) and --set. Values are parsed by hand, not with strtod, so
 * that the accepted syntax is exactly the documented one and no locale can change it. */
#include "noa/policy.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "noa/error.h"
#include "noa/json.h"

/* Longest numeric value accepted, in characters. */
#define NUMBER_MAX 32

enum key_type { KEY_BOOL, KEY_GIB };

/* One policy key: its name, type and where it lives in struct noa_policy. */
struct key {
	const char *name;
	enum key_type type;
	size_t offset;
};

static const struct key keys[] = {
	{"prefer_gpu", KEY_BOOL, offsetof(struct noa_policy, prefer_gpu)},
	{"min_gpu_memory_gb", KEY_GIB, offsetof(struct noa_policy, min_gpu_memory_gb)},
	{"prefer_lightweight_python_on_low_memory", KEY_BOOL,
	 offsetof(struct noa_policy, prefer_lightweight_python_on_low_memory)},
	{"lightweight_memory_threshold_gb", KEY_GIB,
	 offsetof(struct noa_policy, lightweight_memory_threshold_gb)},
	{"allow_accelerator_experiments", KEY_BOOL,
	 offsetof(struct noa_policy, allow_accelerator_experiments)},
};
#define NKEYS (sizeof keys / sizeof keys[0])

void noa_policy_defaults(struct noa_policy *p)
{
	p->prefer_gpu = 1;
	p->min_gpu_memory_gb = 8.0;
	p->prefer_lightweight_python_on_low_memory = 1;
	p->lightweight_memory_threshold_gb = 6.0;
	p->allow_accelerator_experiments = 1;
}

static const struct key *find_key(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

const char *noa_policy_key_type(const char *key)
{
	const struct key *k = key ? find_key(key) : NULL;
	if (k == NULL)
		return NULL;
	return k->type == KEY_BOOL ? "boolean" : "number";
}

/* Parses s as digits with an optional '.' and fraction digits. Returns 0 and *out, or -1. */
static int parse_number(const char *s, double *out)
{
	double v = 0, scale = 1;
	int digits = 0, point = 0;
	if (strlen(s) > NUMBER_MAX)
		return -1;
	for (const char *c = s; *c; c++) {
		if (*c == '.' && !point && digits > 0) {
			point = 1;
			if (c[1] == '\0')
				return -1;
		} else if (*c >= '0' && *c <= '9') {
			digits++;
			if (point) {
				scale /= 10;
				v += (*c - '0') * scale;
			} else {
				v = v * 10 + (*c - '0');
			}
		} else {
			return -1;
		}
	}
	if (digits == 0)
		return -1;
	*out = v;
	return 0;
}

/* Writes the reason for a rejection into reason when it is given. Every %s in fmt is bounded so that the
 * text fits the callers' buffers; a cut message would still be a message, never a wrong value. */
__attribute__((format(printf, 3, 4))) static void say(char *reason, size_t size, const char *fmt, ...)
{
	va_list ap;
	if (reason == NULL || size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, size, fmt, ap);
	va_end(ap);
}

int noa_policy_set(struct noa_policy *p, const char *key, const char *value, char *reason, size_t size)
{
	const struct key *k = find_key(key);
	double v;
	if (k == NULL) {
		say(reason, size,
		    "unknown key '%.64s' (known keys: prefer_gpu, min_gpu_memory_gb, "
		    "prefer_lightweight_python_on_low_memory, lightweight_memory_threshold_gb, "
		    "allow_accelerator_experiments)",
		    key);
		return NOA_ENOTFOUND;
	}
	if (k->type == KEY_BOOL) {
		int *b = (int *)(void *)((char *)p + k->offset);
		if (strcmp(value, "true") == 0) {
			*b = 1;
		} else if (strcmp(value, "false") == 0) {
			*b = 0;
		} else {
			say(reason, size, "'%s' must be true or false, not '%.64s'", k->name, value);
			return NOA_EINVALID;
		}
		return 0;
	}
	if (parse_number(value, &v) != 0) {
		say(reason, size, "'%s' must be a number of GiB (like 8 or 6.5), not '%.64s'", k->name,
		    value);
		return NOA_EINVALID;
	}
	if (!(v > 0 && v <= NOA_POLICY_MAX_GIB)) {
		say(reason, size, "'%s' must be more than 0 and at most %.0f GiB, not %.64s", k->name,
		    NOA_POLICY_MAX_GIB, value);
		return NOA_EINVALID;
	}
	*(double *)(void *)((char *)p + k->offset) = v;
	return 0;
}

int noa_policy_set_arg(struct noa_policy *p, const char *arg, struct noa_policy_error *err)
{
	char key[64], reason[512];
	const char *eq = strchr(arg, '=');
	int rc;
	err->line = err->col = 0;
	if (eq == NULL || eq == arg || (size_t)(eq - arg) >= sizeof key) {
		snprintf(err->msg, sizeof err->msg, "--set '%.128s': expected KEY=VALUE with a policy key",
			 arg);
		return eq == NULL || eq == arg ? NOA_EINVALID : NOA_ENOTFOUND;
	}
	memcpy(key, arg, (size_t)(eq - arg));
	key[eq - arg] = '\0';
	rc = noa_policy_set(p, key, eq + 1, reason, sizeof reason);
	if (rc != 0)
		snprintf(err->msg, sizeof err->msg, "--set '%.128s': %s", arg, reason);
	return rc;
}

/* The fewest decimals (1 to 3) that show v exactly: 8 as 8.0, 6.25 as 6.25. */
static int decimals(double v)
{
	int d = 1;
	double scale = 10;
	while (d < 3 && fabs(round(v * scale) / scale - v) > 1e-9) {
		d++;
		scale *= 10;
	}
	return d;
}

void noa_policy_json(struct noa_json *j, const struct noa_policy *p)
{
	noa_json_begin_object(j);
	for (size_t i = 0; i < NKEYS; i++) {
		const char *field = (const char *)p + keys[i].offset;
		noa_json_key(j, keys[i].name);
		if (keys[i].type == KEY_BOOL)
			noa_json_bool(j, *(const int *)(const void *)field);
		else
			noa_json_double(j, *(const double *)(const void *)field,
					decimals(*(const double *)(const void *)field));
	}
	noa_json_end_object(j);
}
