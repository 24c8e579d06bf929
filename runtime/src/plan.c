/* The plan (noa/plan.h): pure decisions over the policy, the hardware, the target and the gates, each
 * with a reason a person can read. GiB are 2^30 bytes throughout. */
#include "noa/plan.h"

#include <ctype.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "noa/features.h"
#include "noa/json.h"

#define GIB 1073741824.0

void noa_plan_gates(struct noa_gates *g)
{
	g->low_power = noa_feature_enabled("low-power");
	g->gpu_offload = noa_feature_enabled("gpu-offload");
}

/* Formats a GiB value with as few decimals (1 to 3) as show it exactly, like "8.0", "6.25", "79.647". */
static void fmt_gib(char *buf, size_t size, double v)
{
	int digits = 1;
	while (digits < 3 && fabs(round(v * pow(10, digits)) / pow(10, digits) - v) > 1e-9)
		digits++;
	snprintf(buf, size, "%.*f", digits, v);
}

/* Writes a reason; reasons are built from bounded pieces, so a cut one is still readable. */
__attribute__((format(printf, 2, 3))) static void reason(struct noa_plan_choice *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof c->reason, fmt, ap);
	va_end(ap);
}

/* The GPU with the most memory (the first on ties, and unknown sizes count least), or -1 when none. */
static int biggest_gpu(const struct noa_hardware *hw)
{
	int best = -1;
	for (int i = 0; i < hw->ngpus && i < NOA_MAX_GPUS; i++)
		if (best < 0 || hw->gpus[i].memory_bytes > hw->gpus[best].memory_bytes)
			best = i;
	return best;
}

/* A GPU's name for reasons: its name, else its PCI id, else its index. */
static void gpu_label(char *buf, size_t size, const struct noa_hardware *hw, int i)
{
	const struct noa_gpu *g = &hw->gpus[i];
	if (g->name[0])
		snprintf(buf, size, "'%.*s'", (int)sizeof g->name, g->name);
	else if (g->pci_id[0])
		snprintf(buf, size, "'%.*s'", (int)sizeof g->pci_id, g->pci_id);
	else
		snprintf(buf, size, "#%d", i);
}

static void plan_llama(struct noa_plan_choice *c, const struct noa_policy *p, const struct noa_hardware *hw,
		       const struct noa_target *t, const struct noa_gates *g)
{
	char min[32], have[32], label[150];
	int best = biggest_gpu(hw);
	c->selected = "cpu";
	c->noptions = 0;
	if (g->gpu_offload)
		c->options[c->noptions++] = "gpu";
	c->options[c->noptions++] = "cpu";
	fmt_gib(min, sizeof min, p->min_gpu_memory_gb);
	if (!g->gpu_offload) {
		reason(c, "gpu-offload is not built in, so llama.cpp runs on the CPU");
	} else if (g->low_power) {
		reason(c, "the low-power build prefers the CPU");
	} else if (!p->prefer_gpu) {
		reason(c, "policy prefer_gpu is false");
	} else if (!t->capabilities.supports_gpu) {
		reason(c, "the %s target does not support GPUs", noa_target_kind_name(t->kind));
	} else if (best < 0) {
		reason(c, "no GPU was found");
	} else {
		gpu_label(label, sizeof label, hw, best);
		if (hw->gpus[best].memory_bytes < 0) {
			reason(c, "GPU %s has unknown memory, not known to reach %s GiB", label, min);
		} else {
			fmt_gib(have, sizeof have, (double)hw->gpus[best].memory_bytes / GIB);
			if ((double)hw->gpus[best].memory_bytes < p->min_gpu_memory_gb * GIB) {
				reason(c, "GPU %s has %s GiB < %s GiB (min_gpu_memory_gb)", label, have, min);
			} else {
				c->selected = "gpu";
				reason(c, "GPU %s has %s GiB >= %s GiB and gpu-offload is built in", label,
				       have, min);
			}
		}
	}
}

/* Lowers *bytes to bound (when known and smaller), remembering what bounded it. */
static void lower_memory(double *bytes, const char **what, double bound, const char *bound_what)
{
	if (bound >= 0 && (*bytes < 0 || bound < *bytes)) {
		*bytes = bound;
		*what = bound_what;
	}
}

static void plan_python(struct noa_plan_choice *c, const struct noa_policy *p, const struct noa_hardware *hw,
			const struct noa_target *t)
{
	double threshold = p->lightweight_memory_threshold_gb * GIB, mem = -1;
	double avail = hw->memory.available_bytes >= 0 ? (double)hw->memory.available_bytes : -1;
	const char *what = "total";
	char thr[32], m[32], a[32];
	c->selected = "cpython";
	c->noptions = 2;
	c->options[0] = "cpython";
	c->options[1] = "lightweight";
	fmt_gib(thr, sizeof thr, p->lightweight_memory_threshold_gb);
	lower_memory(&mem, &what, hw->memory.total_bytes >= 0 ? (double)hw->memory.total_bytes : -1, "total");
	lower_memory(&mem, &what, hw->memory.limit_bytes > 0 ? (double)hw->memory.limit_bytes : -1,
		     "cgroup limit");
	lower_memory(&mem, &what,
		     t->effective.max_memory_mb > 0 ? t->effective.max_memory_mb * 1048576.0 : -1,
		     "target limit");
	fmt_gib(m, sizeof m, mem / GIB);
	fmt_gib(a, sizeof a, avail / GIB);
	if (!p->prefer_lightweight_python_on_low_memory) {
		reason(c, "policy prefer_lightweight_python_on_low_memory is false");
	} else if (mem >= 0 && mem < threshold) {
		c->selected = "lightweight";
		reason(c, "memory %s GiB (%s) < %s GiB (lightweight_memory_threshold_gb)", m, what, thr);
	} else if (avail >= 0 && avail < threshold) {
		c->selected = "lightweight";
		reason(c, "available memory %s GiB < %s GiB (lightweight_memory_threshold_gb)", a, thr);
	} else if (mem < 0 && avail < 0) {
		reason(c, "memory size is unknown, so the full runtime is kept");
	} else if (mem < 0) {
		reason(c, "available memory %s GiB >= %s GiB (lightweight_memory_threshold_gb)", a, thr);
	} else if (avail < 0) {
		reason(c, "memory %s GiB (%s) >= %s GiB (lightweight_memory_threshold_gb)", m, what, thr);
	} else {
		reason(c,
		       "memory %s GiB (%s) and available %s GiB >= %s GiB (lightweight_memory_threshold_gb)",
		       m, what, a, thr);
	}
}

/* Whether haystack contains needle, ignoring ASCII case. */
static int contains_nocase(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);
	for (const char *h = haystack; *h; h++) {
		size_t i = 0;
		while (i < n && h[i] && tolower((unsigned char)h[i]) == tolower((unsigned char)needle[i]))
			i++;
		if (i == n)
			return 1;
	}
	return 0;
}

/* Adds an accelerator entry of kind, with the first probe source that names it (or the only source when
 * only this kind was detected). */
static void add_accelerator(struct noa_plan *plan, const struct noa_accelerators *acc, const char *kind,
			    int only_kind)
{
	struct noa_plan_accelerator *a = &plan->accelerators[plan->naccelerators++];
	int n = acc->nsources < NOA_MAX_ACCEL_SOURCES ? acc->nsources : NOA_MAX_ACCEL_SOURCES;
	a->kind = kind;
	a->source[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (contains_nocase(acc->sources[i], kind) || (only_kind && n == 1)) {
			snprintf(a->source, sizeof a->source, "%.*s", (int)sizeof acc->sources[i] - 1,
				 acc->sources[i]);
			return;
		}
	}
}

void noa_plan_make(struct noa_plan *plan, const struct noa_policy *policy, const struct noa_hardware *hw,
		   const struct noa_target *t, const struct noa_gates *g)
{
	const struct noa_accelerators *acc = &hw->accelerators;
	memset(plan, 0, sizeof *plan);
	plan->policy = *policy;
	plan_llama(&plan->llama_cpp, policy, hw, t, g);
	plan_python(&plan->python, policy, hw, t);
	if (policy->allow_accelerator_experiments) {
		if (acc->tpu)
			add_accelerator(plan, acc, "tpu", !acc->npu);
		if (acc->npu)
			add_accelerator(plan, acc, "npu", !acc->tpu);
	}
}

int noa_plan_threads(const struct noa_hardware *hw, const struct noa_target *t, const struct noa_gates *g,
		     char *why, size_t size)
{
	int n = hw->cpu.logical_cores > 0 ? hw->cpu.logical_cores : 1;
	int physical = hw->cpu.physical_cores > 0 ? hw->cpu.physical_cores : n;
	char buf[160];
	if (!t->capabilities.supports_threads) {
		n = 1;
		snprintf(buf, sizeof buf, "the %s target has no threads", noa_target_kind_name(t->kind));
	} else if (g->low_power && n > (physical / 2 > 0 ? physical / 2 : 1)) {
		n = physical / 2 > 0 ? physical / 2 : 1;
		snprintf(buf, sizeof buf, "low-power build: half of %d physical cores", physical);
	} else if (hw->cpu.logical_cores > 0) {
		snprintf(buf, sizeof buf, "one per logical core%s",
			 g->low_power ? " (within low-power's half)" : "");
	} else {
		snprintf(buf, sizeof buf, "the core count is unknown");
	}
	if (why && size)
		snprintf(why, size, "%s", buf);
	return n;
}

static void choice_json(struct noa_json *j, const struct noa_plan_choice *c)
{
	noa_json_begin_object(j);
	noa_json_key(j, "selected");
	noa_json_str(j, c->selected);
	noa_json_key(j, "options");
	noa_json_begin_array(j);
	for (int i = 0; i < c->noptions && i < 2; i++)
		noa_json_str(j, c->options[i]);
	noa_json_end_array(j);
	noa_json_key(j, "reason");
	noa_json_str(j, c->reason);
	noa_json_end_object(j);
}

void noa_plan_json(struct noa_json *j, const struct noa_plan *plan)
{
	noa_json_begin_object(j);
	noa_json_key(j, "schema");
	noa_json_str(j, "noa.plan/v1");
	noa_json_key(j, "llama_cpp");
	choice_json(j, &plan->llama_cpp);
	noa_json_key(j, "python");
	choice_json(j, &plan->python);
	noa_json_key(j, "accelerators");
	noa_json_begin_array(j);
	for (int i = 0; i < plan->naccelerators && i < 2; i++) {
		noa_json_begin_object(j);
		noa_json_key(j, "kind");
		noa_json_str(j, plan->accelerators[i].kind);
		noa_json_key(j, "experimental");
		noa_json_bool(j, 1);
		noa_json_key(j, "source");
		noa_json_str(j, plan->accelerators[i].source[0] ? plan->accelerators[i].source : NULL);
		noa_json_end_object(j);
	}
	noa_json_end_array(j);
	noa_json_key(j, "policy");
	noa_policy_json(j, &plan->policy);
	noa_json_end_object(j);
}
