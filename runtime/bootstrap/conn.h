/* bootstrap's connection to the Lambda Runtime API: the address from AWS_LAMBDA_RUNTIME_API and one HTTP
 * exchange per connection (request out, response through noa/http.h's parser). The only module of the
 * program that touches sockets. */
#ifndef NOA_BOOTSTRAP_CONN_H
#define NOA_BOOTSTRAP_CONN_H

#include <netinet/in.h>
#include <stddef.h>

#include "noa/http.h"

/* The API is gone: the connection was refused, reset or closed before a response. */
#define CONN_EGONE (-10)
/* Any other failure: a malformed response, a socket error, a timeout. */
#define CONN_EFAIL (-11)

struct conn_addr {
	struct sockaddr_in sin;
	/* "host:port" as given, for the Host header and messages. */
	char hostport[128];
};

/* Parses "host:port" (host a dotted IPv4 address or "localhost", port 1-65535). Returns 0, or -1 with
 * why (size bytes) filled. */
int conn_addr_parse(struct conn_addr *a, const char *api, char *why, size_t size);

/* Sends one request (body may be NULL when body_len is 0) and parses the response into p, which the
 * caller initialised and frees. timeout_s bounds each send and receive; 0 waits for ever (the next
 * invocation). Returns 0, CONN_EGONE or CONN_EFAIL with why filled. */
int conn_exchange(struct noa_http_parser *p, const struct conn_addr *a, const char *method, const char *path,
		  const struct noa_http_header *headers, int nheaders, const char *body, size_t body_len,
		  int timeout_s, char *why, size_t size);

#endif
