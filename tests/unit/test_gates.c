/* gates: runtime/features.yaml read once, under one set of rules, for the profile loader and the planner. */
#include "crc/gates.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

Test(gates, the_shipped_file)
{
	struct crc_gates *g;
	struct crc_error err;
	cr_assert_eq(crc_gates_load(&g, CRC_SOURCE_DIR, &err), 0, "%s", err.msg);
	cr_assert_geq(g->n, 5);
	cr_assert_str_eq(g->names[0], "low-power");
	cr_assert_str_eq(g->options[0], "NOA_FEATURE_LOW_POWER");
	cr_assert_geq(crc_gates_find(g, "gpu-offload"), 0);
	cr_assert_str_eq(g->options[crc_gates_find(g, "gpu-offload")], "NOA_FEATURE_GPU_OFFLOAD");
	cr_assert_eq(crc_gates_find(g, "gpu_offload"), -1);
	crc_gates_free(g);
}

Test(gates, a_missing_file_is_not_found)
{
	struct crc_gates *g;
	struct crc_error err;
	cr_assert_eq(crc_gates_load(&g, "/nonexistent", &err), CRC_ENOTFOUND);
	cr_assert_null(g);
}

static void refused(const char *text, int line, int col, const char *msg)
{
	struct crc_gates *g;
	struct crc_error err;
	cr_assert_eq(crc_gates_parse(&g, "f.yaml", text, strlen(text), &err), CRC_EINVALID, "%s", text);
	cr_assert_null(g);
	cr_assert_str_eq(err.msg, msg, "%s", text);
	cr_assert_str_eq(err.path, "f.yaml");
	cr_expect_eq(err.line, line, "%s: line %d", text, err.line);
	cr_expect_eq(err.col, col, "%s: column %d", text, err.col);
}

Test(gates, every_rule_has_its_message)
{
	refused("gates: []\n", 1, 1, "expected 'features:' with a list of gates");
	refused("features: {a: 1}\n", 1, 1, "expected 'features:' with a list of gates");
	refused("features:\n  - option: NOA_FEATURE_X\n", 2, 5, "each feature needs a name");
	refused("features:\n  - name: [a]\n", 2, 5, "each feature needs a name");
	refused("features:\n  - name: ''\n", 2, 11, "gate name '' is empty");
	refused("features:\n  - name: Low\n", 2, 11, "gate name 'Low' must start with a lower-case letter");
	refused("features:\n  - name: 1x\n", 2, 11, "gate name '1x' must start with a lower-case letter");
	refused("features:\n  - name: a_b\n", 2, 11,
		"gate name 'a_b' may hold only lower-case letters, digits and '-'");
	refused("features:\n  - name: a\n  - name: b\n  - name: a\n", 4, 11, "gate 'a' is declared twice");
	refused("features:\n  - name: a-b\n    option: NOA_FEATURE_A-B\n", 3, 13,
		"the option of gate 'a-b' must be NOA_FEATURE_A_B");
	char big[4096] = "features:\n  - name: ";
	memset(big + strlen(big), 'a', 65);
	strcat(big, "\n");
	refused(big, 2, 11,
		"gate name 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' is longer "
		"than 64 "
		"characters");
}

Test(gates, at_most_64)
{
	char text[8192] = "features:\n";
	struct crc_gates *g;
	struct crc_error err;
	for (int i = 0; i < CRC_GATES_MAX; i++)
		snprintf(text + strlen(text), sizeof text - strlen(text), "  - name: g%d\n", i);
	cr_assert_eq(crc_gates_parse(&g, "f.yaml", text, strlen(text), &err), 0, "%s", err.msg);
	cr_assert_eq(g->n, CRC_GATES_MAX);
	cr_assert_str_eq(g->options[63], "NOA_FEATURE_G63");
	crc_gates_free(g);
	strcat(text, "  - name: one-more\n");
	refused(text, 2, 3, "more than 64 gates");
}
