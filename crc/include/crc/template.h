/* The template language of the files crc renders from templates/ for a drop (the SAM template of
 * crc/lambda.h, the Dockerfile of crc/dockerfile.h): text with @NAME@ placeholders and blocks of lines
 * repeated once per item, strict about every name so that a typo in a template is an error at its line and
 * column rather than a file that deploys something else. The module knows no names: a caller's spec says
 * which keyword opens a block, how often a block repeats, and what each placeholder is. Every value is
 * checked before it is inserted, since values come from a manifest, which may be hostile. */
#ifndef CRC_TEMPLATE_H
#define CRC_TEMPLATE_H

#include <stddef.h>

#include "crc/buf.h"
#include "crc/error.h"

/* The repetition index a value callback is given outside a block. */
#define CRC_TEMPLATE_NONE ((size_t)-1)

/* What a spec's value callback says a placeholder is, and so how its value is checked. */
enum crc_template_kind {
	/* No such placeholder: "unknown placeholder @NAME@". */
	CRC_TEMPLATE_UNKNOWN = 0,
	/* A placeholder of the block, asked for outside it: "@NAME@ is only known inside @KEYWORD@ ...
	   @END@". */
	CRC_TEMPLATE_BLOCK_ONLY,
	/* A plain name: letters, digits, '.', '_', '-', '+', not empty. */
	CRC_TEMPLATE_NAME,
	/* A plain name or "" (for a value a drop may lack, e.g. the commit of a source that is no checkout).
	 */
	CRC_TEMPLATE_NAME_OR_EMPTY,
	/* An RFC 3339 UTC time shaped YYYY-MM-DDTHH:MM:SSZ (digits and those separators only). */
	CRC_TEMPLATE_TIME,
	/* A path: plain names (each under 256 bytes) joined by '/', with or without a leading '/'; no empty,
	 * "." or
	 * ".." part. */
	CRC_TEMPLATE_PATH,
	/* "" or an https URL: "https://" then letters, digits and "._~/:%+-" only (no quote, backslash, '$'
	 * or space, so it can stand inside a quoted value). */
	CRC_TEMPLATE_URL_OR_EMPTY,
};

/* What a template is rendered for. */
struct crc_template_spec {
	/* The keyword of a block's opening line without its '@'s, e.g. "FOR_EACH_FUNCTION"; a block is the
	 * lines between a line "@KEYWORD@" and a line "@END@". */
	const char *block;
	/* How many times each block is written (0: blocks render to nothing). */
	size_t nblocks;
	/* Bytes of a template, and bytes it may render to (checked once it is rendered). */
	size_t max_len, max_rendered;
	/* The placeholder name (the n bytes at name, [A-Z0-9_]+, never the keyword or END) in repetition
	 * index of a block (0 .. nblocks-1), or outside any block (CRC_TEMPLATE_NONE). Returns its kind and,
	 * unless CRC_TEMPLATE_UNKNOWN or CRC_TEMPLATE_BLOCK_ONLY, sets *value (NULL is taken as ""), which
	 * needs to live only until the next call. */
	enum crc_template_kind (*value)(void *ctx, const char *name, size_t n, size_t index,
					const char **value);
	/* The callback's own data. */
	void *ctx;
};

/* Checks the len bytes at text for what no template may be, before a caller looks at anything else:
 * over max_len bytes ("larger than N bytes", at path:0:0) or holding a NUL byte ("NUL byte in the
 * template", at path:line:col). CRC_EINVALID or 0. */
int crc_template_check(const char *text, size_t len, const char *path, size_t max_len, struct crc_error *err);

/* Renders the template (the len bytes at text; path names it in errors as path:line:col) into out, as
 * spec says. Outside blocks each line is copied with its placeholders replaced (index CRC_TEMPLATE_NONE);
 * each block's lines are written spec->nblocks times, with indexes 0, 1, ... Blocks do not nest. An '@'
 * not starting a placeholder "@[A-Z0-9_]+@" is copied. CRC_EINVALID for what crc_template_check refuses,
 * an unknown placeholder, a block's placeholder outside it, the keyword or @END@ anywhere but alone on its
 * line (no spaces, no '\r'), a nested, stray or unterminated block, a value that is not of its kind
 * ("@NAME@ would insert 'v', which is not a plain name (letters, digits, '.', '_', '-', '+')"), or a
 * rendering over spec->max_rendered; CRC_ENOMEM. The first problem met is reported: lines are read in
 * order, a block's when its @END@ is reached (so with nblocks 0 a block's lines are not checked), and the
 * rendering stops as soon as it passes max_rendered, so that however many repetitions a spec asks for,
 * the work is about max_rendered bytes (placeholders whose value is empty aside). On failure out is left
 * as it was. */
int crc_template_render(struct crc_buf *out, const char *text, size_t len, const char *path,
			const struct crc_template_spec *spec, struct crc_error *err);

#endif
