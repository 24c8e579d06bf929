/* The HTTP/1.1 codec (noa/http.h): Content-Length, chunked and close-delimited bodies fed whole and byte
 * by byte, and every refusal with its message: status line, header lines, caps, framing conflicts,
 * chunk framing, cut connections; and the request head writer's checks. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "noa/error.h"
#include "noa/http.h"

/* Parses text (fed whole, or one byte at a time when bytewise) with limits; then tells EOF when eof. */
static int parse(struct noa_http_parser *p, const char *text, int bytewise, int eof,
		 const struct noa_http_limits *lim, struct noa_http_error *err)
{
	size_t n = strlen(text), used;
	int rc = 0;
	noa_http_parser_init(p, lim);
	err->msg[0] = '\0';
	if (!bytewise) {
		rc = noa_http_parser_feed(p, text, n, &used, err);
	} else {
		for (size_t i = 0; i < n && rc == 0; i++)
			rc = noa_http_parser_feed(p, text + i, 1, &used, err);
	}
	if (rc == 0 && eof)
		rc = noa_http_parser_eof(p, err);
	return rc;
}

/* Expects text to be refused with a message containing want. */
static void refused(const char *text, int eof, const struct noa_http_limits *lim, const char *want)
{
	for (int bytewise = 0; bytewise < 2; bytewise++) {
		struct noa_http_parser *p = malloc(sizeof *p);
		struct noa_http_error err;
		cr_assert_not_null(p);
		int rc = parse(p, text, bytewise, eof, lim, &err);
		cr_expect_eq(rc, NOA_EINVALID, "%s: rc %d", want, rc);
		cr_expect(strstr(err.msg, want) != NULL, "message '%s' lacks '%s'", err.msg, want);
		noa_http_parser_free(p);
		free(p);
	}
}

Test(http, content_length_body)
{
	const char *r =
		"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: abc-1\r\nContent-Length: 5\r\n\r\nhello";
	for (int bytewise = 0; bytewise < 2; bytewise++) {
		struct noa_http_parser *p = malloc(sizeof *p);
		struct noa_http_error err;
		size_t len;
		cr_assert_eq(parse(p, r, bytewise, 0, NULL, &err), 1);
		cr_assert_eq(noa_http_status(p), 200);
		cr_assert_str_eq(noa_http_header_get(p, "lambda-runtime-aws-request-id"), "abc-1");
		cr_assert_null(noa_http_header_get(p, "Missing"));
		cr_assert_str_eq(noa_http_body(p, &len), "hello");
		cr_assert_eq(len, 5);
		noa_http_parser_free(p);
		free(p);
	}
}

Test(http, chunked_body_with_extension_and_trailer)
{
	const char *r = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			"3;x=y\r\n{\"a\r\nB\r\n\":12345678}\r\n0\r\nX-Trailer: 1\r\n\r\n";
	for (int bytewise = 0; bytewise < 2; bytewise++) {
		struct noa_http_parser *p = malloc(sizeof *p);
		struct noa_http_error err;
		size_t len;
		cr_assert_eq(parse(p, r, bytewise, 0, NULL, &err), 1, "%s", err.msg);
		cr_assert_str_eq(noa_http_body(p, &len), "{\"a\":12345678}");
		char *b = noa_http_parser_take_body(p, &len);
		cr_assert_eq(len, 14);
		free(b);
		noa_http_parser_free(p);
		free(p);
	}
}

Test(http, body_until_close_and_no_content)
{
	struct noa_http_parser p;
	struct noa_http_error err;
	size_t len, used;
	cr_assert_eq(parse(&p, "HTTP/1.0 200 OK\r\n\r\nabc", 0, 1, NULL, &err), 1);
	cr_assert_str_eq(noa_http_body(&p, &len), "abc");
	noa_http_parser_free(&p);
	cr_assert_eq(parse(&p, "HTTP/1.1 204 No Content\r\n\r\n", 0, 0, NULL, &err), 1);
	noa_http_parser_free(&p);
	/* Bytes after a complete response are not taken. */
	noa_http_parser_init(&p, NULL);
	cr_assert_eq(noa_http_parser_feed(&p, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\nXY", 46,
					  &used, &err),
		     1);
	cr_assert_eq(used, 44);
	noa_http_parser_free(&p);
}

Test(http, refuses_bad_status_lines)
{
	refused("HTTP/2 200 OK\r\n\r\n", 0, NULL, "malformed status line");
	refused("HTTP/1.1 2000 OK\r\n\r\n", 0, NULL, "malformed status code");
	refused("HTTP/1.1 20x OK\r\n\r\n", 0, NULL, "malformed status code");
	refused("HTTP/1.1 100 Continue\r\n\r\n", 0, NULL, "unexpected informational response 100");
	refused("HTTP/1.1 200 O\001K\r\n\r\n", 0, NULL, "control byte in status line");
}

Test(http, refuses_bad_header_lines)
{
	refused("HTTP/1.1 200 OK\nA: b\r\n\r\n", 0, NULL, "bare LF");
	refused("HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n", 0, NULL, "bare CR");
	refused("HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n", 0, NULL, "obs-fold");
	refused("HTTP/1.1 200 OK\r\nA b\r\n\r\n", 0, NULL, "malformed header line");
	refused("HTTP/1.1 200 OK\r\n: b\r\n\r\n", 0, NULL, "malformed header line");
	refused("HTTP/1.1 200 OK\r\nA: b\001\r\n\r\n", 0, NULL, "control byte in the value of header 'A'");
}

Test(http, refuses_over_caps)
{
	struct noa_http_limits lim = {64, 2, 8};
	refused("HTTP/1.1 200 OK\r\nA: 0123456789012345678901234567890123456789012345\r\n\r\n", 0, &lim,
		"header section is larger than 64 bytes");
	refused("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", 0, &lim, "more than 2 headers");
	refused("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", 0, &lim,
		"Content-Length 9 is larger than the 8-byte cap");
	refused("HTTP/1.1 200 OK\r\n\r\n0123456789", 0, &lim, "body is larger than 8 bytes");
	refused("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\n", 0, &lim,
		"chunk is larger than the 8-byte body cap");
	refused("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n01234\r\n4\r\n", 0, &lim,
		"body is larger than 8 bytes");
	refused("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", 0, NULL,
		"is larger than the 6291456-byte cap");
}

Test(http, refuses_framing_conflicts)
{
	refused("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 0, NULL,
		"conflicting Content-Length headers");
	refused("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 0, NULL,
		"both Content-Length and Transfer-Encoding");
	refused("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 0, NULL,
		"unsupported Transfer-Encoding 'gzip'");
	refused("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 0,
		NULL, "more than one Transfer-Encoding header");
	refused("HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\n", 0, NULL, "malformed Content-Length '+1'");
	refused("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", 0, NULL, "empty Content-Length");
}

Test(http, refuses_bad_chunks)
{
	const char *te = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
	char buf[256];
	snprintf(buf, sizeof buf, "%sg\r\n", te);
	refused(buf, 0, NULL, "malformed chunk size line");
	snprintf(buf, sizeof buf, "%s1 \r\n", te);
	refused(buf, 0, NULL, "malformed chunk size line");
	snprintf(buf, sizeof buf, "%s1\n", te);
	refused(buf, 0, NULL, "chunk framing line ends in a bare LF");
	snprintf(buf, sizeof buf, "%s1\r\nab\r\n", te);
	refused(buf, 0, NULL, "chunk data is not followed by CRLF");
	snprintf(buf, sizeof buf, "%s0\r\nX: \001\r\n\r\n", te);
	refused(buf, 0, NULL, "control byte in trailer section");
	snprintf(buf, sizeof buf, "%s1;\001\r\n", te);
	refused(buf, 0, NULL, "control byte in chunk extension");
}

Test(http, refuses_cut_connections)
{
	refused("", 1, NULL, "connection closed before any response");
	refused("HTTP/1.1 2", 1, NULL, "connection closed inside the status line");
	refused("HTTP/1.1 200 OK\r\nA: b", 1, NULL, "connection closed inside the header section");
	refused("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab", 1, NULL,
		"connection closed after 2 of 4 body bytes");
	refused("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nab", 1, NULL,
		"connection closed inside the chunked body");
}

Test(http, failed_parser_stays_failed)
{
	struct noa_http_parser p;
	struct noa_http_error err;
	size_t used;
	cr_assert_eq(parse(&p, "HTTP/9 200\r\n", 0, 0, NULL, &err), NOA_EINVALID);
	cr_assert_eq(noa_http_parser_feed(&p, "x", 1, &used, &err), NOA_EINVALID);
	cr_assert_str_eq(err.msg, "parser already failed");
	noa_http_parser_free(&p);
}

Test(http, request_head)
{
	char buf[512];
	size_t len;
	struct noa_http_error err;
	struct noa_http_header h = {"Lambda-Runtime-Function-Error-Type", "InvalidEvent"};
	cr_assert_eq(noa_http_request_head(buf, sizeof buf, &len, "POST", "127.0.0.1:9001", "/x/error", &h, 1,
					   12, &err),
		     0);
	cr_assert_str_eq(buf, "POST /x/error HTTP/1.1\r\nHost: 127.0.0.1:9001\r\n"
			      "Lambda-Runtime-Function-Error-Type: InvalidEvent\r\nContent-Length: 12\r\n"
			      "Connection: close\r\n\r\n");
	cr_assert_eq(len, strlen(buf));
	cr_assert_eq(noa_http_request_head(buf, sizeof buf, &len, "GET", "h:1", "/next", NULL, 0, 0, &err),
		     0);
	cr_assert_str_eq(buf, "GET /next HTTP/1.1\r\nHost: h:1\r\nConnection: close\r\n\r\n");
}

Test(http, request_head_refusals)
{
	char buf[64];
	size_t len;
	struct noa_http_error err;
	struct noa_http_header inj = {"X", "a\r\nEvil: 1"};
	cr_assert_eq(noa_http_request_head(buf, sizeof buf, &len, "GET", "h:1", "/a", &inj, 1, 0, &err),
		     NOA_EINVALID);
	cr_assert_str_eq(err.msg, "invalid byte 0x0d in header value of request");
	cr_assert_eq(noa_http_request_head(buf, sizeof buf, &len, "G T", "h:1", "/a", NULL, 0, 0, &err),
		     NOA_EINVALID);
	cr_assert_str_eq(err.msg, "invalid byte 0x20 in method of request");
	cr_assert_eq(noa_http_request_head(buf, sizeof buf, &len, "GET", "h:1", "a", NULL, 0, 0, &err),
		     NOA_EINVALID);
	cr_assert_str_eq(err.msg, "request path must start with '/' and hold no spaces");
	cr_assert_eq(noa_http_request_head(buf, 16, &len, "GET", "h:1", "/a", NULL, 0, 0, &err),
		     NOA_EINVALID);
	cr_assert_str_eq(err.msg, "request head is longer than 15 bytes");
}
