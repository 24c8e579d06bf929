/* A bump allocator over a list of heap blocks. Blocks grow geometrically; a request larger than the
 * usual block gets a block of its own. */
#include "crc/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN 16u
#define MIN_BLOCK ((size_t)4096)

struct crc_arena_block {
	struct crc_arena_block *next;
	size_t size, off;
	/* The data follows, aligned by the header's size (a multiple of ALIGN). */
	_Alignas(16) unsigned char data[];
};

void crc_arena_init(struct crc_arena *a, size_t cap)
{
	a->head = NULL;
	a->used = 0;
	a->cap = cap;
}

void *crc_arena_alloc(struct crc_arena *a, size_t size)
{
	if (size == 0)
		size = 1;
	if (size > SIZE_MAX - ALIGN)
		return NULL;
	size = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (size > a->cap - a->used)
		return NULL;
	struct crc_arena_block *b = a->head;
	if (!b || b->size - b->off < size) {
		size_t bsize = b ? b->size * 2 : MIN_BLOCK;
		if (bsize < size)
			bsize = size;
		if (bsize > SIZE_MAX - sizeof *b)
			return NULL;
		b = malloc(sizeof *b + bsize);
		if (!b)
			return NULL;
		b->size = bsize;
		b->off = 0;
		b->next = a->head;
		a->head = b;
	}
	void *p = b->data + b->off;
	b->off += size;
	a->used += size;
	memset(p, 0, size);
	return p;
}

void *crc_arena_grow(struct crc_arena *a, void *v, size_t n, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 8;
	if (need <= *cap)
		return v;
	while (c < need) {
		if (c > SIZE_MAX / 2)
			return NULL;
		c *= 2;
	}
	if (size == 0 || c > SIZE_MAX / size)
		return NULL;
	void *p = crc_arena_alloc(a, c * size);
	if (!p)
		return NULL;
	if (n)
		memcpy(p, v, n * size);
	*cap = c;
	return p;
}

char *crc_arena_strndup(struct crc_arena *a, const char *s, size_t n)
{
	if (n == SIZE_MAX)
		return NULL;
	char *p = crc_arena_alloc(a, n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void crc_arena_free(struct crc_arena *a)
{
	if (!a)
		return;
	for (struct crc_arena_block *b = a->head, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
	a->used = 0;
}
