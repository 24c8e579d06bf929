/* The policy file reader, over libyaml's event parser (yaml_parser_t stays in this file). The file must
 * be at most one document whose top level is a mapping of policy keys to plain scalars; anything else is
 * rejected with FILE:LINE:COLUMN (libyaml's marks are 0-based; messages are 1-based). A stream with no
 * document, or a document that is one empty plain scalar or null, leaves the policy at its defaults. */
#include "noa/policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "noa/error.h"

/* Most keys one file may hold; more than the policy has means a duplicate or an unknown key anyway. */
#define MAX_SEEN 8

struct reader {
	yaml_parser_t parser;
	const char *name;
	struct noa_policy_error *err;
};

int noa_policy_files_supported(void)
{
	return 1;
}

/* Fills the error at mark (0-based) with name:line:col: why. Returns NOA_EINVALID. */
__attribute__((format(printf, 3, 4))) static int fail(struct reader *r, const yaml_mark_t *mark,
						      const char *fmt, ...)
{
	char why[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	r->err->line = (int)mark->line + 1;
	r->err->col = (int)mark->column + 1;
	snprintf(r->err->msg, sizeof r->err->msg, "%.200s:%d:%d: %s", r->name, r->err->line, r->err->col,
		 why);
	return NOA_EINVALID;
}

/* Reads the next event into ev, translating a libyaml error. Returns 0 or NOA_EINVALID. */
static int next(struct reader *r, yaml_event_t *ev)
{
	if (yaml_parser_parse(&r->parser, ev))
		return 0;
	const yaml_mark_t *m = r->parser.problem ? &r->parser.problem_mark : &r->parser.mark;
	const char *problem = r->parser.problem ? r->parser.problem : "YAML syntax error";
	if (r->parser.context)
		return fail(r, m, "%.200s (%.200s started at %d:%d)", problem, r->parser.context,
			    (int)r->parser.context_mark.line + 1, (int)r->parser.context_mark.column + 1);
	return fail(r, m, "%.200s", problem);
}

/* Rejects what a policy never needs: aliases, anchors and tags. Returns 0 or NOA_EINVALID. */
static int check_node(struct reader *r, const yaml_event_t *ev)
{
	const yaml_char_t *anchor = NULL, *tag = NULL;
	if (ev->type == YAML_ALIAS_EVENT)
		return fail(r, &ev->start_mark, "aliases (*%.64s) are not allowed in a policy",
			    (const char *)ev->data.alias.anchor);
	if (ev->type == YAML_SCALAR_EVENT) {
		anchor = ev->data.scalar.anchor;
		tag = ev->data.scalar.tag;
	} else if (ev->type == YAML_MAPPING_START_EVENT) {
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
	} else if (ev->type == YAML_SEQUENCE_START_EVENT) {
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
	}
	if (anchor)
		return fail(r, &ev->start_mark, "anchors (&%.64s) are not allowed in a policy",
			    (const char *)anchor);
	if (tag)
		return fail(r, &ev->start_mark, "tags (%.64s) are not allowed in a policy",
			    (const char *)tag);
	return 0;
}

/* Whether a scalar is YAML's null (empty plain, "~", "null"). */
static int is_null_scalar(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0;
}

/* Reads one value event for key (the key event is kev) and applies it. Returns 0 or NOA_EINVALID. */
static int read_value(struct reader *r, struct noa_policy *p, const yaml_event_t *kev)
{
	const char *key = (const char *)kev->data.scalar.value;
	const char *type = noa_policy_key_type(key);
	char reason[512];
	yaml_event_t ev;
	int rc = next(r, &ev);
	if (rc != 0)
		return rc;
	rc = check_node(r, &ev);
	if (rc != 0)
		goto out;
	if (ev.type != YAML_SCALAR_EVENT) {
		rc = fail(r, &ev.start_mark, "'%.64s' must be a %s, not a %s", key, type,
			  ev.type == YAML_MAPPING_START_EVENT ? "mapping" : "sequence");
		goto out;
	}
	if (ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
		rc = fail(r, &ev.start_mark, "'%.64s' must be a %s, not a quoted string", key, type);
		goto out;
	}
	if (strlen((const char *)ev.data.scalar.value) != ev.data.scalar.length ||
	    noa_policy_set(p, key, (const char *)ev.data.scalar.value, reason, sizeof reason) != 0) {
		if (strlen((const char *)ev.data.scalar.value) != ev.data.scalar.length)
			snprintf(reason, sizeof reason, "'%.64s' has a NUL byte in its value", key);
		rc = fail(r, &ev.start_mark, "%s", reason);
	}
out:
	yaml_event_delete(&ev);
	return rc;
}

/* Reads the top-level mapping's pairs up to its end. Returns 0 or NOA_EINVALID. */
static int read_mapping(struct reader *r, struct noa_policy *p)
{
	char seen[MAX_SEEN][64];
	int nseen = 0;
	for (;;) {
		yaml_event_t ev;
		char reason[512];
		int rc = next(r, &ev);
		if (rc != 0)
			return rc;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		rc = check_node(r, &ev);
		if (rc == 0 && ev.type != YAML_SCALAR_EVENT)
			rc = fail(r, &ev.start_mark, "policy keys must be plain names, not a %s",
				  ev.type == YAML_MAPPING_START_EVENT ? "mapping" : "sequence");
		const char *key = rc == 0 ? (const char *)ev.data.scalar.value : "";
		if (rc == 0 && strlen(key) != ev.data.scalar.length) {
			rc = fail(r, &ev.start_mark, "a key has a NUL byte in it");
		} else if (rc == 0 && noa_policy_key_type(key) == NULL) {
			noa_policy_set(p, key, "", reason, sizeof reason);
			rc = fail(r, &ev.start_mark, "%s", reason);
		}
		for (int i = 0; rc == 0 && i < nseen; i++)
			if (strcmp(seen[i], key) == 0)
				rc = fail(r, &ev.start_mark, "duplicate key '%.64s'", key);
		if (rc == 0 && nseen < MAX_SEEN && strlen(key) < sizeof seen[0])
			memcpy(seen[nseen++], key, strlen(key) + 1);
		if (rc == 0)
			rc = read_value(r, p, &ev);
		yaml_event_delete(&ev);
		if (rc != 0)
			return rc;
	}
}

/* Reads one document's root node. Returns 0 or NOA_EINVALID. */
static int read_document(struct reader *r, struct noa_policy *p)
{
	yaml_event_t ev;
	int rc = next(r, &ev);
	if (rc != 0)
		return rc;
	rc = check_node(r, &ev);
	if (rc == 0 && ev.type == YAML_MAPPING_START_EVENT)
		rc = read_mapping(r, p);
	else if (rc == 0 && !(ev.type == YAML_SCALAR_EVENT && is_null_scalar(&ev)))
		rc = fail(r, &ev.start_mark, "a policy must be a mapping of keys to values");
	yaml_event_delete(&ev);
	if (rc != 0)
		return rc;
	rc = next(r, &ev);
	if (rc == 0 && ev.type != YAML_DOCUMENT_END_EVENT)
		rc = fail(r, &ev.start_mark, "unexpected content after the policy mapping");
	if (rc == 0)
		yaml_event_delete(&ev);
	return rc;
}

/* Walks the event stream: stream start, at most one document, stream end. */
static int read_stream(struct reader *r, struct noa_policy *p)
{
	int ndocs = 0;
	for (;;) {
		yaml_event_t ev;
		int rc = next(r, &ev);
		if (rc != 0)
			return rc;
		yaml_event_type_t type = ev.type;
		if (type == YAML_DOCUMENT_START_EVENT && ++ndocs > 1)
			rc = fail(r, &ev.start_mark, "a policy file holds one YAML document, not several");
		yaml_event_delete(&ev);
		if (rc == 0 && type == YAML_DOCUMENT_START_EVENT)
			rc = read_document(r, p);
		if (rc != 0 || type == YAML_STREAM_END_EVENT)
			return rc;
	}
}

int noa_policy_parse(struct noa_policy *p, const char *name, const char *text, size_t len,
		     struct noa_policy_error *err)
{
	struct reader r;
	int rc;
	err->line = err->col = 0;
	err->msg[0] = '\0';
	if (len > NOA_POLICY_MAX_BYTES) {
		snprintf(err->msg, sizeof err->msg, "%.200s: policy file is larger than %zu bytes", name,
			 NOA_POLICY_MAX_BYTES);
		return NOA_EINVALID;
	}
	memset(&r, 0, sizeof r);
	r.name = name;
	r.err = err;
	if (!yaml_parser_initialize(&r.parser)) {
		snprintf(err->msg, sizeof err->msg, "%.200s: cannot start the YAML parser: out of memory",
			 name);
		return NOA_ENOMEM;
	}
	yaml_parser_set_input_string(&r.parser, (const unsigned char *)text, len);
	rc = read_stream(&r, p);
	yaml_parser_delete(&r.parser);
	return rc;
}
