/* "Did you mean …?": the closest of a set of valid names to a mistyped one, for usage errors and unknown
 * keys. */
#ifndef CRC_SUGGEST_H
#define CRC_SUGGEST_H

#include <stddef.h>

/* Names longer than this are never matched (the distance table is fixed-size). */
#define CRC_SUGGEST_MAX_LEN 64

/* The optimal string alignment distance between a and b (insertions, deletions, substitutions and
 * transpositions of neighbours each cost 1), or (size_t)-1 when either is longer than
 * CRC_SUGGEST_MAX_LEN. */
size_t crc_edit_distance(const char *a, const char *b);

/* Returns the candidate closest to word (borrowed from candidates), or NULL when none is close enough to
 * be a plausible typo: a distance of at most 1 for names up to 4 characters, 2 up to 8, 3 beyond. A
 * candidate that starts with word (an abbreviation) also counts. Ties go to the earlier candidate. */
const char *crc_suggest(const char *word, const char *const *candidates, size_t n);

#endif
