/* The runner behind harness/criterion/criterion.h: runs every registered test in order and prints a
 * Criterion-style synthesis line. */
#include "criterion/criterion.h"

static struct noa_harness_test *first, **tail = &first;
static int tested, failing;
static int current_failed;

void noa_harness_register(struct noa_harness_test *t)
{
	*tail = t;
	tail = &t->next;
}

static void summary(void)
{
	printf("[====] Synthesis: Tested: %d | Passing: %d | Failing: %d | Crashing: 0 \n", tested,
	       tested - failing, failing);
	fflush(stdout);
}

void noa_harness_fail(const char *file, int line, int fatal, const char *text)
{
	printf("[----] %s:%d: %s failed: %s\n", file, line, fatal ? "Assertion" : "Expectation", text);
	if (!current_failed) {
		current_failed = 1;
		failing++;
	}
	if (fatal) {
		printf("[FAIL] (the harness has no fork: a failed assertion ends the run)\n");
		summary();
		exit(1);
	}
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	for (int i = 1; i < argc; i++)
		if (strncmp(argv[i], "--filter=", 9) == 0)
			only = argv[i] + 9;
	for (struct noa_harness_test *t = first; t; t = t->next) {
		char full[256];
		snprintf(full, sizeof full, "%s::%s", t->suite, t->name);
		if (only && strcmp(only, full) != 0 && strcmp(only, t->suite) != 0)
			continue;
		current_failed = 0;
		tested++;
		t->fn();
		printf("[%s] %s\n", current_failed ? "FAIL" : "PASS", full);
	}
	summary();
	return failing ? 1 : 0;
}
