/* Accelerator detection: TPU and NPU flags, each with the sources that raised it, in a fixed order:
 * explicit switches (NOA_ACCELERATOR_TPU/NPU), well-known environment variables of the vendors' runtimes,
 * then device nodes under the sysroot. Values and device nodes are only tested for presence; nothing
 * under /dev is opened. */
#include <stdio.h>
#include <string.h>

#include "noa/hardware.h"

enum kind { TPU, NPU };

/* Adds source to acc (once, within the cap) and raises the flag for kind. */
static void raise(struct noa_accelerators *acc, enum kind k, const char *source)
{
	if (k == TPU)
		acc->tpu = 1;
	else
		acc->npu = 1;
	for (int i = 0; i < acc->nsources; i++)
		if (strcmp(acc->sources[i], source) == 0)
			return;
	if (acc->nsources >= NOA_MAX_ACCEL_SOURCES || strlen(source) >= sizeof acc->sources[0])
		return;
	memcpy(acc->sources[acc->nsources++], source, strlen(source) + 1);
}

/* Whether an explicit switch is on: "1" or "true". */
static int switched_on(const struct noa_env *env, const char *name)
{
	const char *v = noa_env_get(env, name);
	return v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
}

/* Whether a well-known variable is set to something (an empty value does not count). */
static int set_nonempty(const struct noa_env *env, const char *name)
{
	const char *v = noa_env_get(env, name);
	return v && v[0];
}

/* Raises kind for every entry of dir whose name starts with prefix, naming "<dir>/<entry>". */
static void devices(struct noa_accelerators *acc, const struct noa_probe_source *src, const char *dir,
		    const char *prefix, enum kind k)
{
	char names[NOA_MAX_ACCEL_SOURCES][NOA_NAME_MAX];
	char path[NOA_PATH_MAX];
	int n = noa_sysroot_list(&src->root, dir, prefix, names, NOA_MAX_ACCEL_SOURCES);
	for (int i = 0; i < n; i++) {
		int w = snprintf(path, sizeof path, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, names[i]);
		if (w > 0 && (size_t)w < sizeof path)
			raise(acc, k, path);
	}
}

void noa_probe_accelerators(struct noa_accelerators *acc, const struct noa_probe_source *src)
{
	static const struct {
		const char *name;
		enum kind k;
	} explicit_vars[] = {{"NOA_ACCELERATOR_TPU", TPU}, {"NOA_ACCELERATOR_NPU", NPU}},
	  known_vars[] = {{"TPU_VISIBLE_DEVICES", TPU},
			  {"TPU_NAME", TPU},
			  {"TPU_ACCELERATOR_TYPE", TPU},
			  {"NEURON_RT_VISIBLE_CORES", NPU},
			  {"NEURO_ACCELERATORS", NPU}};
	memset(acc, 0, sizeof *acc);
	for (size_t i = 0; i < sizeof explicit_vars / sizeof explicit_vars[0]; i++)
		if (switched_on(&src->env, explicit_vars[i].name))
			raise(acc, explicit_vars[i].k, explicit_vars[i].name);
	for (size_t i = 0; i < sizeof known_vars / sizeof known_vars[0]; i++)
		if (set_nonempty(&src->env, known_vars[i].name))
			raise(acc, known_vars[i].k, known_vars[i].name);
	devices(acc, src, "/dev/accel", "accel", TPU);
	devices(acc, src, "/dev", "apex_", TPU);
	devices(acc, src, "/dev", "neuron", NPU);
}
