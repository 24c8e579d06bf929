/* A minimal stand-in for Criterion's API, used where Criterion cannot run: the aarch64-linux-gnu build
 * (run under qemu-user) and wasm32-wasi (no fork, no threads). It supports what the runtime's tests use:
 * Test(suite, name), cr_assert/cr_expect and their _eq, _neq, _lt, _leq, _gt, _geq, _null, _not_null,
 * _not, _str_eq, _str_neq, _str_empty, _float_eq forms, each with an optional message (reported as the
 * check's source text).
 * Tests run in one process, in registration order; a failed cr_assert stops the test program (there is no
 * fork to isolate it), a failed cr_expect lets the test go on. The program prints Criterion's synthesis
 * line and exits 1 when anything failed. On x86_64 the real Criterion runs the same files. */
#ifndef NOA_TEST_HARNESS_CRITERION_H
#define NOA_TEST_HARNESS_CRITERION_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct noa_harness_test {
	const char *suite, *name;
	void (*fn)(void);
	struct noa_harness_test *next;
};

void noa_harness_register(struct noa_harness_test *t);
/* Records a failed check (text is its source); fatal ones end the program after the summary. */
void noa_harness_fail(const char *file, int line, int fatal, const char *text);

#define Test(...) NOA_TEST_(__VA_ARGS__, _)
#define NOA_TEST_(suite, name, ...)                                                                          \
	static void noa_test_##suite##_##name(void);                                                         \
	static struct noa_harness_test noa_reg_##suite##_##name = {#suite, #name, noa_test_##suite##_##name, \
								   NULL};                                    \
	__attribute__((constructor)) static void noa_ctor_##suite##_##name(void)                             \
	{                                                                                                    \
		noa_harness_register(&noa_reg_##suite##_##name);                                             \
	}                                                                                                    \
	static void noa_test_##suite##_##name(void)

/* Each check takes Criterion's arguments through __VA_ARGS__ (C11 has no empty variadic arguments), picks
 * out the operands and reports the check's source text, message arguments included, on failure. */
#define NOA_CHECK_(fatal, cond, text)                                      \
	do {                                                               \
		if (!(cond))                                               \
			noa_harness_fail(__FILE__, __LINE__, fatal, text); \
	} while (0)
#define NOA_A1_(a, ...) (a)
#define NOA_EQ_(a, b, ...) ((a) == (b))
#define NOA_NE_(a, b, ...) ((a) != (b))
#define NOA_LT_(a, b, ...) ((a) < (b))
#define NOA_LE_(a, b, ...) ((a) <= (b))
#define NOA_GT_(a, b, ...) ((a) > (b))
#define NOA_GE_(a, b, ...) ((a) >= (b))
#define NOA_SEQ_(a, b, ...) (strcmp((a), (b)) == 0)
#define NOA_FEQ_(a, b, eps, ...) (fabs((double)(a) - (double)(b)) <= (double)(eps))

#define cr_assert(...) NOA_CHECK_(1, NOA_A1_(__VA_ARGS__, _), "cr_assert(" #__VA_ARGS__ ")")
#define cr_expect(...) NOA_CHECK_(0, NOA_A1_(__VA_ARGS__, _), "cr_expect(" #__VA_ARGS__ ")")
#define cr_assert_not(...) NOA_CHECK_(1, !NOA_A1_(__VA_ARGS__, _), "cr_assert_not(" #__VA_ARGS__ ")")
#define cr_expect_not(...) NOA_CHECK_(0, !NOA_A1_(__VA_ARGS__, _), "cr_expect_not(" #__VA_ARGS__ ")")
#define cr_assert_eq(...) NOA_CHECK_(1, NOA_EQ_(__VA_ARGS__, _), "cr_assert_eq(" #__VA_ARGS__ ")")
#define cr_expect_eq(...) NOA_CHECK_(0, NOA_EQ_(__VA_ARGS__, _), "cr_expect_eq(" #__VA_ARGS__ ")")
#define cr_assert_neq(...) NOA_CHECK_(1, NOA_NE_(__VA_ARGS__, _), "cr_assert_neq(" #__VA_ARGS__ ")")
#define cr_expect_neq(...) NOA_CHECK_(0, NOA_NE_(__VA_ARGS__, _), "cr_expect_neq(" #__VA_ARGS__ ")")
#define cr_assert_lt(...) NOA_CHECK_(1, NOA_LT_(__VA_ARGS__, _), "cr_assert_lt(" #__VA_ARGS__ ")")
#define cr_expect_lt(...) NOA_CHECK_(0, NOA_LT_(__VA_ARGS__, _), "cr_expect_lt(" #__VA_ARGS__ ")")
#define cr_assert_leq(...) NOA_CHECK_(1, NOA_LE_(__VA_ARGS__, _), "cr_assert_leq(" #__VA_ARGS__ ")")
#define cr_expect_leq(...) NOA_CHECK_(0, NOA_LE_(__VA_ARGS__, _), "cr_expect_leq(" #__VA_ARGS__ ")")
#define cr_assert_gt(...) NOA_CHECK_(1, NOA_GT_(__VA_ARGS__, _), "cr_assert_gt(" #__VA_ARGS__ ")")
#define cr_expect_gt(...) NOA_CHECK_(0, NOA_GT_(__VA_ARGS__, _), "cr_expect_gt(" #__VA_ARGS__ ")")
#define cr_assert_geq(...) NOA_CHECK_(1, NOA_GE_(__VA_ARGS__, _), "cr_assert_geq(" #__VA_ARGS__ ")")
#define cr_expect_geq(...) NOA_CHECK_(0, NOA_GE_(__VA_ARGS__, _), "cr_expect_geq(" #__VA_ARGS__ ")")
#define cr_assert_null(...) NOA_CHECK_(1, NOA_A1_(__VA_ARGS__, _) == NULL, "cr_assert_null(" #__VA_ARGS__ ")")
#define cr_expect_null(...) NOA_CHECK_(0, NOA_A1_(__VA_ARGS__, _) == NULL, "cr_expect_null(" #__VA_ARGS__ ")")
#define cr_assert_not_null(...) \
	NOA_CHECK_(1, NOA_A1_(__VA_ARGS__, _) != NULL, "cr_assert_not_null(" #__VA_ARGS__ ")")
#define cr_expect_not_null(...) \
	NOA_CHECK_(0, NOA_A1_(__VA_ARGS__, _) != NULL, "cr_expect_not_null(" #__VA_ARGS__ ")")
#define cr_assert_str_eq(...) NOA_CHECK_(1, NOA_SEQ_(__VA_ARGS__, _), "cr_assert_str_eq(" #__VA_ARGS__ ")")
#define cr_expect_str_eq(...) NOA_CHECK_(0, NOA_SEQ_(__VA_ARGS__, _), "cr_expect_str_eq(" #__VA_ARGS__ ")")
#define cr_assert_str_neq(...) NOA_CHECK_(1, !NOA_SEQ_(__VA_ARGS__, _), "cr_assert_str_neq(" #__VA_ARGS__ ")")
#define cr_expect_str_neq(...) NOA_CHECK_(0, !NOA_SEQ_(__VA_ARGS__, _), "cr_expect_str_neq(" #__VA_ARGS__ ")")
#define cr_assert_str_empty(...) \
	NOA_CHECK_(1, NOA_A1_(__VA_ARGS__, _)[0] == '\0', "cr_assert_str_empty(" #__VA_ARGS__ ")")
#define cr_expect_str_empty(...) \
	NOA_CHECK_(0, NOA_A1_(__VA_ARGS__, _)[0] == '\0', "cr_expect_str_empty(" #__VA_ARGS__ ")")
#define cr_assert_float_eq(...) \
	NOA_CHECK_(1, NOA_FEQ_(__VA_ARGS__, _), "cr_assert_float_eq(" #__VA_ARGS__ ")")
#define cr_expect_float_eq(...) \
	NOA_CHECK_(0, NOA_FEQ_(__VA_ARGS__, _), "cr_expect_float_eq(" #__VA_ARGS__ ")")

#endif
