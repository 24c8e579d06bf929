/* The HTTP/1.1 client codec of noa/http.h: a request head writer and an incremental, strict response
 * parser with caps on the header section, the header count and the body. Pure: no sockets, no printing. */
#include "noa/http.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "noa/error.h"

enum state {
	S_STATUS,
	S_HEADERS,
	S_BODY_LEN,
	S_BODY_EOF,
	S_CHUNK_SIZE,
	S_CHUNK_DATA,
	S_CHUNK_END,
	S_TRAILER,
	S_DONE,
	S_FAILED,
};

__attribute__((format(printf, 3, 4))) static int fail(struct noa_http_parser *p, struct noa_http_error *err,
						      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		err->msg[0] = '\0';
	/* A message longer than msg is cut; mark it so that it is not mistaken for a whole one. */
	else if ((size_t)n >= sizeof err->msg)
		memcpy(err->msg + sizeof err->msg - 4, "...", 4);
	if (p)
		p->state = S_FAILED;
	return NOA_EINVALID;
}

void noa_http_parser_init(struct noa_http_parser *p, const struct noa_http_limits *limits)
{
	memset(p, 0, sizeof *p);
	p->lim.max_head = NOA_HTTP_MAX_HEAD;
	p->lim.max_headers = NOA_HTTP_MAX_HEADERS;
	p->lim.max_body = NOA_HTTP_MAX_BODY;
	if (limits) {
		if (limits->max_head > 0 && limits->max_head < NOA_HTTP_MAX_HEAD)
			p->lim.max_head = limits->max_head;
		if (limits->max_headers > 0 && limits->max_headers < NOA_HTTP_MAX_HEADERS)
			p->lim.max_headers = limits->max_headers;
		if (limits->max_body > 0 && limits->max_body <= NOA_HTTP_MAX_BODY_LIMIT)
			p->lim.max_body = limits->max_body;
	}
	p->state = S_STATUS;
}

void noa_http_parser_free(struct noa_http_parser *p)
{
	if (p == NULL)
		return;
	free(p->body);
	p->body = NULL;
	p->body_len = p->body_cap = 0;
}

/* A tchar of RFC 9110's token. */
static int is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* A byte allowed in a field value or reason phrase: HT, SP, visible ASCII, obs-text. */
static int is_field_byte(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (ascii_lower((unsigned char)*a) != ascii_lower((unsigned char)*b))
			return 0;
	return *a == *b;
}

/* Makes room for n more body bytes plus a NUL, within the cap. */
static int body_reserve(struct noa_http_parser *p, size_t n, struct noa_http_error *err)
{
	if (n > p->lim.max_body - p->body_len)
		return fail(p, err, "body is larger than %zu bytes", p->lim.max_body);
	size_t need = p->body_len + n + 1;
	if (need <= p->body_cap)
		return 0;
	size_t cap = p->body_cap ? p->body_cap : 4096;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (cap > p->lim.max_body + 1)
		cap = p->lim.max_body + 1;
	if (cap < need)
		cap = need;
	char *b = realloc(p->body, cap);
	if (b == NULL) {
		fail(p, err, "out of memory for a %zu-byte body", need - 1);
		return NOA_ENOMEM;
	}
	p->body = b;
	p->body_cap = cap;
	return 0;
}

static int body_append(struct noa_http_parser *p, const char *data, size_t n, struct noa_http_error *err)
{
	int rc = body_reserve(p, n, err);
	if (rc != 0)
		return rc;
	memcpy(p->body + p->body_len, data, n);
	p->body_len += n;
	p->body[p->body_len] = '\0';
	return 0;
}

/* Parses "HTTP/1.x DDD[ reason]". */
static int status_line(struct noa_http_parser *p, char *s, struct noa_http_error *err)
{
	if (strncmp(s, "HTTP/1.1 ", 9) != 0 && strncmp(s, "HTTP/1.0 ", 9) != 0)
		return fail(p, err, "malformed status line (expected 'HTTP/1.1 <code> <reason>')");
	const char *c = s + 9;
	if (!(c[0] >= '1' && c[0] <= '5' && c[1] >= '0' && c[1] <= '9' && c[2] >= '0' && c[2] <= '9') ||
	    (c[3] != '\0' && c[3] != ' '))
		return fail(p, err, "malformed status code in status line");
	for (const char *r = c + 3; *r; r++)
		if (!is_field_byte((unsigned char)*r))
			return fail(p, err, "control byte in status line");
	p->status = (c[0] - '0') * 100 + (c[1] - '0') * 10 + (c[2] - '0');
	if (p->status < 200)
		return fail(p, err, "unexpected informational response %d", p->status);
	return 0;
}

/* Parses "name: value" in place: name and value become NUL-terminated strings in s. */
static int header_line(struct noa_http_parser *p, char *s, struct noa_http_error *err)
{
	if (s[0] == ' ' || s[0] == '\t')
		return fail(p, err, "folded header line (obs-fold) is not supported");
	char *colon = s;
	while (*colon && is_tchar((unsigned char)*colon))
		colon++;
	if (colon == s || *colon != ':')
		return fail(p, err, "malformed header line (expected 'name: value')");
	if (p->nheaders >= p->lim.max_headers)
		return fail(p, err, "more than %d headers", p->lim.max_headers);
	*colon = '\0';
	char *v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	char *end = v + strlen(v);
	for (char *q = v; q < end; q++)
		if (!is_field_byte((unsigned char)*q))
			return fail(p, err, "control byte in the value of header '%.64s'", s);
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	p->headers[p->nheaders].name = s;
	p->headers[p->nheaders].value = v;
	p->nheaders++;
	return 0;
}

/* Parses a Content-Length value: digits only, at most the body cap. */
static int content_length(struct noa_http_parser *p, const char *v, size_t *out, struct noa_http_error *err)
{
	size_t n = 0;
	if (!*v)
		return fail(p, err, "empty Content-Length");
	for (const char *q = v; *q; q++) {
		if (*q < '0' || *q > '9')
			return fail(p, err, "malformed Content-Length '%.32s'", v);
		n = n * 10 + (size_t)(*q - '0');
		/* n stays at most max_body + 9 < SIZE_MAX / 10 before each step. */
		if (n > p->lim.max_body)
			return fail(p, err, "Content-Length %.32s is larger than the %zu-byte cap", v,
				    p->lim.max_body);
	}
	*out = n;
	return 0;
}

/* The header section is complete: decides how the body is framed. */
static int end_of_headers(struct noa_http_parser *p, struct noa_http_error *err)
{
	const char *te = NULL;
	int have_cl = 0;
	size_t cl = 0;
	for (int i = 0; i < p->nheaders; i++) {
		if (name_eq(p->headers[i].name, "Transfer-Encoding")) {
			if (te)
				return fail(p, err, "more than one Transfer-Encoding header");
			te = p->headers[i].value;
		} else if (name_eq(p->headers[i].name, "Content-Length")) {
			size_t n = 0;
			int rc = content_length(p, p->headers[i].value, &n, err);
			if (rc != 0)
				return rc;
			if (have_cl && n != cl)
				return fail(p, err, "conflicting Content-Length headers");
			have_cl = 1;
			cl = n;
		}
	}
	if (te && have_cl)
		return fail(p, err, "both Content-Length and Transfer-Encoding");
	if (te && !name_eq(te, "chunked"))
		return fail(p, err, "unsupported Transfer-Encoding '%.64s'", te);
	/* The body is always allocated, so that a complete response has one. */
	int rc = body_reserve(p, have_cl ? cl : 0, err);
	if (rc != 0)
		return rc;
	p->body[0] = '\0';
	if (p->status == 204 || p->status == 304 || (have_cl && cl == 0))
		p->state = S_DONE;
	else if (te)
		p->state = S_CHUNK_SIZE;
	else if (have_cl) {
		p->remaining = cl;
		p->state = S_BODY_LEN;
	} else
		p->state = S_BODY_EOF;
	return 0;
}

/* Collects one CRLF-terminated line of the header section into head. Returns 1 with *line set (NUL
 * instead of CR), 0 when more bytes are needed, or an error. */
static int head_byte(struct noa_http_parser *p, char c, char **line, struct noa_http_error *err)
{
	if (p->head_len >= p->lim.max_head)
		return fail(p, err, "header section is larger than %zu bytes", p->lim.max_head);
	p->head[p->head_len++] = c;
	if (c != '\n')
		return 0;
	size_t n = p->head_len - p->line_start;
	if (n < 2 || p->head[p->head_len - 2] != '\r')
		return fail(p, err, "line in header section ends in a bare LF (CRLF required)");
	p->head[p->head_len - 2] = '\0';
	*line = p->head + p->line_start;
	if (memchr(*line, '\r', n - 2))
		return fail(p, err, "bare CR in header section");
	p->line_start = p->head_len;
	return 1;
}

/* Collects one CRLF-terminated line of chunk framing into line. Same returns as head_byte. */
static int line_byte(struct noa_http_parser *p, char c, struct noa_http_error *err)
{
	if (p->line_len >= sizeof p->line - 1)
		return fail(p, err, "chunk framing line is longer than %zu bytes", sizeof p->line - 2);
	p->line[p->line_len++] = c;
	if (c != '\n')
		return 0;
	if (p->line_len < 2 || p->line[p->line_len - 2] != '\r')
		return fail(p, err, "chunk framing line ends in a bare LF (CRLF required)");
	p->line[p->line_len - 2] = '\0';
	p->line_len = 0;
	return 1;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)ascii_lower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Parses a chunk-size line: hex digits, then nothing or ';' and extensions (ignored). */
static int chunk_size(struct noa_http_parser *p, struct noa_http_error *err)
{
	const char *s = p->line;
	size_t n = 0;
	int d;
	if (hex_value(*s) < 0)
		return fail(p, err, "malformed chunk size line");
	for (; (d = hex_value(*s)) >= 0; s++) {
		n = n * 16 + (size_t)d;
		if (n > p->lim.max_body)
			return fail(p, err, "chunk is larger than the %zu-byte body cap", p->lim.max_body);
	}
	if (*s != '\0' && *s != ';')
		return fail(p, err, "malformed chunk size line");
	for (; *s; s++)
		if (!is_field_byte((unsigned char)*s))
			return fail(p, err, "control byte in chunk extension");
	if (n > p->lim.max_body - p->body_len)
		return fail(p, err, "body is larger than %zu bytes", p->lim.max_body);
	p->remaining = n;
	p->state = n ? S_CHUNK_DATA : S_TRAILER;
	return 0;
}

/* Takes body bytes for S_BODY_LEN, S_BODY_EOF and S_CHUNK_DATA; returns how many, or an error. */
static long long body_bytes(struct noa_http_parser *p, const char *data, size_t len,
			    struct noa_http_error *err)
{
	size_t n = len;
	if (p->state != S_BODY_EOF && n > p->remaining)
		n = p->remaining;
	int rc = body_append(p, data, n, err);
	if (rc != 0)
		return rc;
	if (p->state == S_BODY_EOF)
		return (long long)n;
	p->remaining -= n;
	if (p->remaining == 0)
		p->state = p->state == S_BODY_LEN ? S_DONE : S_CHUNK_END;
	return (long long)n;
}

/* One framing byte in the chunked states. */
static int chunk_byte(struct noa_http_parser *p, char c, struct noa_http_error *err)
{
	int rc = line_byte(p, c, err);
	if (rc <= 0)
		return rc;
	if (p->state == S_CHUNK_SIZE)
		return chunk_size(p, err);
	if (p->state == S_CHUNK_END) {
		if (p->line[0] != '\0')
			return fail(p, err, "chunk data is not followed by CRLF");
		p->state = S_CHUNK_SIZE;
		return 0;
	}
	/* S_TRAILER: fields are dropped, but count against the header cap. */
	if (p->line[0] == '\0') {
		p->state = S_DONE;
		return 0;
	}
	p->trailer_bytes += strlen(p->line) + 2;
	if (p->trailer_bytes > p->lim.max_head)
		return fail(p, err, "trailer section is larger than %zu bytes", p->lim.max_head);
	for (const char *q = p->line; *q; q++)
		if (!is_field_byte((unsigned char)*q))
			return fail(p, err, "control byte in trailer section");
	return 0;
}

int noa_http_parser_feed(struct noa_http_parser *p, const char *data, size_t len, size_t *used,
			 struct noa_http_error *err)
{
	size_t i = 0;
	int rc = 0;
	*used = 0;
	if (p->state == S_FAILED)
		return fail(p, err, "parser already failed");
	while (i < len && p->state != S_DONE) {
		char *line = NULL;
		switch (p->state) {
		case S_STATUS:
		case S_HEADERS:
			rc = head_byte(p, data[i++], &line, err);
			if (rc <= 0)
				break;
			if (p->state == S_STATUS) {
				rc = status_line(p, line, err);
				p->state = S_HEADERS;
			} else if (line[0] == '\0') {
				rc = end_of_headers(p, err);
			} else {
				rc = header_line(p, line, err);
			}
			break;
		case S_BODY_LEN:
		case S_BODY_EOF:
		case S_CHUNK_DATA: {
			long long n = body_bytes(p, data + i, len - i, err);
			if (n < 0) {
				rc = (int)n;
				break;
			}
			i += (size_t)n;
			rc = 0;
			break;
		}
		default:
			rc = chunk_byte(p, data[i++], err);
			break;
		}
		if (rc < 0) {
			p->state = S_FAILED;
			*used = i;
			return rc;
		}
	}
	*used = i;
	return p->state == S_DONE ? 1 : 0;
}

int noa_http_parser_eof(struct noa_http_parser *p, struct noa_http_error *err)
{
	switch (p->state) {
	case S_DONE:
		return 1;
	case S_BODY_EOF:
		p->state = S_DONE;
		return 1;
	case S_STATUS:
		if (p->head_len == 0)
			return fail(p, err, "connection closed before any response");
		return fail(p, err, "connection closed inside the status line");
	case S_HEADERS:
		return fail(p, err, "connection closed inside the header section");
	case S_BODY_LEN:
		return fail(p, err, "connection closed after %zu of %zu body bytes", p->body_len,
			    p->body_len + p->remaining);
	case S_FAILED:
		return fail(p, err, "parser already failed");
	default:
		return fail(p, err, "connection closed inside the chunked body");
	}
}

int noa_http_status(const struct noa_http_parser *p)
{
	return p->status;
}

const char *noa_http_header_get(const struct noa_http_parser *p, const char *name)
{
	for (int i = 0; i < p->nheaders; i++)
		if (name_eq(p->headers[i].name, name))
			return p->headers[i].value;
	return NULL;
}

const char *noa_http_body(const struct noa_http_parser *p, size_t *len)
{
	*len = p->body_len;
	return p->body ? p->body : "";
}

char *noa_http_parser_take_body(struct noa_http_parser *p, size_t *len)
{
	char *b = p->body;
	*len = p->body_len;
	p->body = NULL;
	p->body_len = p->body_cap = 0;
	return b;
}

/* Appends the formatted text to buf at *len, failing when it does not fit. */
__attribute__((format(printf, 5, 6))) static int emit(char *buf, size_t size, size_t *len,
						      struct noa_http_error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *len)
		return fail(NULL, err, "request head is longer than %zu bytes", size - 1);
	*len += (size_t)n;
	return 0;
}

/* Checks that s is a non-empty field without control bytes (token when token is set). */
static int check_field(const char *what, const char *s, int token, struct noa_http_error *err)
{
	if (s == NULL || (token && !*s))
		return fail(NULL, err, "empty %s in request", what);
	for (const unsigned char *q = (const unsigned char *)s; *q; q++)
		if (token ? !is_tchar(*q) : (!is_field_byte(*q) || *q == '\t'))
			return fail(NULL, err, "invalid byte 0x%02x in %s of request", *q, what);
	return 0;
}

int noa_http_request_head(char *buf, size_t size, size_t *len, const char *method, const char *host,
			  const char *path, const struct noa_http_header *headers, int nheaders,
			  size_t body_len, struct noa_http_error *err)
{
	int rc;
	*len = 0;
	if (size == 0)
		return fail(NULL, err, "request head is longer than 0 bytes");
	buf[0] = '\0';
	if ((rc = check_field("method", method, 1, err)) != 0 ||
	    (rc = check_field("host", host, 0, err)) != 0 || (rc = check_field("path", path, 0, err)) != 0)
		return rc;
	if (path[0] != '/' || strchr(path, ' '))
		return fail(NULL, err, "request path must start with '/' and hold no spaces");
	if ((rc = emit(buf, size, len, err, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, path, host)) != 0)
		return rc;
	for (int i = 0; i < nheaders; i++) {
		if ((rc = check_field("header name", headers[i].name, 1, err)) != 0 ||
		    (rc = check_field("header value", headers[i].value, 0, err)) != 0)
			return rc;
		if ((rc = emit(buf, size, len, err, "%s: %s\r\n", headers[i].name, headers[i].value)) != 0)
			return rc;
	}
	if (strcmp(method, "GET") != 0 &&
	    (rc = emit(buf, size, len, err, "Content-Length: %zu\r\n", body_len)) != 0)
		return rc;
	return emit(buf, size, len, err, "Connection: close\r\n\r\n");
}
