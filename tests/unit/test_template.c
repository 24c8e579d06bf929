/* The template engine on its own (crc/template.h), with a spec of its own: what the Lambda and Dockerfile
 * tests do not reach through their fixed names (another block keyword, values that may be empty or are
 * times, no repetitions, the cap on the rendering, the index each block is given). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "crc/template.h"

/* Names of the test spec: @A@ (a plain name), @MAYBE@ (may be empty), @WHEN@ (a time), @PATH@ (a path),
 * @NULL@ (no value at all) outside and inside blocks; @ITEM@ and @I@ (the index) inside only. */
struct vals {
	const char *a, *maybe, *when, *path;
	const char *items[3];
	char index[24];
	/* Each index the callback was given, as digits, '-' for CRC_TEMPLATE_NONE. */
	char seen[64];
};

static enum crc_template_kind value(void *ctx, const char *name, size_t n, size_t index, const char **v)
{
	struct vals *s = ctx;
	size_t k = strlen(s->seen);
	if (k + 1 < sizeof s->seen) {
		s->seen[k] = index == CRC_TEMPLATE_NONE ? '-' : (char)('0' + index);
		s->seen[k + 1] = '\0';
	}
#define IS(w) (n == sizeof(w) - 1 && memcmp(name, w, n) == 0)
	if (IS("A"))
		return *v = s->a, CRC_TEMPLATE_NAME;
	if (IS("MAYBE"))
		return *v = s->maybe, CRC_TEMPLATE_NAME_OR_EMPTY;
	if (IS("WHEN"))
		return *v = s->when, CRC_TEMPLATE_TIME;
	if (IS("PATH"))
		return *v = s->path, CRC_TEMPLATE_PATH;
	if (IS("NULL"))
		return *v = NULL, CRC_TEMPLATE_NAME_OR_EMPTY;
	if (!IS("ITEM") && !IS("I"))
		return CRC_TEMPLATE_UNKNOWN;
	if (index == CRC_TEMPLATE_NONE)
		return CRC_TEMPLATE_BLOCK_ONLY;
	if (IS("ITEM"))
		return *v = s->items[index], CRC_TEMPLATE_NAME;
	snprintf(s->index, sizeof s->index, "%zu", index);
	return *v = s->index, CRC_TEMPLATE_NAME;
#undef IS
}

static struct vals vals(void)
{
	struct vals s = {"a1", "", "2026-11-22T10:00:00Z", "/usr/local/bin/noa", {"x", "y", "z"}, "", ""};
	return s;
}

static struct crc_template_spec spec(struct vals *s, size_t nblocks)
{
	struct crc_template_spec sp = {.block = "EACH",
				       .nblocks = nblocks,
				       .max_len = 256,
				       .max_rendered = 64,
				       .value = value,
				       .ctx = s};
	return sp;
}

static void renders(struct vals *s, size_t nblocks, const char *tmpl, const char *want)
{
	struct crc_template_spec sp = spec(s, nblocks);
	struct crc_buf out;
	struct crc_error err;
	crc_buf_init(&out);
	cr_assert_eq(crc_template_render(&out, tmpl, strlen(tmpl), "t.in", &sp, &err), 0, "%s", err.msg);
	cr_assert_str_eq(crc_buf_str(&out), want);
	crc_buf_free(&out);
}

Test(template, blocks_repeat_with_their_index_in_order)
{
	struct vals s = vals();
	renders(&s, 3, "<@A@>\n@EACH@\n@I@=@ITEM@ @A@\n@END@\n@EACH@\n.@ITEM@\n@END@\nend",
		"<a1>\n0=x a1\n1=y a1\n2=z a1\n.x\n.y\n.z\nend");
	cr_assert_str_eq(s.seen, "-000111222012", "the callback is asked in text order with each index");
}

Test(template, a_block_with_no_repetitions_renders_to_nothing)
{
	struct vals s = vals();
	renders(&s, 0, "a\n@EACH@\n@I@ @NOPE@\n@END@\nb\n", "a\nb\n");
}

Test(template, values_that_may_be_empty_times_and_paths)
{
	struct vals s = vals();
	renders(&s, 1, "[@MAYBE@] [@NULL@] @WHEN@ @PATH@\n",
		"[] [] 2026-11-22T10:00:00Z /usr/local/bin/noa\n");
	s.path = "bin/noa-1.0+x";
	renders(&s, 1, "@PATH@", "bin/noa-1.0+x");
	s.path = "noa";
	renders(&s, 1, "@PATH@", "noa");
	s.maybe = "1.2+b";
	renders(&s, 1, "[@MAYBE@]", "[1.2+b]");
}

/* Rendering tmpl fails with CRC_EINVALID and "line:col: want"; out is left as it was. */
static void refuses(struct vals *s, const char *tmpl, size_t len, const char *want)
{
	struct crc_template_spec sp = spec(s, 2);
	struct crc_buf out;
	struct crc_error err;
	char got[1200];
	crc_buf_init(&out);
	crc_buf_puts(&out, "before");
	cr_assert_eq(crc_template_render(&out, tmpl, len, "t.in", &sp, &err), CRC_EINVALID, "%s", tmpl);
	snprintf(got, sizeof got, "%d:%d: %s", err.line, err.col, err.msg);
	cr_assert_str_eq(got, want);
	cr_assert_str_eq(err.path, "t.in");
	cr_assert_str_eq(crc_buf_str(&out), "before", "out is left as it was");
	crc_buf_free(&out);
}

#define REFUSES(s, t, want) refuses(s, t, strlen(t), want)

Test(template, names_the_spec_keyword_in_its_messages)
{
	struct vals s = vals();
	REFUSES(&s, "x @ITEM@\n", "1:3: @ITEM@ is only known inside @EACH@ ... @END@");
	REFUSES(&s, "@EACH@\n@EACH@\n@END@\n", "2:1: @EACH@ inside another (blocks do not nest)");
	REFUSES(&s, "@END@\n", "1:1: @END@ without @EACH@");
	REFUSES(&s, "\n@EACH@\n", "2:1: @EACH@ without @END@");
	REFUSES(&s, "a @EACH@\n", "1:3: @EACH@ must be alone on its line");
	REFUSES(&s, "@EACH@\r\n@END@\n", "1:1: @EACH@ must be alone on its line");
	/* Another spec's keyword is only a placeholder nobody knows. */
	REFUSES(&s, "@FOR_EACH_FUNCTION@\n@END@\n", "1:1: unknown placeholder @FOR_EACH_FUNCTION@");
	REFUSES(&s, "@EACH@\n\n  @NOPE@\n@END@\n", "3:3: unknown placeholder @NOPE@");
}

Test(template, refuses_values_not_of_their_kind)
{
	struct vals s = vals();
	s.a = "";
	REFUSES(&s, "@A@",
		"1:1: @A@ would insert '', which is not a plain name (letters, digits, '.', '_', '-', '+')");
	s.maybe = "a b";
	REFUSES(&s, "\n @MAYBE@",
		"2:2: @MAYBE@ would insert 'a b', which is not a plain name (letters, digits, '.', '_', "
		"'-', '+')");
	s.when = "2026-11-22T10:00:00Z\"";
	REFUSES(&s, "@WHEN@",
		"1:1: @WHEN@ would insert '2026-11-22T10:00:00Z\"', which is not an RFC 3339 UTC time like "
		"2026-11-22T10:00:00Z");
	s.when = "2026-11-22 10:00:00Z";
	REFUSES(&s, "@WHEN@",
		"1:1: @WHEN@ would insert '2026-11-22 10:00:00Z', which is not an RFC 3339 UTC time like "
		"2026-11-22T10:00:00Z");
	s.when = "2026-11-22T10:00Z";
	REFUSES(&s, "@WHEN@",
		"1:1: @WHEN@ would insert '2026-11-22T10:00Z', which is not an RFC 3339 UTC time like "
		"2026-11-22T10:00:00Z");
	static const char *const paths[] = {"", "/", "//a", "a//b", "a/", "/a/./b", "a/..", "/a b", "../etc"};
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		char want[200];
		s.path = paths[i];
		snprintf(
			want, sizeof want,
			"1:3: @PATH@ would insert '%s', which is not a path of plain names (no empty, '.' or "
			"'..' part)",
			paths[i]);
		REFUSES(&s, "  @PATH@", want);
	}
	char longpart[300];
	memset(longpart, 'a', sizeof longpart);
	longpart[0] = '/';
	longpart[257] = '\0';
	s.path = longpart;
	struct crc_template_spec sp = spec(&s, 1);
	sp.max_rendered = 1024;
	struct crc_buf out;
	struct crc_error err;
	crc_buf_init(&out);
	cr_assert_eq(crc_template_render(&out, "@PATH@", 6, "t.in", &sp, &err), CRC_EINVALID,
		     "a part of 256 bytes");
	longpart[256] = '\0';
	cr_assert_eq(crc_template_render(&out, "@PATH@", 6, "t.in", &sp, &err), 0, "a part of 255 bytes");
	crc_buf_free(&out);
	s.items[1] = "../y";
	REFUSES(&s, "@EACH@\n@ITEM@\n@END@\n",
		"2:1: @ITEM@ would insert '../y', which is not a plain name (letters, digits, '.', '_', '-', "
		"'+')");
}

Test(template, caps_the_template_and_its_rendering)
{
	struct vals s = vals();
	char big[300];
	memset(big, 'x', sizeof big);
	refuses(&s, big, 257, "0:0: larger than 256 bytes");
	refuses(&s, big, 65, "0:0: renders to more than 64 bytes");
	renders(&s, 1, "0123456789012345678901234567890123456789012345678901234567890123",
		"0123456789012345678901234567890123456789012345678901234567890123");
	refuses(&s, "@EACH@\n0123456789012345678901234567890123456789\n@END@\n",
		strlen("@EACH@\n0123456789012345678901234567890123456789\n@END@\n"),
		"0:0: renders to more than 64 bytes");
	refuses(&s, "a\n\nb\0", 5, "3:2: NUL byte in the template");
}

Test(template, check_refuses_what_no_template_may_be)
{
	struct crc_error err;
	cr_assert_eq(crc_template_check("ab\n", 3, "t.in", 3, &err), 0);
	cr_assert_eq(crc_template_check("ab\n", 3, "t.in", 2, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "larger than 2 bytes");
	cr_assert_eq(crc_template_check("a\nb\0", 4, "t.in", 9, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "NUL byte in the template");
	cr_assert_eq(err.line, 2);
	cr_assert_eq(err.col, 2);
	cr_assert_str_eq(err.path, "t.in");
}

/* Repetitions a spec may ask for without limit: the rendering stops at its cap instead of writing every one
 * first. Bounded by the test harness (.timeout). */
Test(template, stops_at_the_rendering_cap_whatever_the_repetitions, .timeout = 10)
{
	struct vals s = vals();
	struct crc_template_spec sp = spec(&s, (size_t)1 << 26);
	struct crc_buf out;
	struct crc_error err;
	const char *tmpl = "head\n@EACH@\n0123456789abcdef @A@\n@END@\n";
	sp.max_rendered = (size_t)1 << 20;
	crc_buf_init(&out);
	crc_buf_puts(&out, "before");
	cr_assert_eq(crc_template_render(&out, tmpl, strlen(tmpl), "t.in", &sp, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "renders to more than 1048576 bytes");
	cr_assert_eq(err.line, 0);
	cr_assert_str_eq(crc_buf_str(&out), "before", "out is left as it was");
	crc_buf_free(&out);
}
