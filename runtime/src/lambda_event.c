/* The event reader of bootstrap's handler (lambda_event.h): a small strict JSON reader for the event
 * object. It reads the event twice, each time once through: first every byte as JSON (so that a syntax
 * error is reported as such), then the members. */
#include "lambda_event.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "noa/error.h"
#include "noa/policy.h"

/* Largest magnitude of a model input. */
#define MAX_INPUT 1e6

static const char *const actions[] = {"probe", "target", "plan", "infer"};

struct reader {
	const char *s;
	size_t n, i;
	int depth;
	struct noa_lambda_error *err;
};

int noa_lambda_fail(struct noa_lambda_error *err, const char *type, const char *fmt, ...)
{
	va_list ap;
	snprintf(err->type, sizeof err->type, "%s", type);
	va_start(ap, fmt);
	int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		err->msg[0] = '\0';
	else if ((size_t)n >= sizeof err->msg)
		memcpy(err->msg + sizeof err->msg - 4, "...", 4);
	return strcmp(type, "HandlerFailed") == 0 ? NOA_ENOMEM : NOA_EINVALID;
}

/* A malformed event, at the reader's offset. */
static int bad(struct reader *r, const char *what)
{
	return noa_lambda_fail(r->err, "InvalidEvent", "malformed event at byte %zu: %s", r->i, what);
}

int noa_lambda_action_valid(const char *name)
{
	for (size_t i = 0; name && i < sizeof actions / sizeof actions[0]; i++)
		if (strcmp(name, actions[i]) == 0)
			return 1;
	return 0;
}

static void ws(struct reader *r)
{
	while (r->i < r->n && strchr(" \t\r\n", r->s[r->i]) && r->s[r->i] != '\0')
		r->i++;
}

static int peek(struct reader *r)
{
	ws(r);
	return r->i < r->n ? (unsigned char)r->s[r->i] : -1;
}

static int expect(struct reader *r, char c, const char *what)
{
	if (peek(r) != (unsigned char)c)
		return bad(r, what);
	r->i++;
	return 0;
}

static int hex4(struct reader *r, unsigned *v)
{
	*v = 0;
	for (int k = 0; k < 4; k++, r->i++) {
		char c = r->i < r->n ? r->s[r->i] : '\0';
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return bad(r, "bad \\u escape");
		*v = *v * 16 + d;
	}
	return 0;
}

/* Reads a string; keeps it in dst (size bytes, may be NULL) when it is printable ASCII that fits, and
 * sets *kept to whether it was kept. */
static int string(struct reader *r, char *dst, size_t size, int *kept)
{
	size_t len = 0;
	int ok = dst != NULL;
	if (expect(r, '"', "expected a string") != 0)
		return NOA_EINVALID;
	for (;;) {
		if (r->i >= r->n)
			return bad(r, "unterminated string");
		unsigned char c = (unsigned char)r->s[r->i++];
		if (c == '"')
			break;
		if (c < 0x20)
			return bad(r, "control byte in string");
		if (c == '\\') {
			char e = r->i < r->n ? r->s[r->i++] : '\0';
			unsigned u;
			if (e == 'u') {
				if (hex4(r, &u) != 0)
					return NOA_EINVALID;
				c = u >= 0x20 && u < 0x7f ? (unsigned char)u : 0x80;
			} else if (e && strchr("\"\\/", e)) {
				c = (unsigned char)e;
			} else if (e && strchr("bfnrt", e)) {
				c = 0x80;
			} else {
				return bad(r, "bad escape in string");
			}
		}
		if (c >= 0x7f || c < 0x20 || len + 1 >= size)
			ok = 0;
		else if (ok)
			dst[len++] = (char)c;
	}
	if (dst && size)
		dst[ok ? len : 0] = '\0';
	if (kept)
		*kept = ok;
	return 0;
}

/* Reads a number (RFC 8259 grammar); its text goes to text (size bytes) and its value to *v. */
static int number(struct reader *r, double *v, char *text, size_t size)
{
	size_t start;
	ws(r);
	start = r->i;
#define AT(k) (r->i + (k) < r->n ? r->s[r->i + (k)] : '\0')
#define DIGIT(c) ((c) >= '0' && (c) <= '9')
	if (AT(0) == '-')
		r->i++;
	if (AT(0) == '0')
		r->i++;
	else if (DIGIT(AT(0)))
		while (DIGIT(AT(0)))
			r->i++;
	else
		return bad(r, "expected a value");
	if (AT(0) == '.') {
		r->i++;
		if (!DIGIT(AT(0)))
			return bad(r, "expected digits after '.'");
		while (DIGIT(AT(0)))
			r->i++;
	}
	if (AT(0) == 'e' || AT(0) == 'E') {
		r->i++;
		if (AT(0) == '+' || AT(0) == '-')
			r->i++;
		if (!DIGIT(AT(0)))
			return bad(r, "expected digits in exponent");
		while (DIGIT(AT(0)))
			r->i++;
	}
#undef AT
#undef DIGIT
	size_t len = r->i - start;
	if (len >= size)
		return bad(r, "number is too long");
	memcpy(text, r->s + start, len);
	text[len] = '\0';
	*v = strtod(text, NULL);
	return 0;
}

static int literal(struct reader *r, const char *word)
{
	size_t n = strlen(word);
	ws(r);
	if (r->n - r->i < n || memcmp(r->s + r->i, word, n) != 0)
		return bad(r, "expected a value");
	r->i += n;
	return 0;
}

/* Skips any value, checking it. */
static int value(struct reader *r)
{
	int c = peek(r), rc;
	char text[512];
	double v;
	if (c == '"')
		return string(r, NULL, 0, NULL);
	if (c == 't')
		return literal(r, "true");
	if (c == 'f')
		return literal(r, "false");
	if (c == 'n')
		return literal(r, "null");
	if (c != '{' && c != '[')
		return number(r, &v, text, sizeof text);
	if (++r->depth > NOA_LAMBDA_MAX_DEPTH)
		return bad(r, "nested too deeply");
	r->i++;
	char close = c == '{' ? '}' : ']';
	if (peek(r) == (unsigned char)close) {
		r->i++;
		r->depth--;
		return 0;
	}
	for (;;) {
		if (c == '{') {
			if ((rc = string(r, NULL, 0, NULL)) != 0 ||
			    (rc = expect(r, ':', "expected ':'")) != 0)
				return rc;
		}
		if ((rc = value(r)) != 0)
			return rc;
		if (peek(r) == ',') {
			r->i++;
			continue;
		}
		if ((rc = expect(r, close, c == '{' ? "expected ',' or '}'" : "expected ',' or ']'")) != 0)
			return rc;
		r->depth--;
		return 0;
	}
}

/* Iterates an object's members: calls member(r, key, ev) with the reader before each value. */
static int object(struct reader *r, struct noa_lambda_event *ev, const char *what,
		  int (*member)(struct reader *r, const char *key, int kept, struct noa_lambda_event *ev))
{
	int rc;
	char key[NOA_LAMBDA_EVENT_MAX_STR];
	if (peek(r) != '{')
		return noa_lambda_fail(r->err, "InvalidEvent", "%s must be a JSON object", what);
	r->i++;
	if (peek(r) == '}') {
		r->i++;
		return 0;
	}
	for (;;) {
		int kept;
		if ((rc = string(r, key, sizeof key, &kept)) != 0 ||
		    (rc = expect(r, ':', "expected ':'")) != 0 || (rc = member(r, key, kept, ev)) != 0)
			return rc;
		if (peek(r) == ',') {
			r->i++;
			continue;
		}
		return expect(r, '}', "expected ',' or '}'");
	}
}

static int policy_member(struct reader *r, const char *key, int kept, struct noa_lambda_event *ev)
{
	const char *type = kept ? noa_policy_key_type(key) : NULL;
	char *val;
	double v;
	if (type == NULL)
		return noa_lambda_fail(r->err, "InvalidPolicy", "unknown policy key '%s'",
				       kept ? key : "(unprintable)");
	for (int i = 0; i < ev->nsettings; i++)
		if (strcmp(ev->keys[i], key) == 0)
			return noa_lambda_fail(r->err, "InvalidPolicy", "policy key '%s' given twice", key);
	if (ev->nsettings >= NOA_LAMBDA_EVENT_MAX_SETTINGS)
		return noa_lambda_fail(r->err, "InvalidPolicy", "too many policy keys");
	val = ev->values[ev->nsettings];
	snprintf(ev->keys[ev->nsettings], NOA_LAMBDA_EVENT_MAX_STR, "%s", key);
	int c = peek(r);
	if (strcmp(type, "boolean") == 0) {
		if (c != 't' && c != 'f')
			return noa_lambda_fail(r->err, "InvalidPolicy", "policy key '%s' takes true or false",
					       key);
		snprintf(val, NOA_LAMBDA_EVENT_MAX_STR, "%s", c == 't' ? "true" : "false");
		if (literal(r, val) != 0)
			return NOA_EINVALID;
	} else {
		if (c != '-' && !(c >= '0' && c <= '9'))
			return noa_lambda_fail(r->err, "InvalidPolicy", "policy key '%s' takes a number",
					       key);
		if (number(r, &v, val, NOA_LAMBDA_EVENT_MAX_STR) != 0)
			return NOA_EINVALID;
	}
	ev->nsettings++;
	return 0;
}

static int event_member(struct reader *r, const char *key, int kept, struct noa_lambda_event *ev)
{
	int rc;
	double v;
	char text[64];
	if (kept && strcmp(key, "action") == 0 && !ev->have_action) {
		int ok;
		ev->have_action = 1;
		if (peek(r) != '"')
			return noa_lambda_fail(r->err, "InvalidEvent", "\"action\" must be a string");
		if ((rc = string(r, ev->action, sizeof ev->action, &ok)) != 0)
			return rc;
		if (!ok || !noa_lambda_action_valid(ev->action))
			return noa_lambda_fail(r->err, "UnknownAction",
					       "unknown action '%s' (expected probe, target, plan or infer)",
					       ok ? ev->action : "(unprintable)");
		return 0;
	}
	if (kept && strcmp(key, "policy") == 0 && !ev->have_policy) {
		ev->have_policy = 1;
		return object(r, ev, "\"policy\"", policy_member);
	}
	if (kept && strcmp(key, "seed") == 0 && !ev->have_seed) {
		ev->have_seed = 1;
		if ((rc = number(r, &v, text, sizeof text)) != 0)
			return rc;
		if (!(v >= 0 && v <= 4294967295.0) || v != floor(v))
			return noa_lambda_fail(r->err, "InvalidEvent",
					       "\"seed\" must be an integer from 0 to 4294967295");
		ev->seed = (unsigned)v;
		return 0;
	}
	if (kept && strcmp(key, "input") == 0 && !ev->have_input) {
		size_t count = 0;
		ev->have_input = 1;
		if (expect(r, '[', "\"input\" must be an array") != 0)
			return NOA_EINVALID;
		while (peek(r) != ']') {
			if (count > 0 && (rc = expect(r, ',', "expected ',' or ']'")) != 0)
				return rc;
			if ((rc = number(r, &v, text, sizeof text)) != 0)
				return rc;
			if (!(fabs(v) <= MAX_INPUT))
				return noa_lambda_fail(r->err, "InvalidEvent",
						       "\"input\" values must be within +-1e6");
			if (count >= NOA_MODEL_INPUTS)
				return noa_lambda_fail(r->err, "InvalidEvent",
						       "\"input\" must hold exactly %d numbers",
						       NOA_MODEL_INPUTS);
			ev->input[count++] = (float)v;
		}
		r->i++;
		if (count != NOA_MODEL_INPUTS)
			return noa_lambda_fail(r->err, "InvalidEvent",
					       "\"input\" must hold exactly %d numbers", NOA_MODEL_INPUTS);
		return 0;
	}
	if (kept && (strcmp(key, "action") == 0 || strcmp(key, "policy") == 0 || strcmp(key, "seed") == 0 ||
		     strcmp(key, "input") == 0))
		return noa_lambda_fail(r->err, "InvalidEvent", "member \"%s\" given twice", key);
	return noa_lambda_fail(r->err, "InvalidEvent",
			       "unknown member \"%s\" (expected action, policy, input, seed)",
			       kept ? key : "(unprintable)");
}

int noa_lambda_event_parse(struct noa_lambda_event *ev, const char *event, size_t len,
			   const char *default_action, struct noa_lambda_error *err)
{
	struct reader r = {event, len, 0, 0, err};
	int rc;
	memset(ev, 0, sizeof *ev);
	if (len > NOA_LAMBDA_MAX_EVENT)
		return noa_lambda_fail(err, "InvalidEvent", "event is larger than %zu bytes",
				       NOA_LAMBDA_MAX_EVENT);
	if (peek(&r) != '{')
		return noa_lambda_fail(err, "InvalidEvent", "event must be a JSON object");
	/* Check the whole document first, so that a syntax error is reported as such. */
	if ((rc = value(&r)) != 0)
		return rc;
	if (peek(&r) != -1)
		return bad(&r, "trailing bytes after the event");
	r.i = 0;
	if ((rc = object(&r, ev, "event", event_member)) != 0)
		return rc;
	if (!ev->have_action) {
		if (!default_action)
			return noa_lambda_fail(err, "InvalidEvent", "event has no \"action\" member");
		snprintf(ev->action, sizeof ev->action, "%s", default_action);
	}
	if (ev->have_policy && strcmp(ev->action, "plan") != 0)
		return noa_lambda_fail(err, "InvalidEvent", "\"policy\" is for the plan action only");
	if ((ev->have_input || ev->have_seed) && strcmp(ev->action, "infer") != 0)
		return noa_lambda_fail(err, "InvalidEvent",
				       "\"input\" and \"seed\" are for the infer action only");
	if (ev->have_input && ev->have_seed)
		return noa_lambda_fail(err, "InvalidEvent", "give \"input\" or \"seed\", not both");
	return 0;
}
