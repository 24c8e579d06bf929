/* libFuzzer target for the HTTP response parser of noa/http.h. The first byte selects the feeding: its
 * low four bits + 1 are the size of the pieces the rest is fed in (so that every state is entered at
 * piece boundaries), bit 4 tells the end of the connection afterwards, bit 5 uses small caps (64-byte
 * header section, 4 headers, 32-byte body) so that every cap is reached. Besides sanitizer reports, a
 * result outside what http.h promises aborts: a complete response with no body or a body over the cap,
 * an error without a message, bytes left untaken before the response is complete. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "noa/error.h"
#include "noa/http.h"

/* The entry point libFuzzer (or tests/fuzz/replay.c) calls once per input. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(const struct noa_http_error *err)
{
	if (!memchr(err->msg, '\0', sizeof err->msg) || !err->msg[0])
		abort();
}

static void check_complete(struct noa_http_parser *p, size_t cap)
{
	size_t len;
	const char *body = noa_http_body(p, &len);
	int status = noa_http_status(p);
	if (body == NULL || len > cap || body[len] != '\0' || status < 200 || status > 599)
		abort();
	for (int i = 0; i < p->nheaders; i++)
		if (noa_http_header_get(p, p->headers[i].name) == NULL)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t sel = data[0];
	size_t piece = (size_t)(sel & 15) + 1, len = size - 1;
	struct noa_http_limits small = {64, 4, 32};
	const struct noa_http_limits *lim = (sel & 32) ? &small : NULL;
	size_t cap = lim ? small.max_body : NOA_HTTP_MAX_BODY;
	struct noa_http_parser *p = malloc(sizeof *p);
	struct noa_http_error err;
	/* A private copy of exactly len bytes, so that a read past the input is reported. */
	char *copy = malloc(len ? len : 1);
	int rc = 0;
	if (!p || !copy)
		goto out;
	if (len)
		memcpy(copy, data + 1, len);
	noa_http_parser_init(p, lim);
	for (size_t off = 0; off < len && rc == 0;) {
		size_t n = len - off < piece ? len - off : piece, used;
		rc = noa_http_parser_feed(p, copy + off, n, &used, &err);
		if (used > n || (rc == 0 && used != n))
			abort();
		off += used;
	}
	if (rc == 0 && (sel & 16))
		rc = noa_http_parser_eof(p, &err);
	if (rc == 1)
		check_complete(p, cap);
	else if (rc < 0) {
		if (rc != NOA_EINVALID && rc != NOA_ENOMEM)
			abort();
		check_error(&err);
	}
	noa_http_parser_free(p);
out:
	free(copy);
	free(p);
	return 0;
}
