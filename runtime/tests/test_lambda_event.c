/* The Lambda handler's event reader (src/lambda_event.h): what it keeps from each action's event, what it
 * refuses with which error type, and events at its byte and depth caps, read in linear time (bounded by
 * the test harness's timeout where Criterion runs). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/lambda_event.h"
#include "noa/error.h"

static struct noa_lambda_event ev;
static struct noa_lambda_error err;

static int parse(const char *text, size_t len, const char *default_action)
{
	memset(&err, 0, sizeof err);
	return noa_lambda_event_parse(&ev, text, len, default_action, &err);
}

#define PARSE(text) parse(text, strlen(text), NULL)

/* text is refused with type and msg (text is named by its first 64 bytes: Criterion formats messages
 * before it checks). */
static void refused(const char *text, size_t len, const char *type, const char *msg)
{
	cr_assert_eq(parse(text, len, NULL), NOA_EINVALID, "%.64s", text);
	cr_assert_str_eq(err.type, type, "%.64s", text);
	cr_assert_str_eq(err.msg, msg, "%.64s", text);
}

#define REFUSED(text, type, msg) refused(text, strlen(text), type, msg)

Test(lambda_event, keeps_what_each_action_needs)
{
	cr_assert_eq(PARSE("{\"action\": \"probe\"}"), 0);
	cr_assert_str_eq(ev.action, "probe");
	cr_assert_eq(
		PARSE(" {\"action\":\"plan\",\"policy\":{\"prefer_gpu\":false,\"min_gpu_memory_gb\":4.5}} "),
		0);
	cr_assert_eq(ev.nsettings, 2);
	cr_assert_str_eq(ev.keys[1], "min_gpu_memory_gb");
	cr_assert_str_eq(ev.values[1], "4.5");
	cr_assert_str_eq(ev.values[0], "false");
	cr_assert_eq(PARSE("{\"action\":\"infer\",\"seed\":7}"), 0);
	cr_assert_eq(ev.seed, 7);
	cr_assert_eq(parse("{}", 2, "target"), 0, "the default action");
	cr_assert_str_eq(ev.action, "target");
}

Test(lambda_event, refuses_with_the_error_type_lambda_reports)
{
	REFUSED("{}", "InvalidEvent", "event has no \"action\" member");
	REFUSED("[]", "InvalidEvent", "event must be a JSON object");
	REFUSED("{\"action\":\"probe\"} x", "InvalidEvent",
		"malformed event at byte 19: trailing bytes after the event");
	REFUSED("{\"action\":\"fly\"}", "UnknownAction",
		"unknown action 'fly' (expected probe, target, plan or infer)");
	REFUSED("{\"action\":\"plan\",\"policy\":{\"colour\":1}}", "InvalidPolicy",
		"unknown policy key 'colour'");
	REFUSED("{\"action\":\"probe\",\"action\":\"probe\"}", "InvalidEvent",
		"member \"action\" given twice");
	REFUSED("{\"action\":\"probe\",\"seed\":1}", "InvalidEvent",
		"\"input\" and \"seed\" are for the infer action only");
}

/* An event of exactly the cap: "{", the members, padding of one kind, "}" (the padding a member the
 * reader does not know, or its value, so that both passes read all of it). */
static char *at_cap(const char *head, const char *unit, const char *tail)
{
	size_t h = strlen(head), u = strlen(unit), t = strlen(tail), n = h;
	char *s = malloc(NOA_LAMBDA_MAX_EVENT + 1);
	cr_assert_not_null(s);
	memcpy(s, head, h);
	while (n + u + t <= NOA_LAMBDA_MAX_EVENT) {
		memcpy(s + n, unit, u);
		n += u;
	}
	while (n + t < NOA_LAMBDA_MAX_EVENT)
		s[n++] = ' ';
	memcpy(s + n, tail, t);
	s[NOA_LAMBDA_MAX_EVENT] = '\0';
	return s;
}

Test(lambda_event, events_at_the_byte_cap_are_read_in_linear_time, .timeout = 10)
{
	const char *unknown = "unknown member \"pad\" (expected action, policy, input, seed)";
	/* The deepest nesting (the event and "pad" are two levels), over and over. */
	char deep[2 * NOA_LAMBDA_MAX_DEPTH];
	int levels = NOA_LAMBDA_MAX_DEPTH - 2, n = 0;
	for (int i = 0; i < levels; i++)
		deep[n++] = '[';
	for (int i = 0; i < levels; i++)
		deep[n++] = ']';
	deep[n++] = ',';
	deep[n] = '\0';
	char *s = at_cap("{\"action\":\"probe\",\"pad\":[", deep, "[]]}");
	refused(s, NOA_LAMBDA_MAX_EVENT, "InvalidEvent", unknown);
	free(s);
	/* One string, of escapes. */
	s = at_cap("{\"action\":\"probe\",\"pad\":\"", "\\u0041\\n", "\"}");
	refused(s, NOA_LAMBDA_MAX_EVENT, "InvalidEvent", unknown);
	free(s);
	/* Members, each with a long key the reader reads through without keeping it. */
	s = at_cap("{\"action\":\"probe\"",
		   ",\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\":0", "}");
	refused(s, NOA_LAMBDA_MAX_EVENT, "InvalidEvent",
		"unknown member \"(unprintable)\" (expected action, policy, input, seed)");
	free(s);
	/* One number: its digits are read through, then refused. */
	s = at_cap("{\"action\":\"infer\",\"seed\":", "1111111111111111", "}");
	cr_assert_eq(parse(s, NOA_LAMBDA_MAX_EVENT, NULL), NOA_EINVALID);
	cr_assert_str_eq(err.type, "InvalidEvent");
	cr_assert_not_null(strstr(err.msg, "number is too long"), "%s", err.msg);
	/* One byte more is refused before it is read. */
	char *more = malloc(NOA_LAMBDA_MAX_EVENT + 2);
	cr_assert_not_null(more);
	memcpy(more, s, NOA_LAMBDA_MAX_EVENT);
	more[NOA_LAMBDA_MAX_EVENT] = ' ';
	refused(more, NOA_LAMBDA_MAX_EVENT + 1, "InvalidEvent", "event is larger than 6291456 bytes");
	free(more);
	free(s);
}

Test(lambda_event, refuses_nesting_past_the_depth_cap)
{
	char text[2 * NOA_LAMBDA_MAX_DEPTH + 64];
	int n = snprintf(text, sizeof text, "{\"action\":\"probe\",\"pad\":");
	for (int i = 0; i < NOA_LAMBDA_MAX_DEPTH; i++)
		text[n++] = '[';
	text[n] = '\0';
	cr_assert_eq(parse(text, (size_t)n, NULL), NOA_EINVALID);
	cr_assert_str_eq(err.type, "InvalidEvent");
	cr_assert_not_null(strstr(err.msg, "nested too deeply"), "%s", err.msg);
}
