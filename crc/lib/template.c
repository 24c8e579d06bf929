/* The template language (see template.h): line-oriented, @NAME@ placeholders and repeated blocks, every
 * name resolved by the caller's spec and every value checked against its kind before it is inserted. */
#include "crc/template.h"

#include <stdarg.h>
#include <string.h>

#include "crc/ids.h"

struct tmpl {
	const char *text, *path;
	size_t len;
	const struct crc_template_spec *spec;
	struct crc_buf *out;
	/* Where the rendering starts in out. */
	size_t start;
	struct crc_error *err;
};

/* The position of byte at in the text, 1-based. */
static void where(const char *text, size_t len, size_t at, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < at && i < len; i++) {
		if (text[i] == '\n') {
			++*line;
			*col = 1;
		} else {
			++*col;
		}
	}
}

__attribute__((format(printf, 3, 4))) static int bad(const struct tmpl *t, size_t at, const char *fmt, ...);

static int bad(const struct tmpl *t, size_t at, const char *fmt, ...)
{
	int line, col;
	va_list ap;
	where(t->text, t->len, at, &line, &col);
	va_start(ap, fmt);
	int rc = crc_err_vat(t->err, CRC_EINVALID, t->path, line, col, fmt, ap);
	va_end(ap);
	return rc;
}

/* Whether v can go into the text as it is: a plain name. */
static int plain(const char *v)
{
	if (!*v)
		return 0;
	for (; *v; v++)
		if (!((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') || (*v >= '0' && *v <= '9') ||
		      *v == '.' || *v == '_' || *v == '-' || *v == '+'))
			return 0;
	return 1;
}

/* Whether v is plain names joined by '/', with or without a leading '/', none of them "." or "..". */
static int path_of_names(const char *v)
{
	if (*v == '/')
		v++;
	for (;;) {
		size_t n = strcspn(v, "/");
		char part[256];
		if (n == 0 || n >= sizeof part)
			return 0;
		memcpy(part, v, n);
		part[n] = '\0';
		if (!plain(part) || strcmp(part, ".") == 0 || strcmp(part, "..") == 0)
			return 0;
		if (!v[n])
			return 1;
		v += n + 1;
	}
}

/* Checks value v of the placeholder at k (n bytes of name at name) against its kind. */
static int check_value(const struct tmpl *t, size_t k, const char *name, size_t n,
		       enum crc_template_kind kind, const char *v)
{
	char sh[80];
	if (kind == CRC_TEMPLATE_TIME) {
		if (crc_ids_time_ok(v))
			return 0;
		return bad(t, k,
			   "@%.*s@ would insert '%s', which is not an RFC 3339 UTC time like "
			   "2026-11-22T10:00:00Z",
			   (int)n, name, crc_shown(sh, sizeof sh, v));
	}
	if (kind == CRC_TEMPLATE_URL_OR_EMPTY) {
		if (!*v || crc_ids_url_ok(v))
			return 0;
		return bad(t, k,
			   "@%.*s@ would insert '%s', which is not an https URL of letters, digits and "
			   "\"._~/:%%+-\"",
			   (int)n, name, crc_shown(sh, sizeof sh, v));
	}
	if (kind == CRC_TEMPLATE_PATH) {
		if (path_of_names(v))
			return 0;
		return bad(t, k,
			   "@%.*s@ would insert '%s', which is not a path of plain names (no empty, '.' or "
			   "'..' part)",
			   (int)n, name, crc_shown(sh, sizeof sh, v));
	}
	if (plain(v) || (kind == CRC_TEMPLATE_NAME_OR_EMPTY && !*v))
		return 0;
	return bad(t, k,
		   "@%.*s@ would insert '%s', which is not a plain name (letters, digits, '.', '_', "
		   "'-', '+')",
		   (int)n, name, crc_shown(sh, sizeof sh, v));
}

/* Whether the n bytes at name are word. */
static int named(const char *name, size_t n, const char *word)
{
	return n == strlen(word) && memcmp(name, word, n) == 0;
}

/* Refuses a rendering that has grown past the cap, as soon as it does: blocks repeat as often as the spec
 * says, and the work stays bounded by what may be written. */
static int too_big(const struct tmpl *t)
{
	if (t->out->len - t->start <= t->spec->max_rendered)
		return 0;
	return crc_err_at(t->err, CRC_EINVALID, t->path, 0, 0, "renders to more than %zu bytes",
			  t->spec->max_rendered);
}

/* Copies the bytes [from, to) of the template, replacing placeholders for repetition index. */
static int copy(struct tmpl *t, size_t from, size_t to, size_t index)
{
	size_t i = from;
	while (i < to) {
		const char *at = memchr(t->text + i, '@', to - i);
		size_t k = at ? (size_t)(at - t->text) : to;
		crc_buf_add(t->out, t->text + i, k - i);
		if (too_big(t))
			return CRC_EINVALID;
		if (k == to)
			break;
		size_t j = k + 1;
		while (j < to && ((t->text[j] >= 'A' && t->text[j] <= 'Z') ||
				  (t->text[j] >= '0' && t->text[j] <= '9') || t->text[j] == '_'))
			j++;
		if (j == k + 1 || j == to || t->text[j] != '@') {
			crc_buf_putc(t->out, '@');
			i = k + 1;
			continue;
		}
		const char *name = t->text + k + 1;
		size_t n = j - k - 1;
		if (named(name, n, t->spec->block) || named(name, n, "END"))
			return bad(t, k, "@%.*s@ must be alone on its line", (int)n, name);
		const char *v = NULL;
		enum crc_template_kind kind = t->spec->value(t->spec->ctx, name, n, index, &v);
		if (kind == CRC_TEMPLATE_UNKNOWN)
			return bad(t, k, "unknown placeholder @%.*s@", (int)n, name);
		if (kind == CRC_TEMPLATE_BLOCK_ONLY)
			return bad(t, k, "@%.*s@ is only known inside @%s@ ... @END@", (int)n, name,
				   t->spec->block);
		int rc = check_value(t, k, name, n, kind, v ? v : "");
		if (rc)
			return rc;
		crc_buf_puts(t->out, v ? v : "");
		if (too_big(t))
			return CRC_EINVALID;
		i = j + 1;
	}
	return 0;
}

/* Whether the line [at, end) is exactly "@word@" (an optional '\r' is not allowed either). */
static int line_is(const struct tmpl *t, size_t at, size_t end, const char *word)
{
	size_t n = strlen(word);
	return end - at == n + 2 && t->text[at] == '@' && memcmp(t->text + at + 1, word, n) == 0 &&
	       t->text[end - 1] == '@';
}

int crc_template_check(const char *text, size_t len, const char *path, size_t max_len, struct crc_error *err)
{
	if (len > max_len)
		return crc_err_at(err, CRC_EINVALID, path, 0, 0, "larger than %zu bytes", max_len);
	const char *nul = memchr(text, '\0', len);
	if (nul) {
		int line, col;
		where(text, len, (size_t)(nul - text), &line, &col);
		return crc_err_at(err, CRC_EINVALID, path, line, col, "NUL byte in the template");
	}
	return 0;
}

int crc_template_render(struct crc_buf *out, const char *text, size_t len, const char *path,
			const struct crc_template_spec *spec, struct crc_error *err)
{
	struct tmpl t = {text, path, len, spec, out, out->len, err};
	size_t start_len = out->len;
	int rc = crc_template_check(text, len, path, spec->max_len, err);
	if (rc)
		return rc;
	size_t i = 0, block = 0, block_at = 0;
	int in_block = 0;
	while (!rc && i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len, next = nl ? end + 1 : len;
		if (line_is(&t, i, end, spec->block)) {
			if (in_block)
				rc = bad(&t, i, "@%s@ inside another (blocks do not nest)", spec->block);
			in_block = 1;
			block = next;
			block_at = i;
		} else if (line_is(&t, i, end, "END")) {
			if (!in_block) {
				rc = bad(&t, i, "@END@ without @%s@", spec->block);
				break;
			}
			for (size_t k = 0; !rc && k < spec->nblocks; k++)
				rc = copy(&t, block, i, k);
			in_block = 0;
		} else if (!in_block) {
			rc = copy(&t, i, next, CRC_TEMPLATE_NONE);
		}
		i = next;
	}
	if (!rc && in_block)
		rc = bad(&t, block_at, "@%s@ without @END@", spec->block);
	if (!rc && crc_buf_error(out))
		rc = crc_err(err, CRC_ENOMEM, "out of memory");
	if (rc && !crc_buf_error(out) && out->data) {
		out->len = start_len;
		out->data[start_len] = '\0';
	}
	return rc;
}
