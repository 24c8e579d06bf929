/* Arenas: parsed documents (a profile, a manifest) live in one arena and are freed as a whole. Each arena
 * has a byte cap, so a hostile input cannot make a parse take unbounded memory. */
#ifndef CRC_ARENA_H
#define CRC_ARENA_H

#include <stddef.h>

struct crc_arena_block;

struct crc_arena {
	struct crc_arena_block *head;
	/* Bytes handed out so far, and the most that may be. */
	size_t used, cap;
};

/* Starts an empty arena that hands out at most cap bytes in all. */
void crc_arena_init(struct crc_arena *a, size_t cap);

/* Returns size bytes aligned for any type, zeroed, owned by the arena; NULL when the cap would be passed
 * or memory is short. */
void *crc_arena_alloc(struct crc_arena *a, size_t size);

/* Copies the n bytes at s into the arena and NUL-terminates them; NULL as for crc_arena_alloc. */
char *crc_arena_strndup(struct crc_arena *a, const char *s, size_t n);

/* crc_grow for an array in the arena: when need (>= 1) passes *cap, a new array of double the capacity
 * (from 8, up to need) with the n elements of v (size bytes each) copied in; v stays where it is until the
 * arena is freed. Returns the array (v itself when it has room), or NULL when the size would overflow or
 * as for crc_arena_alloc, *cap unchanged. */
void *crc_arena_grow(struct crc_arena *a, void *v, size_t n, size_t *cap, size_t need, size_t size);

/* Frees everything the arena handed out. Accepts NULL. */
void crc_arena_free(struct crc_arena *a);

#endif
