/* The plan: which llama.cpp backend and which Python runtime to use, and which accelerators to try, as a
 * pure function of the policy, the hardware profile, the deploy target and the build's feature gates.
 * Every decision carries a reason with the numbers behind it. `noa plan --json` prints it as
 * "noa.plan/v1":
 *   {"schema", "llama_cpp": {"selected", "options", "reason"}, "python": {...},
 *    "accelerators": [{"kind", "experimental", "source"}], "policy": {...}}
 * Options list what is possible, best first, whatever was selected: llama.cpp ["gpu", "cpu"] when the
 * build has gpu-offload, else ["cpu"]; Python always ["cpython", "lightweight"].
 * Python memory: the effective memory is the smallest known of the total memory, the cgroup limit and the
 * target's memory bound (max_memory_mb, e.g. Lambda's); Python is lightweight when the policy prefers it
 * and the effective memory or the available memory is below lightweight_memory_threshold_gb. When
 * neither is known, it stays cpython. */
#ifndef NOA_PLAN_H
#define NOA_PLAN_H

#include "noa/hardware.h"
#include "noa/policy.h"
#include "noa/target.h"

/* The feature gates the plan depends on, 1 when compiled in (noa_plan_gates() fills them from the build;
 * tests construct them). */
struct noa_gates {
	/* low-power: prefer the CPU, and use at most half the physical cores for worker threads. */
	int low_power;
	/* gpu-offload: without it llama.cpp never runs on a GPU. */
	int gpu_offload;
};

/* One decision: the choice, the possible choices best first, and why. */
struct noa_plan_choice {
	/* Static strings: "gpu"/"cpu", "cpython"/"lightweight". */
	const char *selected;
	int noptions;
	const char *options[2];
	char reason[256];
};

/* An experimental offload target. */
struct noa_plan_accelerator {
	/* "tpu" or "npu". */
	const char *kind;
	/* What detected it (one of the probe's accelerator sources), "" when none matches (JSON null). */
	char source[48];
};

struct noa_plan {
	struct noa_plan_choice llama_cpp;
	struct noa_plan_choice python;
	int naccelerators;
	struct noa_plan_accelerator accelerators[2];
	/* The policy the plan followed. */
	struct noa_policy policy;
};

/* Fills g with the gates this build has. */
void noa_plan_gates(struct noa_gates *g);

/* Makes the plan. Pure: it reads only its arguments. */
void noa_plan_make(struct noa_plan *plan, const struct noa_policy *policy, const struct noa_hardware *hw,
		   const struct noa_target *t, const struct noa_gates *g);

/* The default number of worker threads: the logical cores (1 when unknown, and on targets without
 * threads), and with low-power at most half the physical cores (at least 1). why (size bytes, may be
 * NULL) gets the reason. */
int noa_plan_threads(const struct noa_hardware *hw, const struct noa_target *t, const struct noa_gates *g,
		     char *why, size_t size);

/* Writes the plan as the "noa.plan/v1" object. */
struct noa_json;
void noa_plan_json(struct noa_json *j, const struct noa_plan *plan);

#endif
