/* A small, strict HTTP/1.1 client codec for the Lambda Runtime API (bootstrap): a request head writer and
 * an incremental response parser. No I/O: the caller moves the bytes. The parser takes a status line
 * ("HTTP/1.1 200 OK" or HTTP/1.0), header lines ending in CRLF (no obs-fold, no bare LF, no control
 * bytes), and a body framed by Content-Length, by chunked transfer coding (extensions ignored, trailers
 * read and dropped), or by the end of the connection; everything is capped (struct noa_http_limits).
 * Content-Length together with Transfer-Encoding, conflicting Content-Lengths and codings other than
 * chunked are refused, as are 1xx responses (the client never asks for them). */
#ifndef NOA_HTTP_H
#define NOA_HTTP_H

#include <stddef.h>

/* Default caps: status line plus headers, header count, body (Lambda's 6 MB payload limit, in MiB). */
#define NOA_HTTP_MAX_HEAD ((size_t)16 * 1024)
#define NOA_HTTP_MAX_HEADERS 100
#define NOA_HTTP_MAX_BODY ((size_t)6 * 1024 * 1024)

/* Largest body cap a parser takes (1 GiB); larger requests keep the default. */
#define NOA_HTTP_MAX_BODY_LIMIT ((size_t)1 << 30)

/* What the parser accepts; zero fields take the defaults above (max_head and max_headers at most the
 * defaults, max_body at most NOA_HTTP_MAX_BODY_LIMIT). */
struct noa_http_limits {
	size_t max_head;
	int max_headers;
	size_t max_body;
};

/* Why a request could not be written or a response was refused: a complete sentence fragment such as
 * "header section is larger than 16384 bytes". */
struct noa_http_error {
	char msg[256];
};

/* One header; name and value point into the parser (borrowed until noa_http_parser_free). */
struct noa_http_header {
	const char *name;
	const char *value;
};

/* The parser's state. Fields are private to http.c except where noted; read results through the
 * functions below. */
struct noa_http_parser {
	struct noa_http_limits lim;
	int state;
	/* The status code, once the status line is in. */
	int status;
	/* Status line and header lines, NUL-separated once parsed. */
	char head[NOA_HTTP_MAX_HEAD + 1];
	size_t head_len;
	/* Start of the line being read, in head (headers) or line (chunk sizes, trailers). */
	size_t line_start;
	char line[1024];
	size_t line_len;
	size_t trailer_bytes;
	int nheaders;
	struct noa_http_header headers[NOA_HTTP_MAX_HEADERS];
	/* Body bytes still due in the current Content-Length body or chunk. */
	size_t remaining;
	/* The body, owned by the parser (malloc); body_len bytes plus a NUL. */
	char *body;
	size_t body_len, body_cap;
};

/* Starts a parser with limits (NULL for the defaults). */
void noa_http_parser_init(struct noa_http_parser *p, const struct noa_http_limits *limits);

/* Feeds len bytes. *used gets how many were taken (less than len only once the response is complete).
 * Returns 1 when the response is complete, 0 when more bytes are needed, or NOA_EINVALID (malformed or
 * over a cap) / NOA_ENOMEM with err->msg set; after an error the parser stays failed. */
int noa_http_parser_feed(struct noa_http_parser *p, const char *data, size_t len, size_t *used,
			 struct noa_http_error *err);

/* Tells the parser the connection closed. Returns 1 when that completes the response (a body framed by
 * the end of the connection, or a complete one), else NOA_EINVALID naming where it was cut. */
int noa_http_parser_eof(struct noa_http_parser *p, struct noa_http_error *err);

/* The status code of a parsed status line, or 0. */
int noa_http_status(const struct noa_http_parser *p);

/* The value of the first header called name (case-insensitive), or NULL. Borrowed from p. */
const char *noa_http_header_get(const struct noa_http_parser *p, const char *name);

/* The body of a complete response (NUL-terminated, may hold NUL bytes) and its length. Borrowed from p,
 * or taken with noa_http_parser_take_body. */
const char *noa_http_body(const struct noa_http_parser *p, size_t *len);

/* Hands the body to the caller (free()); the parser forgets it. Never NULL for a complete response. */
char *noa_http_parser_take_body(struct noa_http_parser *p, size_t *len);

/* Frees the parser's body; p may be reinitialised afterwards. NULL is allowed. */
void noa_http_parser_free(struct noa_http_parser *p);

/* Writes a request head into buf (size bytes): "METHOD PATH HTTP/1.1", Host, the extra headers (nheaders
 * of them), "Content-Length: body_len" unless method is GET, "Connection: close", and the blank line.
 * *len gets its length. Returns 0, or NOA_EINVALID when a field holds CR, LF or another control byte,
 * the path does not start with '/', or the head does not fit (err->msg says which). */
int noa_http_request_head(char *buf, size_t size, size_t *len, const char *method, const char *host,
			  const char *path, const struct noa_http_header *headers, int nheaders,
			  size_t body_len, struct noa_http_error *err);

#endif
