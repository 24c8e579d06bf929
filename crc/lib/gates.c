/* The runtime's feature gates (see crc/gates.h). */
#include "crc/gates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc/yaml.h"

#define GATES_ARENA_MAX ((size_t)1 << 20)
#define OPTION_PREFIX "NOA_FEATURE_"

/* Why name is not a gate's name, or NULL. */
static const char *name_problem(const char *name, size_t len)
{
	if (len == 0)
		return "is empty";
	if (len > CRC_GATES_NAME_MAX)
		return "is longer than 64 characters";
	if (!(name[0] >= 'a' && name[0] <= 'z'))
		return "must start with a lower-case letter";
	if (strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != len)
		return "may hold only lower-case letters, digits and '-'";
	return NULL;
}

/* Checks the document doc (from path) into g. */
static int from_doc(struct crc_gates *g, const struct crc_yaml_doc *doc, const char *path,
		    struct crc_error *err)
{
	char sh[CRC_SHOWN_MAX];
	const struct crc_yaml_node *root = doc->root, *list = crc_yaml_get(root, "features");
	if (!list || list->kind != CRC_YAML_SEQ)
		return crc_err_at(err, CRC_EINVALID, path, root->line, root->col,
				  "expected 'features:' with a list of gates");
	if (list->n > CRC_GATES_MAX)
		return crc_err_at(err, CRC_EINVALID, path, list->line, list->col, "more than %d gates",
				  CRC_GATES_MAX);
	g->names = crc_arena_alloc(&g->arena, (list->n + 1) * sizeof *g->names);
	g->options = crc_arena_alloc(&g->arena, (list->n + 1) * sizeof *g->options);
	if (!g->names || !g->options)
		return crc_err(err, CRC_ENOMEM, "out of memory");
	for (size_t i = 0; i < list->n; i++) {
		const struct crc_yaml_node *item = list->values[i], *name = crc_yaml_get(item, "name"),
					   *option = crc_yaml_get(item, "option");
		const char *why;
		if (!name || name->kind != CRC_YAML_SCALAR)
			return crc_err_at(err, CRC_EINVALID, path, item->line, item->col,
					  "each feature needs a name");
		if ((why = name_problem(name->value, name->len)) != NULL)
			return crc_err_at(err, CRC_EINVALID, path, name->line, name->col, "gate name '%s' %s",
					  crc_shown(sh, sizeof sh, name->value), why);
		/* At most CRC_GATES_MAX gates: looking back is bounded. */
		if (crc_gates_find(g, name->value) >= 0)
			return crc_err_at(err, CRC_EINVALID, path, name->line, name->col,
					  "gate '%s' is declared twice", name->value);
		char opt[sizeof OPTION_PREFIX + CRC_GATES_NAME_MAX];
		snprintf(opt, sizeof opt, OPTION_PREFIX "%s", name->value);
		for (char *q = opt + strlen(OPTION_PREFIX); *q; q++)
			*q = *q == '-' ? '_' : (*q >= 'a' && *q <= 'z') ? (char)(*q - 'a' + 'A') : *q;
		/* runtime/cmake/Features.cmake declares the option the file names: it must be this one. */
		if (option && (option->kind != CRC_YAML_SCALAR || strcmp(option->value, opt) != 0))
			return crc_err_at(err, CRC_EINVALID, path, option->line, option->col,
					  "the option of gate '%s' must be %s", name->value, opt);
		g->names[g->n] = crc_arena_strndup(&g->arena, name->value, name->len);
		g->options[g->n] = crc_arena_strndup(&g->arena, opt, strlen(opt));
		if (!g->names[g->n] || !g->options[g->n])
			return crc_err(err, CRC_ENOMEM, "out of memory");
		g->n++;
	}
	return 0;
}

static int finish(struct crc_gates **out, struct crc_yaml_doc *doc, const char *path, struct crc_error *err)
{
	struct crc_gates *g = calloc(1, sizeof *g);
	int rc = g ? 0 : crc_err(err, CRC_ENOMEM, "out of memory");
	if (g) {
		crc_arena_init(&g->arena, GATES_ARENA_MAX);
		rc = from_doc(g, doc, path, err);
	}
	crc_yaml_free(doc);
	if (rc) {
		crc_gates_free(g);
		return rc;
	}
	*out = g;
	return 0;
}

int crc_gates_load(struct crc_gates **out, const char *root, struct crc_error *err)
{
	char path[4096];
	struct crc_yaml_doc *doc;
	*out = NULL;
	int w = snprintf(path, sizeof path, "%s/runtime/features.yaml", root);
	if (w < 0 || (size_t)w >= sizeof path)
		return crc_err(err, CRC_EINVALID, "path too long: %s/runtime/features.yaml", root);
	int rc = crc_yaml_load(&doc, path, err);
	return rc ? rc : finish(out, doc, path, err);
}

int crc_gates_parse(struct crc_gates **out, const char *path, const char *text, size_t len,
		    struct crc_error *err)
{
	struct crc_yaml_doc *doc;
	*out = NULL;
	int rc = crc_yaml_parse(&doc, path, text, len, err);
	return rc ? rc : finish(out, doc, path, err);
}

int crc_gates_find(const struct crc_gates *g, const char *name)
{
	for (size_t i = 0; g && i < g->n; i++)
		if (strcmp(g->names[i], name) == 0)
			return (int)i;
	return -1;
}

void crc_gates_free(struct crc_gates *g)
{
	if (!g)
		return;
	crc_arena_free(&g->arena);
	free(g);
}
