/* Lambda packages and their SAM template (see lambda.h): a line-oriented template language with
 * @NAME@ placeholders and one repeated block, strict about every name so that a typo in the template is an
 * error at its line and column rather than a template that deploys something else. */
#include "crc/lambda.h"

#include <stdarg.h>
#include <string.h>

struct tmpl {
	const char *text, *path;
	size_t len;
	const struct crc_manifest *m;
	struct crc_buf *out;
	struct crc_error *err;
};

const char *crc_lambda_architecture(const char *triple)
{
	if (strncmp(triple, "aarch64-", 8) == 0)
		return "arm64";
	if (strncmp(triple, "x86_64-", 7) == 0)
		return "x86_64";
	return NULL;
}

/* The position of byte at in the text, 1-based. */
static void where(const struct tmpl *t, size_t at, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < at && i < t->len; i++) {
		if (t->text[i] == '\n') {
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
	where(t, at, &line, &col);
	va_start(ap, fmt);
	int rc = crc_err_vat(t->err, CRC_EINVALID, t->path, line, col, fmt, ap);
	va_end(ap);
	return rc;
}

/* The value of placeholder name (n bytes) for artifact a (NULL outside a block); NULL when unknown. *inner
 * says whether it is a block's placeholder. */
static const char *value(const struct tmpl *t, const char *name, size_t n,
			 const struct crc_manifest_artifact *a, char *resource, int *inner)
{
	static const char *const blockwise[] = {"RESOURCE", "TRIPLE", "ARCHITECTURE", "CODE_URI", "SHA256"};
	*inner = 0;
#define IS(s) (n == sizeof(s) - 1 && memcmp(name, s, n) == 0)
	if (IS("PROFILE"))
		return t->m->profile;
	if (IS("DROP_ID"))
		return t->m->drop_id;
	if (IS("CRC_VERSION"))
		return t->m->crc_version;
	for (size_t i = 0; i < sizeof blockwise / sizeof *blockwise; i++)
		if (n == strlen(blockwise[i]) && memcmp(name, blockwise[i], n) == 0)
			*inner = 1;
	if (!*inner || !a)
		return NULL;
	if (IS("RESOURCE"))
		return resource;
	if (IS("TRIPLE"))
		return a->target;
	if (IS("ARCHITECTURE"))
		return crc_lambda_architecture(a->target);
	if (IS("CODE_URI"))
		return a->path;
	return a->sha256;
#undef IS
}

/* "Noa" and the letters and digits of the architecture, the first letter upper-cased: NoaArm64, NoaX8664. */
static void resource_of(char *out, size_t size, const char *arch)
{
	size_t n = 0;
	int upper = 1;
	memcpy(out, "Noa", 4);
	n = 3;
	for (const char *p = arch; *p && n + 1 < size; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			continue;
		if (upper && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		upper = 0;
		out[n++] = c;
	}
	out[n] = '\0';
}

/* Whether v can go into the YAML text as it is: the values come from a manifest, which may be hostile. */
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

/* Copies the bytes [from, to) of the template, replacing placeholders for artifact a (NULL: outside). */
static int copy(struct tmpl *t, size_t from, size_t to, const struct crc_manifest_artifact *a)
{
	char resource[64] = "";
	const char *arch = a ? crc_lambda_architecture(a->target) : NULL;
	if (arch)
		resource_of(resource, sizeof resource, arch);
	size_t i = from;
	while (i < to) {
		const char *at = memchr(t->text + i, '@', to - i);
		size_t k = at ? (size_t)(at - t->text) : to;
		crc_buf_add(t->out, t->text + i, k - i);
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
		int inner;
		size_t n = j - k - 1;
		if ((n == 17 && memcmp(t->text + k + 1, "FOR_EACH_FUNCTION", n) == 0) ||
		    (n == 3 && memcmp(t->text + k + 1, "END", n) == 0))
			return bad(t, k, "@%.*s@ must be alone on its line", (int)n, t->text + k + 1);
		const char *v = value(t, t->text + k + 1, n, a, resource, &inner);
		if (!v)
			return inner ? bad(t, k, "@%.*s@ is only known inside @FOR_EACH_FUNCTION@ ... @END@",
					   (int)(j - k - 1), t->text + k + 1)
				     : bad(t, k, "unknown placeholder @%.*s@", (int)(j - k - 1),
					   t->text + k + 1);
		if (!plain(v)) {
			char sh[80];
			return bad(t, k,
				   "@%.*s@ would insert '%s', which is not a plain name (letters, digits, "
				   "'.', '_', "
				   "'-', '+')",
				   (int)n, t->text + k + 1, crc_shown(sh, sizeof sh, v));
		}
		crc_buf_puts(t->out, v);
		i = j + 1;
	}
	return 0;
}

/* Whether the line [at, end) is exactly word (an optional '\r' is not allowed either). */
static int line_is(const struct tmpl *t, size_t at, size_t end, const char *word)
{
	return end - at == strlen(word) && memcmp(t->text + at, word, end - at) == 0;
}

int crc_lambda_render(struct crc_buf *out, const char *text, size_t len, const char *path,
		      const struct crc_manifest *m, struct crc_error *err)
{
	struct tmpl t = {text, path, len, m, out, err};
	size_t start_len = out->len, nzips = 0;
	int rc = 0;
	if (len > CRC_LAMBDA_TEMPLATE_MAX)
		return crc_err_at(err, CRC_EINVALID, path, 0, 0, "larger than %zu bytes",
				  CRC_LAMBDA_TEMPLATE_MAX);
	if (memchr(text, '\0', len))
		return bad(&t, (size_t)((const char *)memchr(text, '\0', len) - text),
			   "NUL byte in the template");
	for (size_t i = 0; i < m->nartifacts; i++) {
		const struct crc_manifest_artifact *a = &m->artifacts[i];
		if (strcmp(a->format, "zip") != 0)
			continue;
		if (!crc_lambda_architecture(a->target))
			return crc_err(err, CRC_EINVALID,
				       "%s: Lambda runs no %s (only aarch64 and x86_64 Linux)", a->path,
				       a->target);
		nzips++;
	}
	if (!nzips)
		return crc_err(err, CRC_EINVALID,
			       "drop %s has no Lambda package (function-<triple>.zip) to deploy", m->drop_id);
	size_t i = 0, block = 0, block_at = 0;
	int in_block = 0;
	while (!rc && i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len, next = nl ? end + 1 : len;
		if (line_is(&t, i, end, "@FOR_EACH_FUNCTION@")) {
			if (in_block)
				rc = bad(&t, i, "@FOR_EACH_FUNCTION@ inside another (blocks do not nest)");
			in_block = 1;
			block = next;
			block_at = i;
		} else if (line_is(&t, i, end, "@END@")) {
			if (!in_block) {
				rc = bad(&t, i, "@END@ without @FOR_EACH_FUNCTION@");
				break;
			}
			for (size_t k = 0; !rc && k < m->nartifacts; k++)
				if (strcmp(m->artifacts[k].format, "zip") == 0)
					rc = copy(&t, block, i, &m->artifacts[k]);
			in_block = 0;
		} else if (!in_block) {
			rc = copy(&t, i, next, NULL);
		}
		i = next;
	}
	if (!rc && in_block)
		rc = bad(&t, block_at, "@FOR_EACH_FUNCTION@ without @END@");
	if (!rc && crc_buf_error(out))
		rc = crc_err(err, CRC_ENOMEM, "out of memory");
	if (!rc && out->len - start_len > CRC_LAMBDA_RENDERED_MAX)
		rc = crc_err_at(err, CRC_EINVALID, path, 0, 0, "renders to more than %zu bytes",
				CRC_LAMBDA_RENDERED_MAX);
	if (rc && !crc_buf_error(out) && out->data) {
		out->len = start_len;
		out->data[start_len] = '\0';
	}
	return rc;
}
