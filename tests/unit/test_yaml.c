/* The YAML reader: the tree and its positions, and every input it rejects, with its exact message. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc/yaml.h"

static struct crc_yaml_doc *parse_ok(const char *text)
{
	struct crc_yaml_doc *doc;
	struct crc_error err;
	int rc = crc_yaml_parse(&doc, "t.yaml", text, strlen(text), &err);
	cr_assert_eq(rc, 0, "%s", err.msg);
	return doc;
}

/* Parses len bytes and checks the failure code and its formatted "path:line:col: message". */
static void parse_fails(const char *text, size_t len, int code, const char *want)
{
	struct crc_yaml_doc *doc = (struct crc_yaml_doc *)1;
	struct crc_error err;
	char got[2048];
	cr_assert_eq(crc_yaml_parse(&doc, "t.yaml", text, len, &err), code, "for %s", text);
	cr_assert_null(doc);
	crc_error_format(&err, got, sizeof got);
	cr_assert_str_eq(got, want);
}

#define FAILS(text, want) parse_fails(text, sizeof text - 1, CRC_EINVALID, want)

Test(yaml, builds_tree_with_positions)
{
	struct crc_yaml_doc *doc =
		parse_ok("name: edge\ntargets:\n  - aarch64-linux-gnu\n  - 'x86_64'\nopt: {lto: thin}\n");
	const struct crc_yaml_node *r = doc->root;
	cr_assert_eq(r->kind, CRC_YAML_MAP);
	cr_assert_eq(r->n, 3);
	cr_assert_str_eq(r->keys[0]->value, "name");
	const struct crc_yaml_node *name = crc_yaml_get(r, "name");
	cr_assert_str_eq(name->value, "edge");
	cr_assert_eq(name->line, 1);
	cr_assert_eq(name->col, 7);
	cr_assert_eq(name->plain, 1);
	const struct crc_yaml_node *t = crc_yaml_get(r, "targets");
	cr_assert_eq(t->kind, CRC_YAML_SEQ);
	cr_assert_eq(t->n, 2);
	cr_assert_eq(t->values[0]->line, 3);
	cr_assert_eq(t->values[0]->col, 5);
	cr_assert_eq(t->values[1]->plain, 0, "quoted scalars are not plain");
	cr_assert_str_eq(crc_yaml_get(crc_yaml_get(r, "opt"), "lto")->value, "thin");
	cr_assert_null(crc_yaml_get(r, "missing"));
	cr_assert_null(crc_yaml_get(name, "name"), "a scalar has no keys");
	crc_yaml_free(doc);
}

Test(yaml, large_maps_and_sequences_grow)
{
	char text[20000];
	size_t len = 0;
	for (int i = 0; i < 1000; i++)
		len += (size_t)snprintf(text + len, sizeof text - len, "k%d: [%d]\n", i, i);
	struct crc_yaml_doc *doc = parse_ok(text);
	cr_assert_eq(doc->root->n, 1000);
	cr_assert_str_eq(crc_yaml_get(doc->root, "k999")->values[0]->value, "999");
	crc_yaml_free(doc);
}

Test(yaml, rejects_duplicate_keys)
{
	FAILS("a: 1\nb: 2\na: 3\n", "t.yaml:3:1: duplicate key 'a' (first at line 1, column 1)");
	FAILS("m:\n  x: 1\n  'x': 2\n", "t.yaml:3:3: duplicate key 'x' (first at line 2, column 3)");
}

/* A map of n keys "k0: 0" ..., with "k<dup>" once more at its end when dup < n; malloc'ed. */
static char *many_keys(size_t n, size_t dup, size_t *len)
{
	char *text = malloc(n * 24 + 64), *p = text;
	cr_assert_not_null(text);
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "k%zu: %zu\n", i, i);
	if (dup < n)
		p += sprintf(p, "k%zu: again\n", dup);
	*len = (size_t)(p - text);
	return text;
}

/* Duplicates are found through a hash set: 400,000 keys, then 200,000 with a duplicate at three places
 * (the old key-by-key check took 43 s for 100,000, and grows with the square), parse well within the
 * harness's bound, also under ASan, and the duplicate still names where the first one is. */
Test(yaml, finds_duplicate_keys_of_large_maps_in_linear_time, .timeout = 10)
{
	const struct crc_yaml_limits lim = {(size_t)64 << 20, (size_t)4 << 20, 0};
	struct crc_yaml_doc *doc;
	struct crc_error err;
	size_t len, n = 400000;
	char *text = many_keys(n, n, &len);
	cr_assert_eq(crc_yaml_parse_limited(&doc, "t.yaml", text, len, &lim, &err), 0, "%s", err.msg);
	cr_assert_eq(doc->root->n, n);
	cr_assert_str_eq(crc_yaml_get(doc->root, "k399999")->value, "399999");
	crc_yaml_free(doc);
	free(text);
	n = 200000;
	for (size_t dup = 0; dup < n; dup += 66666) {
		char want[128];
		text = many_keys(n, dup, &len);
		cr_assert_eq(crc_yaml_parse_limited(&doc, "t.yaml", text, len, &lim, &err), CRC_EINVALID);
		cr_assert_null(doc);
		snprintf(want, sizeof want, "duplicate key 'k%zu' (first at line %zu, column 1)", dup,
			 dup + 1);
		cr_assert_str_eq(err.msg, want);
		cr_assert_eq(err.line, (int)n + 1);
		free(text);
	}
	/* Keys that differ in their last byte or by length only are not duplicates. */
	doc = parse_ok("m:\n  a: 1\n  b: 1\n  c: 1\n  d: 1\n  e: 1\n  f: 1\n  g: 1\n  h: 1\n  i: 1\n  aa: 1\n"
		       "  'a ': 1\n  \"\": 1\n");
	cr_assert_eq(crc_yaml_get(doc->root, "m")->n, 12);
	crc_yaml_free(doc);
	FAILS("m:\n  a: 1\n  b: 1\n  c: 1\n  d: 1\n  e: 1\n  f: 1\n  g: 1\n  h: 1\n  i: 1\n  \"h\": 2\n",
	      "t.yaml:11:3: duplicate key 'h' (first at line 9, column 3)");
}

Test(yaml, shows_hostile_duplicate_keys_escaped)
{
	FAILS("\"\\e[2J\": 1\n\"\\e[2J\": 2\n",
	      "t.yaml:2:1: duplicate key '\\x1b[2J' (first at line 1, column 1)");
}

Test(yaml, rejects_anchors_aliases_and_billion_laughs)
{
	FAILS("a: &x 1\nb: 2\n", "t.yaml:1:4: anchors and aliases are not allowed");
	FAILS("a: [1]\nb: *x\n", "t.yaml:2:4: anchors and aliases are not allowed");
	FAILS("a: &a [\"lol\",\"lol\",\"lol\",\"lol\"]\nb: &b [*a,*a,*a,*a]\nc: [*b,*b,*b,*b]\n",
	      "t.yaml:1:4: anchors and aliases are not allowed");
}

Test(yaml, rejects_tags_and_multiple_documents)
{
	FAILS("a: !!binary aGk=\n", "t.yaml:1:4: tags are not allowed");
	FAILS("a: !custom {x: 1}\n", "t.yaml:1:4: tags are not allowed");
	FAILS("a: 1\n---\nb: 2\n", "t.yaml:2:1: only one YAML document is allowed per file");
}

Test(yaml, rejects_non_scalar_keys)
{
	FAILS("[a, b]: 1\n", "t.yaml:1:1: a key must be a plain string, not a sequence");
	FAILS("? {a: 1}\n: 2\n", "t.yaml:1:3: a key must be a plain string, not a mapping");
}

Test(yaml, rejects_empty_documents)
{
	FAILS("", "t.yaml:1:1: the file is empty (no YAML document)");
	FAILS("# only a comment\n\n", "t.yaml:1:1: the file is empty (no YAML document)");
	FAILS("~\n", "t.yaml:1:1: the file is empty (no YAML document)");
	FAILS("---\n...\n", "t.yaml:1:1: the file is empty (no YAML document)");
}

Test(yaml, reports_syntax_errors_with_position)
{
	FAILS("a: [1, 2\n", "t.yaml:2:1: did not find expected ',' or ']' (while parsing a flow sequence at "
			    "line 1, column 4)");
	FAILS("a: 1\n  b: 2\n", "t.yaml:2:4: mapping values are not allowed in this context");
	FAILS("a:\n\tb: 1\n",
	      "t.yaml:2:1: found character that cannot start any token (while scanning for the next "
	      "token at line 2, column 1)");
}

Test(yaml, rejects_invalid_utf8_and_control_bytes)
{
	FAILS("a: b\n\xff\xfe: c\n", "t.yaml:2:1: invalid leading UTF-8 octet (byte 0xff)");
	FAILS("a: \xc3\x28\n", "t.yaml:1:5: invalid trailing UTF-8 octet (byte 0x28)");
	parse_fails("a: \"x\0y\"\n", 10, CRC_EINVALID,
		    "t.yaml:1:6: control characters are not allowed (byte 0x00)");
}

Test(yaml, caps_depth_nodes_and_size)
{
	char deep[200] = "";
	for (int i = 0; i < CRC_YAML_MAX_DEPTH + 1; i++)
		strcat(deep, "[");
	parse_fails(deep, strlen(deep), CRC_EINVALID, "t.yaml:1:33: nested deeper than 32 levels");

	size_t n = 2 * (CRC_YAML_MAX_NODES + 1) + 2;
	char *wide = malloc(n + 1);
	wide[0] = '[';
	for (size_t i = 0; i < CRC_YAML_MAX_NODES; i++)
		memcpy(wide + 1 + 2 * i, "1,", 2);
	memcpy(wide + 1 + 2 * CRC_YAML_MAX_NODES, "1]", 3);
	parse_fails(wide, strlen(wide), CRC_EINVALID,
		    "t.yaml:1:20000: more than 10000 nodes in one document");
	free(wide);

	size_t slen = CRC_YAML_MAX_SCALAR + 8;
	char *longs = malloc(slen + 1);
	memcpy(longs, "a: ", 3);
	memset(longs + 3, 'x', slen - 4);
	longs[slen - 1] = '\n';
	longs[slen] = '\0';
	parse_fails(longs, slen, CRC_EINVALID, "t.yaml:1:4: a string longer than 65536 bytes");
	longs[3 + CRC_YAML_MAX_SCALAR] = '\n';
	longs[4 + CRC_YAML_MAX_SCALAR] = '\0';
	struct crc_yaml_doc *doc = parse_ok(longs);
	cr_assert_eq(crc_yaml_get(doc->root, "a")->len, CRC_YAML_MAX_SCALAR, "the cap itself is fine");
	crc_yaml_free(doc);
	free(longs);

	size_t big = CRC_YAML_MAX_BYTES + 1;
	char *huge = malloc(big);
	memset(huge, '#', big);
	parse_fails(huge, big, CRC_EINVALID, "t.yaml:1:1: larger than 256 KiB");
	free(huge);
}

Test(yaml, load_reads_files_and_reports_os_errors)
{
	char dir[] = "/tmp/crc-yaml-XXXXXX", path[64];
	struct crc_yaml_doc *doc;
	struct crc_error err;
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/p.yaml", dir);
	FILE *f = fopen(path, "w");
	fputs("name: server\n", f);
	fclose(f);
	cr_assert_eq(crc_yaml_load(&doc, path, &err), 0, "%s", err.msg);
	cr_assert_str_eq(crc_yaml_get(doc->root, "name")->value, "server");
	crc_yaml_free(doc);

	cr_assert_eq(crc_yaml_load(&doc, dir, &err), CRC_EIO, "a directory is not a document");
	cr_assert_str_eq(err.msg, "not a regular file");
	char fifo[64];
	snprintf(fifo, sizeof fifo, "%s/fifo.yaml", dir);
	cr_assert_eq(mkfifo(fifo, 0644), 0);
	cr_assert_eq(crc_yaml_load(&doc, fifo, &err), CRC_EIO, "a fifo is refused, without blocking");
	cr_assert_str_eq(err.msg, "not a regular file");
	unlink(fifo);
	unlink(path);
	cr_assert_eq(crc_yaml_load(&doc, path, &err), CRC_ENOTFOUND);
	cr_assert_null(doc);
	rmdir(dir);
	crc_yaml_free(NULL);
}

Test(arena, caps_what_it_hands_out)
{
	struct crc_arena a;
	crc_arena_init(&a, 100);
	char *p = crc_arena_alloc(&a, 40);
	cr_assert_not_null(p);
	cr_assert_eq((unsigned long)p % 16, 0, "aligned");
	cr_assert_not_null(crc_arena_strndup(&a, "abc", 3));
	cr_assert_null(crc_arena_alloc(&a, 60), "past the cap");
	crc_arena_free(&a);
	crc_arena_init(&a, (size_t)1 << 20);
	char *big = crc_arena_alloc(&a, 100000);
	cr_assert_not_null(big, "larger than a block");
	cr_assert_eq(big[99999], 0, "zeroed");
	crc_arena_free(&a);
	crc_arena_free(NULL);
}
