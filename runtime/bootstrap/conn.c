/* The Runtime API connection of conn.h: plain IPv4 TCP sockets, one connection per exchange
 * ("Connection: close"), writes that survive short counts and EINTR, and reads fed to the HTTP parser
 * until it says the response is complete. */
#include "conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

int conn_addr_parse(struct conn_addr *a, const char *api, char *why, size_t size)
{
	char host[64];
	const char *colon = api ? strrchr(api, ':') : NULL;
	long port = 0;
	memset(a, 0, sizeof *a);
	if (api == NULL || api[0] == '\0') {
		snprintf(why, size, "AWS_LAMBDA_RUNTIME_API is not set");
		return -1;
	}
	if (colon == NULL || colon == api || (size_t)(colon - api) >= sizeof host || colon[1] == '\0' ||
	    strlen(api) >= sizeof a->hostport) {
		snprintf(why, size, "AWS_LAMBDA_RUNTIME_API '%.100s' is not host:port", api);
		return -1;
	}
	memcpy(host, api, (size_t)(colon - api));
	host[colon - api] = '\0';
	for (const char *p = colon + 1; *p; p++) {
		if (*p < '0' || *p > '9' || port > 65535) {
			port = 0;
			break;
		}
		port = port * 10 + (*p - '0');
	}
	if (port < 1 || port > 65535) {
		snprintf(why, size, "AWS_LAMBDA_RUNTIME_API '%.100s': bad port", api);
		return -1;
	}
	a->sin.sin_family = AF_INET;
	a->sin.sin_port = htons((uint16_t)port);
	if (strcmp(host, "localhost") == 0)
		a->sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else if (inet_pton(AF_INET, host, &a->sin.sin_addr) != 1) {
		snprintf(why, size,
			 "AWS_LAMBDA_RUNTIME_API '%.100s': host must be a dotted IPv4 address or localhost",
			 api);
		return -1;
	}
	snprintf(a->hostport, sizeof a->hostport, "%s", api);
	return 0;
}

static int gone_errno(int e)
{
	return e == ECONNREFUSED || e == ECONNRESET || e == EPIPE || e == ECONNABORTED || e == ENETUNREACH ||
	       e == EHOSTUNREACH;
}

/* Writes all n bytes. Returns 0 or the errno. */
static int send_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

static void set_timeouts(int fd, int timeout_s)
{
	struct timeval tv = {timeout_s, 0};
	if (timeout_s <= 0)
		return;
	/* Best effort: without them the exchange only waits longer. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

int conn_exchange(struct noa_http_parser *p, const struct conn_addr *a, const char *method, const char *path,
		  const struct noa_http_header *headers, int nheaders, const char *body, size_t body_len,
		  int timeout_s, char *why, size_t size)
{
	char head[4096];
	char buf[65536];
	size_t head_len;
	struct noa_http_error herr;
	int fd = -1, rc, e;
	if (noa_http_request_head(head, sizeof head, &head_len, method, a->hostport, path, headers, nheaders,
				  body_len, &herr) != 0) {
		snprintf(why, size, "%s %s: %s", method, path, herr.msg);
		return CONN_EFAIL;
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		snprintf(why, size, "socket: %s", strerror(errno));
		return CONN_EFAIL;
	}
	set_timeouts(fd, timeout_s);
	if (connect(fd, (const struct sockaddr *)&a->sin, sizeof a->sin) != 0) {
		e = errno;
		snprintf(why, size, "connect to %s: %s", a->hostport, strerror(e));
		rc = gone_errno(e) ? CONN_EGONE : CONN_EFAIL;
		goto out;
	}
	if ((e = send_all(fd, head, head_len)) != 0 ||
	    (body_len && (e = send_all(fd, body, body_len)) != 0)) {
		snprintf(why, size, "%s %s: send: %s", method, path, strerror(e));
		rc = gone_errno(e) ? CONN_EGONE : CONN_EFAIL;
		goto out;
	}
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		size_t used;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			snprintf(why, size, "%s %s: receive: %s", method, path,
				 e == EAGAIN || e == EWOULDBLOCK ? "timed out" : strerror(e));
			rc = gone_errno(e) ? CONN_EGONE : CONN_EFAIL;
			goto out;
		}
		if (n == 0) {
			/* Nothing at all back means the API went away; a cut response is malformed. */
			int nothing = noa_http_status(p) == 0 && p->head_len == 0;
			if (noa_http_parser_eof(p, &herr) == 1) {
				rc = 0;
				goto out;
			}
			snprintf(why, size, "%s %s: %s", method, path, herr.msg);
			rc = nothing ? CONN_EGONE : CONN_EFAIL;
			goto out;
		}
		rc = noa_http_parser_feed(p, buf, (size_t)n, &used, &herr);
		if (rc < 0) {
			snprintf(why, size, "%s %s: bad response: %s", method, path, herr.msg);
			rc = CONN_EFAIL;
			goto out;
		}
		if (rc == 1) {
			rc = 0;
			goto out;
		}
	}
out:
	close(fd);
	return rc;
}
