/* A strict RFC 8259 validator for tests: one value, no trailing bytes, valid UTF-8 in strings. */
#ifndef NOA_TESTS_JSON_CHECK_H
#define NOA_TESTS_JSON_CHECK_H

#include <stddef.h>

/* Longest document checked: far more than any the tests produce (noa's documents are a few KiB). Kept
 * below the writer's own 64 MiB cap, so that the test of a document at this cap also runs on wasm32, where
 * Node crashes on exit once a program has used that much memory. */
#define JSON_CHECK_MAX_BYTES ((size_t)16 << 20)

/* Returns 1 when the n bytes at s are exactly one valid JSON document (surrounding whitespace allowed),
 * 0 otherwise and for more than JSON_CHECK_MAX_BYTES bytes. */
int json_check(const char *s, size_t n);

#endif
