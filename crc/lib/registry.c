/* The OCI distribution client (crc/registry.h): the only user of libcurl. One CURL easy handle per
 * registry, reset before each request (so that connections are reused and no option leaks from one request
 * into the next); every request goes through request(), which answers a 401 once by authenticating as the
 * WWW-Authenticate challenge asks (Basic with the caller's credentials, or a Bearer token fetched from the
 * challenge's realm and cached per scope) and retries. Bodies are capped, downloads hashed as they are
 * written. */
#include "crc/registry.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "crc/base64.h"
#include "crc/digest.h"
#include "crc/json.h"
#include "crc/os.h"

/* ---- references ---- */

static int is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int is_tag_char(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '_' || c == '.' || c == '-';
}

static int is_hex_lower(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[n] == '\0';
}

/* A host: a DNS name or IPv4 address ([A-Za-z0-9.-], labels not starting or ending in '-'), or a bracketed
 * IPv6 address, then an optional :port of 1 to 65535. */
static int check_host(const char *h, size_t n, struct crc_error *err)
{
	size_t i = 0, end = n;
	const char *colon = NULL;
	if (n == 0)
		return crc_err(err, CRC_EINVALID,
			       "reference has no registry host (expected host[:port]/repo:tag)");
	if (h[0] == '[') {
		const char *close = memchr(h, ']', n);
		if (!close || close == h + 1)
			return crc_err(err, CRC_EINVALID, "bad IPv6 address in registry host '%.*s'", (int)n,
				       h);
		for (const char *p = h + 1; p < close; p++)
			if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
			      (*p >= 'A' && *p <= 'F') || *p == ':' || *p == '.'))
				return crc_err(err, CRC_EINVALID, "bad IPv6 address in registry host '%.*s'",
					       (int)n, h);
		i = (size_t)(close - h) + 1;
		if (i < n && h[i] != ':')
			return crc_err(err, CRC_EINVALID, "bad registry host '%.*s'", (int)n, h);
		if (i < n)
			colon = h + i;
	} else {
		colon = memchr(h, ':', n);
		end = colon ? (size_t)(colon - h) : n;
		if (end == 0)
			return crc_err(err, CRC_EINVALID, "bad registry host '%.*s': empty name", (int)n, h);
		for (size_t k = 0; k < end; k++) {
			char c = h[k];
			int ok = is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '.' || c == '-';
			if (!ok)
				return crc_err(err, CRC_EINVALID, "bad registry host '%.*s': character '%c'",
					       (int)n, h, c >= 0x20 && c < 0x7f ? c : '?');
			if (c == '-' && (k == 0 || h[k - 1] == '.' || k + 1 == end || h[k + 1] == '.'))
				return crc_err(err, CRC_EINVALID, "bad registry host '%.*s'", (int)n, h);
			if (c == '.' && (k == 0 || h[k - 1] == '.' || k + 1 == end))
				return crc_err(err, CRC_EINVALID, "bad registry host '%.*s'", (int)n, h);
		}
	}
	if (colon) {
		const char *p = colon + 1, *e = h + n;
		long port = 0;
		if (p == e || e - p > 5)
			return crc_err(err, CRC_EINVALID, "bad port in registry host '%.*s'", (int)n, h);
		for (; p < e; p++) {
			if (*p < '0' || *p > '9')
				return crc_err(err, CRC_EINVALID, "bad port in registry host '%.*s'", (int)n,
					       h);
			port = port * 10 + (*p - '0');
		}
		if (port < 1 || port > 65535 || colon[1] == '0')
			return crc_err(err, CRC_EINVALID, "bad port in registry host '%.*s'", (int)n, h);
	}
	return 0;
}

/* Repository path components: [a-z0-9]+ joined by '.', '_', '__' or runs of '-'. */
static int check_repo(const char *r, size_t n, struct crc_error *err)
{
	size_t i = 0;
	if (n == 0)
		return crc_err(err, CRC_EINVALID,
			       "reference has no repository (expected host[:port]/repo:tag)");
	if (n >= CRC_REGISTRY_REPO_MAX)
		return crc_err(err, CRC_EINVALID, "repository name longer than %d characters",
			       CRC_REGISTRY_REPO_MAX - 1);
	while (i < n) {
		size_t start = i;
		while (i < n && r[i] != '/') {
			if (!is_lower_alnum(r[i])) {
				size_t s = i;
				while (i < n && (r[i] == '.' || r[i] == '_' || r[i] == '-'))
					i++;
				size_t len = i - s;
				int ok = len > 0 && s > start && i < n && is_lower_alnum(r[i]) &&
					 (len == 1 || (len == 2 && r[s] == '_' && r[s + 1] == '_') ||
					  strspn(r + s, "-") >= len);
				if (!ok)
					return crc_err(err, CRC_EINVALID,
						       "bad repository '%.*s': components are lower-case "
						       "letters and "
						       "digits joined by '.', '_', '__' or '-'",
						       (int)n, r);
				continue;
			}
			i++;
		}
		if (i == start)
			return crc_err(err, CRC_EINVALID, "bad repository '%.*s': empty path component",
				       (int)n, r);
		if (i < n)
			i++;
		if (i == n && r[n - 1] == '/')
			return crc_err(err, CRC_EINVALID, "bad repository '%.*s': empty path component",
				       (int)n, r);
	}
	return 0;
}

int crc_registry_ref_parse(struct crc_registry_ref *out, const char *text, struct crc_error *err)
{
	memset(out, 0, sizeof *out);
	size_t n = strlen(text);
	if (n == 0)
		return crc_err(err, CRC_EINVALID, "empty reference (expected host[:port]/repo:tag)");
	if (n > 1024)
		return crc_err(err, CRC_EINVALID, "reference longer than 1024 characters");
	const char *slash = strchr(text, '/');
	if (!slash)
		return crc_err(err, CRC_EINVALID,
			       "reference '%s' has no registry host (expected host[:port]/repo:tag)", text);
	size_t hn = (size_t)(slash - text);
	/* As Docker reads references: a first component is a host only with a '.' or ':' in it, or as
	 * localhost; crc has no default registry, so one is required. */
	if (!memchr(text, '.', hn) && !memchr(text, ':', hn) &&
	    !(hn == 9 && strncmp(text, "localhost", 9) == 0))
		return crc_err(
			err, CRC_EINVALID,
			"reference '%s' has no registry host (expected host[:port]/repo:tag; a host has a "
			"'.' or a ':port', or is localhost)",
			text);
	int rc = check_host(text, hn, err);
	if (rc)
		return rc;
	if (hn >= CRC_REGISTRY_HOST_MAX)
		return crc_err(err, CRC_EINVALID, "registry host longer than %d characters",
			       CRC_REGISTRY_HOST_MAX - 1);
	const char *rest = slash + 1, *at = strchr(rest, '@');
	const char *end = at ? at : rest + strlen(rest);
	/* The tag follows the last ':' of the repository part (a ':' cannot appear in a repository). */
	const char *colon = memchr(rest, ':', (size_t)(end - rest));
	const char *repo_end = colon ? colon : end;
	if ((rc = check_repo(rest, (size_t)(repo_end - rest), err)) != 0)
		return rc;
	memcpy(out->host, text, hn);
	memcpy(out->repo, rest, (size_t)(repo_end - rest));
	if (colon) {
		size_t tn = (size_t)(end - colon - 1);
		if (tn == 0)
			return crc_err(err, CRC_EINVALID, "reference '%s' has an empty tag", text);
		if (tn > CRC_REGISTRY_TAG_MAX)
			return crc_err(err, CRC_EINVALID, "tag longer than %d characters",
				       CRC_REGISTRY_TAG_MAX);
		for (size_t i = 0; i < tn; i++)
			if (!is_tag_char(colon[1 + i]))
				return crc_err(err, CRC_EINVALID,
					       "bad tag '%.*s': letters, digits, '_', '.' and '-' only",
					       (int)tn, colon + 1);
		if (colon[1] == '.' || colon[1] == '-')
			return crc_err(err, CRC_EINVALID, "bad tag '%.*s': must not start with '.' or '-'",
				       (int)tn, colon + 1);
		memcpy(out->tag, colon + 1, tn);
	}
	if (at) {
		if (strncmp(at + 1, "sha256:", 7) != 0 || strlen(at + 8) != 64 || !is_hex_lower(at + 8, 64))
			return crc_err(err, CRC_EINVALID,
				       "bad digest in reference '%s' (expected @sha256: and 64 lower-case "
				       "hex digits)",
				       text);
		memcpy(out->digest, at + 1, 71);
	}
	return 0;
}

int crc_registry_host_is_loopback(const char *host)
{
	size_t n = strcspn(host, host[0] == '[' ? "]" : ":");
	if (host[0] == '[')
		return strncmp(host, "[::1]", 5) == 0 && (host[5] == '\0' || host[5] == ':');
	return (n == 9 && strncmp(host, "127.0.0.1", 9) == 0) ||
	       (n == 9 && strncasecmp(host, "localhost", 9) == 0);
}

/* ---- WWW-Authenticate ---- */

static int is_token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

int crc_registry_challenge_parse(struct crc_registry_challenge *out, const char *value, struct crc_error *err)
{
	memset(out, 0, sizeof *out);
	if (strnlen(value, CRC_REGISTRY_CHALLENGE_MAX + 1) > CRC_REGISTRY_CHALLENGE_MAX)
		return crc_err(err, CRC_EINVALID, "authentication challenge longer than %zu bytes",
			       CRC_REGISTRY_CHALLENGE_MAX);
	const char *p = value;
	while (*p == ' ' || *p == '\t')
		p++;
	size_t sn = 0;
	while (is_token_char(p[sn]))
		sn++;
	if (sn == 5 && strncasecmp(p, "basic", 5) == 0)
		out->scheme = CRC_REGISTRY_BASIC;
	else if (sn == 6 && strncasecmp(p, "bearer", 6) == 0)
		out->scheme = CRC_REGISTRY_BEARER;
	else
		return crc_err(err, CRC_EINVALID,
			       "unsupported authentication scheme '%.*s' (crc speaks Basic and Bearer)",
			       (int)(sn > 32 ? 32 : sn), p);
	p += sn;
	for (int count = 0;; count++) {
		while (*p == ' ' || *p == '\t' || (count > 0 && *p == ','))
			p++;
		if (*p == '\0')
			break;
		if (count >= 16)
			return crc_err(err, CRC_EINVALID,
				       "authentication challenge has more than 16 parameters");
		size_t kn = 0;
		while (is_token_char(p[kn]))
			kn++;
		if (kn == 0 || p[kn] != '=')
			return crc_err(err, CRC_EINVALID,
				       "malformed authentication challenge parameter at '%.20s'", p);
		const char *key = p;
		p += kn + 1;
		char val[1024];
		size_t vn = 0;
		if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1])
					p++;
				if (vn + 1 >= sizeof val)
					return crc_err(err, CRC_EINVALID,
						       "authentication challenge parameter too long");
				val[vn++] = *p++;
			}
			if (*p != '"')
				return crc_err(err, CRC_EINVALID,
					       "unterminated quoted string in authentication challenge");
			p++;
		} else {
			while (is_token_char(*p) || *p == '/' || *p == ':') {
				if (vn + 1 >= sizeof val)
					return crc_err(err, CRC_EINVALID,
						       "authentication challenge parameter too long");
				val[vn++] = *p++;
			}
		}
		val[vn] = '\0';
		if (*p && *p != ',' && *p != ' ' && *p != '\t')
			return crc_err(err, CRC_EINVALID,
				       "malformed authentication challenge parameter at '%.20s'", p);
		char *dst = NULL;
		size_t dn = 0;
		if (kn == 5 && strncasecmp(key, "realm", 5) == 0)
			dst = out->realm, dn = sizeof out->realm;
		else if (kn == 7 && strncasecmp(key, "service", 7) == 0)
			dst = out->service, dn = sizeof out->service;
		else if (kn == 5 && strncasecmp(key, "scope", 5) == 0)
			dst = out->scope, dn = sizeof out->scope;
		if (dst) {
			if (vn >= dn)
				return crc_err(err, CRC_EINVALID,
					       "authentication challenge parameter '%.*s' too long", (int)kn,
					       key);
			memcpy(dst, val, vn + 1);
		}
	}
	if (out->scheme == CRC_REGISTRY_BEARER) {
		if (!out->realm[0])
			return crc_err(err, CRC_EINVALID, "Bearer authentication challenge without a realm");
		if (strncmp(out->realm, "https://", 8) != 0 && strncmp(out->realm, "http://", 7) != 0)
			return crc_err(err, CRC_EINVALID, "Bearer realm is not an http(s) URL");
	}
	return 0;
}

/* ---- error bodies ---- */

const char *crc_registry_error_text(char *out, size_t size, const char *body, size_t len)
{
	char code[128], msg[512], line[512];
	out[0] = '\0';
	struct crc_json *j = len && len <= CRC_REGISTRY_BODY_MAX ? crc_json_parse(body, len) : NULL;
	const struct crc_json *errs = crc_json_get(j, "errors");
	const struct crc_json *e0 = crc_json_item(errs, 0);
	if (e0) {
		const char *c = crc_json_string(crc_json_get(e0, "code"));
		const char *m = crc_json_string(crc_json_get(e0, "message"));
		crc_shown(code, sizeof code, c ? c : "UNKNOWN");
		crc_shown(msg, sizeof msg, m ? m : "");
		snprintf(out, size, "%s%s%s%s", code, msg[0] ? ": " : "", msg,
			 crc_json_count(errs) > 1 ? ", ..." : "");
	} else if (len) {
		size_t n = 0;
		while (n < len && n < sizeof line - 1 && body[n] != '\n' && body[n] != '\r')
			n++;
		memcpy(line, body, n);
		line[n] = '\0';
		crc_shown(out, size, line);
	}
	crc_json_free(j);
	return out;
}

/* ---- credentials files ---- */

/* Standard padded base64 into out (size bytes, NUL-terminated); -1 when malformed, too long or holding a NUL
 * byte. */
static int b64_decode(char *out, size_t size, const char *in)
{
	size_t len;
	if (size == 0 || crc_base64_decode((unsigned char *)out, size - 1, &len, in, strlen(in)) != 0)
		return -1;
	out[len] = '\0';
	return memchr(out, '\0', len) ? -1 : 0;
}

static int copy_cred(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);
	if (n >= size)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

int crc_registry_auth_parse(struct crc_registry_creds *out, int *found, const char *path, const char *text,
			    size_t len, const char *host, struct crc_error *err)
{
	int rc = 0;
	char decoded[1024];
	memset(out, 0, sizeof *out);
	*found = 0;
	if (len > CRC_REGISTRY_AUTH_FILE_MAX)
		return crc_err_at(err, CRC_EINVALID, path, 0, 0, "larger than %zu bytes",
				  CRC_REGISTRY_AUTH_FILE_MAX);
	struct crc_json *j = crc_json_parse(text, len);
	if (!j)
		return crc_err_at(err, CRC_EINVALID, path, 0, 0, "not valid JSON");
	const struct crc_json *auths = crc_json_get(j, "auths");
	if (!auths) {
		rc = crc_err_at(
			err, CRC_EINVALID, path, 0, 0,
			"no \"auths\" object (expected {\"auths\": {\"HOST\": {\"auth\": \"BASE64\"}}})");
		goto out;
	}
	const struct crc_json *e = crc_json_get(auths, host);
	if (!e)
		goto out;
	const char *auth = crc_json_string(crc_json_get(e, "auth"));
	const char *user = crc_json_string(crc_json_get(e, "username"));
	const char *pass = crc_json_string(crc_json_get(e, "password"));
	if (auth) {
		char *colon;
		if (b64_decode(decoded, sizeof decoded, auth) || !(colon = strchr(decoded, ':'))) {
			rc = crc_err_at(err, CRC_EINVALID, path, 0, 0,
					"auths.%s.auth is not base64 of \"user:password\"", host);
			goto out;
		}
		*colon = '\0';
		if (!decoded[0] || copy_cred(out->username, sizeof out->username, decoded) ||
		    copy_cred(out->password, sizeof out->password, colon + 1)) {
			rc = crc_err_at(err, CRC_EINVALID, path, 0, 0,
					"auths.%s.auth: empty or too long user name or password", host);
			goto out;
		}
	} else if (user && pass) {
		if (!user[0] || copy_cred(out->username, sizeof out->username, user) ||
		    copy_cred(out->password, sizeof out->password, pass)) {
			rc = crc_err_at(err, CRC_EINVALID, path, 0, 0,
					"auths.%s: empty or too long user name or password", host);
			goto out;
		}
	} else {
		rc = crc_err_at(err, CRC_EINVALID, path, 0, 0,
				"auths.%s has neither \"auth\" nor \"username\" and \"password\"", host);
		goto out;
	}
	*found = 1;
out:
	if (rc)
		crc_registry_creds_wipe(out);
	memset(decoded, 0, sizeof decoded);
	crc_json_free(j);
	return rc;
}

void crc_registry_creds_wipe(struct crc_registry_creds *c)
{
	volatile char *p = (volatile char *)c;
	for (size_t i = 0; i < sizeof *c; i++)
		p[i] = 0;
}

/* ---- HTTP ---- */

#define MAX_TOKENS 8

struct token {
	char scope[512];
	char *value;
};

struct crc_registry {
	CURL *curl;
	char host[CRC_REGISTRY_HOST_MAX];
	/* "http://host" or "https://host". */
	char base[CRC_REGISTRY_HOST_MAX + 16];
	int have_creds;
	struct crc_registry_creds creds;
	unsigned long long chunk_threshold, chunk_size;
	long stall_seconds;
	/* The registry asked for Basic: send the credentials with every request. */
	int basic;
	/* Bearer tokens by scope. */
	struct token tokens[MAX_TOKENS];
	struct crc_registry_stats stats;
};

/* One request and what came back. */
struct req {
	const char *method;
	/* A path below base, or an absolute URL (an upload's Location). */
	const char *url;
	const char *accept, *content_type, *content_range;
	/* The body: bytes in memory, or len bytes of fd from off. */
	const char *body;
	int body_fd;
	unsigned long long body_off, body_len, body_pos;
	/* The response body: into resp (at most resp_max bytes), or into out_fd, hashed, at most out_max. */
	struct crc_buf *resp;
	size_t resp_max;
	int out_fd;
	struct crc_sha256 *hash;
	unsigned long long out_len, out_max;
	int too_big, write_failed, write_errno;
	/* The status of the response being received (its body goes to errbody unless it is 2xx). */
	long cur_status;
	/* Follow redirects (blob downloads). */
	int follow;
	/* The token scope this request needs. */
	const char *scope;
	long status;
	char location[2048], content_type_got[256], www_auth[2048];
	/* Error body, when resp is not given. */
	struct crc_buf errbody;
};

static size_t on_write(char *p, size_t size, size_t n, void *ctx)
{
	struct req *q = ctx;
	size_t len = size * n;
	if (q->out_fd >= 0 && q->cur_status >= 200 && q->cur_status < 300) {
		if (q->out_len + len > q->out_max) {
			q->too_big = 1;
			return 0;
		}
		if (q->hash && crc_sha256_update(q->hash, p, len))
			return 0;
		if (crc_os_write_all(q->out_fd, p, len, "the download", NULL) != 0) {
			q->write_failed = 1;
			q->write_errno = errno;
			return 0;
		}
		q->out_len += len;
		return len;
	}
	int to_resp = q->resp && q->out_fd < 0;
	struct crc_buf *b = to_resp ? q->resp : &q->errbody;
	size_t max = to_resp ? q->resp_max : CRC_REGISTRY_BODY_MAX;
	if (b->len + len > max) {
		/* An error body is only shown: keep its start. */
		if (!to_resp)
			return len;
		q->too_big = 1;
		return 0;
	}
	crc_buf_add(b, p, len);
	return crc_buf_error(b) ? 0 : len;
}

/* Copies a header's value (trimmed) when line is "name: value". */
static void header_value(char *dst, size_t size, const char *line, size_t n, const char *name)
{
	size_t k = strlen(name);
	if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return;
	const char *v = line + k + 1, *e = line + n;
	while (v < e && (*v == ' ' || *v == '\t'))
		v++;
	while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' '))
		e--;
	size_t vn = (size_t)(e - v);
	if (vn >= size)
		vn = size - 1;
	memcpy(dst, v, vn);
	dst[vn] = '\0';
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct req *q = ctx;
	size_t len = size * n;
	/* A new response (after a redirect or a 100 Continue) starts over. */
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		const char *sp = memchr(p, ' ', len);
		q->cur_status = sp && (size_t)(sp - p) + 4 <= len ? strtol(sp + 1, NULL, 10) : 0;
		q->location[0] = q->content_type_got[0] = q->www_auth[0] = '\0';
		return len;
	}
	header_value(q->location, sizeof q->location, p, len, "location");
	header_value(q->content_type_got, sizeof q->content_type_got, p, len, "content-type");
	header_value(q->www_auth, sizeof q->www_auth, p, len, "www-authenticate");
	return len;
}

static size_t on_read(char *p, size_t size, size_t n, void *ctx)
{
	struct req *q = ctx;
	size_t want = size * n;
	unsigned long long left = q->body_len - q->body_pos;
	if (want > left)
		want = (size_t)left;
	if (want == 0)
		return 0;
	if (q->body) {
		memcpy(p, q->body + q->body_pos, want);
	} else {
		ssize_t r;
		do
			r = pread(q->body_fd, p, want, (off_t)(q->body_off + q->body_pos));
		while (r < 0 && errno == EINTR);
		if (r <= 0)
			return CURL_READFUNC_ABORT;
		want = (size_t)r;
	}
	q->body_pos += want;
	return want;
}

static const char *token_for(const struct crc_registry *r, const char *scope)
{
	for (int i = 0; i < MAX_TOKENS; i++)
		if (r->tokens[i].value && strcmp(r->tokens[i].scope, scope) == 0)
			return r->tokens[i].value;
	return NULL;
}

static int fail_http(struct crc_registry *r, struct req *q, struct crc_error *err)
{
	char detail[700];
	const struct crc_buf *b = q->resp ? q->resp : &q->errbody;
	crc_registry_error_text(detail, sizeof detail, b->data ? b->data : "", b->len);
	int code = q->status == 404 ? CRC_ENOTFOUND : CRC_EIO;
	if (q->status == 401 || q->status == 403)
		return crc_err(
			err, CRC_EIO, "registry %s: %s %s: %ld %s%s%s", r->host, q->method, q->url, q->status,
			q->status == 401
				? "authentication failed (check the credentials: CRC_REGISTRY_USERNAME and "
				  "CRC_REGISTRY_PASSWORD, or the credentials file; docs/cli.md)"
				: "access denied",
			detail[0] ? ": " : "", detail);
	return crc_err(err, code, "registry %s: %s %s: HTTP %ld%s%s", r->host, q->method, q->url, q->status,
		       detail[0] ? ": " : "", detail);
}

/* Performs q once. Returns 0 when an HTTP status came back (in q->status), else an error. */
static int perform(struct crc_registry *r, struct req *q, const char *bearer, struct crc_error *err)
{
	char url[4096], errbuf[CURL_ERROR_SIZE], hdr[4][1200];
	struct curl_slist *headers = NULL;
	int n, rc = 0, nh = 0;
	CURL *c = r->curl;
	if (strncmp(q->url, "http://", 7) == 0 || strncmp(q->url, "https://", 8) == 0)
		n = snprintf(url, sizeof url, "%s", q->url);
	else
		n = snprintf(url, sizeof url, "%s%s", r->base, q->url);
	if (n < 0 || (size_t)n >= sizeof url)
		return crc_err(err, CRC_EINVALID, "registry %s: URL too long", r->host);
	curl_easy_reset(c);
	errbuf[0] = '\0';
	q->status = 0;
	q->body_pos = 0;
	q->too_big = q->write_failed = 0;
	if (q->resp)
		q->resp->len = 0;
	q->errbody.len = 0;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, r->stall_seconds);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "crc");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, q);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, q);
	if (q->follow) {
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	}
	if (strcmp(q->method, "HEAD") == 0) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (strcmp(q->method, "GET") != 0) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, q);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)q->body_len);
		/* 1 MiB reads and sends rather than curl's 64 KiB: a large blob goes up in fewer system
		 * calls. */
		curl_easy_setopt(c, CURLOPT_UPLOAD_BUFFERSIZE, 1L << 20);
		headers = curl_slist_append(headers, "Expect:");
	}
	if (q->accept && (n = snprintf(hdr[nh], sizeof hdr[nh], "Accept: %s", q->accept)) > 0 &&
	    (size_t)n < sizeof hdr[nh])
		headers = curl_slist_append(headers, hdr[nh++]);
	if (q->content_type &&
	    (n = snprintf(hdr[nh], sizeof hdr[nh], "Content-Type: %s", q->content_type)) > 0 &&
	    (size_t)n < sizeof hdr[nh])
		headers = curl_slist_append(headers, hdr[nh++]);
	if (q->content_range &&
	    (n = snprintf(hdr[nh], sizeof hdr[nh], "Content-Range: %s", q->content_range)) > 0 &&
	    (size_t)n < sizeof hdr[nh])
		headers = curl_slist_append(headers, hdr[nh++]);
	if (bearer) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
		curl_easy_setopt(c, CURLOPT_XOAUTH2_BEARER, bearer);
	} else if (r->basic && r->have_creds) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, r->creds.username);
		curl_easy_setopt(c, CURLOPT_PASSWORD, r->creds.password);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	CURLcode cc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	q->status = status;
	if (q->write_failed)
		rc = crc_err(err, CRC_EIO, "writing what registry %s sent: %s", r->host,
			     strerror(q->write_errno));
	else if (q->too_big)
		rc = crc_err(
			err, q->out_fd >= 0 ? CRC_EVERIFY : CRC_EINVALID,
			"registry %s: %s %s: response larger than %llu bytes", r->host, q->method, q->url,
			q->out_fd >= 0 ? q->out_max
				       : (unsigned long long)(q->resp ? q->resp_max : CRC_REGISTRY_BODY_MAX));
	else if (cc != CURLE_OK)
		rc = crc_err(err, CRC_EIO, "registry %s: %s %s: %s%s%s%s", r->host, q->method, q->url,
			     curl_easy_strerror(cc), errbuf[0] ? " (" : "", errbuf, errbuf[0] ? ")" : "");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(headers);
	return rc;
}

/* Fetches a Bearer token for scope from the challenge's realm (with the credentials when there are) and
 * caches it under key (the scope the request asked for, so that the next request like it sends it at
 * once). */
static int fetch_token(struct crc_registry *r, const struct crc_registry_challenge *ch, const char *scope,
		       const char *key, struct crc_error *err)
{
	struct crc_buf url, body;
	struct req q;
	int rc;
	char *es = NULL, *esc = NULL;
	crc_buf_init(&url);
	crc_buf_init(&body);
	memset(&q, 0, sizeof q);
	crc_buf_puts(&url, ch->realm);
	char sep = strchr(ch->realm, '?') ? '&' : '?';
	if (ch->service[0] && (es = curl_easy_escape(r->curl, ch->service, 0)) != NULL) {
		crc_buf_printf(&url, "%cservice=%s", sep, es);
		sep = '&';
	}
	if (scope[0] && (esc = curl_easy_escape(r->curl, scope, 0)) != NULL)
		crc_buf_printf(&url, "%cscope=%s", sep, esc);
	curl_free(es);
	curl_free(esc);
	if (crc_buf_error(&url)) {
		rc = crc_err(err, CRC_ENOMEM, "out of memory");
		goto out;
	}
	q.method = "GET";
	q.url = crc_buf_str(&url);
	q.resp = &body;
	q.resp_max = CRC_REGISTRY_BODY_MAX;
	q.out_fd = -1;
	int saved = r->basic;
	r->basic = 1;
	rc = perform(r, &q, NULL, err);
	r->basic = saved;
	if (rc)
		goto out;
	if (q.status != 200) {
		q.url = ch->realm;
		rc = fail_http(r, &q, err);
		if (q.status == 401)
			rc = crc_err(err, CRC_EIO, "registry %s: token endpoint %s refused %s (HTTP 401)",
				     r->host, ch->realm,
				     r->have_creds ? "the credentials"
						   : "an anonymous request (set CRC_REGISTRY_USERNAME and "
						     "CRC_REGISTRY_PASSWORD, or add the registry to the "
						     "credentials file)");
		goto out;
	}
	struct crc_json *j = crc_json_parse(body.data ? body.data : "", body.len);
	const char *t = crc_json_string(crc_json_get(j, "token"));
	if (!t)
		t = crc_json_string(crc_json_get(j, "access_token"));
	if (!t || !*t || strlen(t) > 16384 || strpbrk(t, "\r\n")) {
		crc_json_free(j);
		rc = crc_err(err, CRC_EIO, "registry %s: token endpoint %s sent no usable token", r->host,
			     ch->realm);
		goto out;
	}
	struct token *slot = &r->tokens[0];
	for (int i = 0; i < MAX_TOKENS; i++)
		if (!r->tokens[i].value || strcmp(r->tokens[i].scope, key) == 0) {
			slot = &r->tokens[i];
			break;
		}
	free(slot->value);
	slot->value = strdup(t);
	snprintf(slot->scope, sizeof slot->scope, "%s", key);
	crc_json_free(j);
	rc = slot->value ? 0 : crc_err(err, CRC_ENOMEM, "out of memory");
out:
	crc_buf_free(&url);
	crc_buf_free(&body);
	return rc;
}

/* Performs q, answering one 401 by authenticating, and fails on a status not in ok (0-terminated). */
static int request(struct crc_registry *r, struct req *q, const long *ok, struct crc_error *err)
{
	const char *scope = q->scope ? q->scope : "";
	int rc = perform(r, q, token_for(r, scope), err);
	if (rc == 0 && q->status == 401 && q->www_auth[0]) {
		struct crc_registry_challenge ch;
		char why[CRC_ERROR_MSG_MAX];
		if (crc_registry_challenge_parse(&ch, q->www_auth, err)) {
			snprintf(why, sizeof why, "%s", err->msg);
			return crc_err(err, CRC_EIO, "registry %s: %s", r->host, why);
		}
		if (ch.scheme == CRC_REGISTRY_BASIC) {
			if (!r->have_creds)
				return crc_err(
					err, CRC_EIO,
					"registry %s asks for a user name and password: none given (set "
					"CRC_REGISTRY_USERNAME and CRC_REGISTRY_PASSWORD, or add the "
					"registry to "
					"the credentials file)",
					r->host);
			r->basic = 1;
			rc = perform(r, q, NULL, err);
		} else {
			if ((rc = fetch_token(r, &ch, ch.scope[0] ? ch.scope : scope, scope, err)) != 0)
				return rc;
			rc = perform(r, q, token_for(r, scope), err);
		}
	}
	if (rc)
		return rc;
	for (; *ok; ok++)
		if (q->status == *ok)
			return 0;
	return fail_http(r, q, err);
}

static void req_init(struct req *q, const char *method, const char *url, const char *scope)
{
	memset(q, 0, sizeof *q);
	q->method = method;
	q->url = url;
	q->scope = scope;
	q->out_fd = -1;
	q->body_fd = -1;
	crc_buf_init(&q->errbody);
}

static void req_done(struct req *q)
{
	crc_buf_free(&q->errbody);
}

int crc_registry_open(struct crc_registry **out, const char *host, const struct crc_registry_options *o,
		      struct crc_error *err)
{
	*out = NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return crc_err(err, CRC_EIO, "libcurl could not start");
	struct crc_registry *r = calloc(1, sizeof *r);
	if (!r) {
		curl_global_cleanup();
		return crc_err(err, CRC_ENOMEM, "out of memory");
	}
	int n = snprintf(r->host, sizeof r->host, "%s", host);
	int plain = o->plain_http || crc_registry_host_is_loopback(host);
	int m = snprintf(r->base, sizeof r->base, "%s://%s", plain ? "http" : "https", host);
	if (n < 0 || (size_t)n >= sizeof r->host || m < 0 || (size_t)m >= sizeof r->base) {
		free(r);
		curl_global_cleanup();
		return crc_err(err, CRC_EINVALID, "registry host too long");
	}
	if (o->creds) {
		r->creds = *o->creds;
		r->have_creds = 1;
	}
	r->chunk_threshold = o->chunk_threshold ? o->chunk_threshold : CRC_REGISTRY_CHUNK_THRESHOLD;
	r->chunk_size = o->chunk_size ? o->chunk_size : CRC_REGISTRY_CHUNK_SIZE;
	r->stall_seconds = o->stall_seconds > 0 ? o->stall_seconds : 60;
	r->curl = curl_easy_init();
	if (!r->curl) {
		crc_registry_free(r);
		return crc_err(err, CRC_ENOMEM, "libcurl could not start a session");
	}
	*out = r;
	return 0;
}

void crc_registry_free(struct crc_registry *r)
{
	if (!r)
		return;
	if (r->curl)
		curl_easy_cleanup(r->curl);
	for (int i = 0; i < MAX_TOKENS; i++)
		if (r->tokens[i].value) {
			volatile char *p = r->tokens[i].value;
			while (*p)
				*p++ = 0;
			free(r->tokens[i].value);
		}
	crc_registry_creds_wipe(&r->creds);
	free(r);
	curl_global_cleanup();
}

const struct crc_registry_stats *crc_registry_stats(const struct crc_registry *r)
{
	return &r->stats;
}

static int scope_of(char *out, size_t size, const char *repo, int push)
{
	int n = snprintf(out, size, "repository:%s:%s", repo, push ? "pull,push" : "pull");
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static int check_digest(const char *digest, struct crc_error *err)
{
	if (strncmp(digest, "sha256:", 7) != 0 || strlen(digest + 7) != 64 || !is_hex_lower(digest + 7, 64))
		return crc_err(err, CRC_EINVALID, "bad digest '%.80s' (expected sha256: and 64 hex digits)",
			       digest);
	return 0;
}

int crc_registry_blob_exists(struct crc_registry *r, const char *repo, const char *digest, int *exists,
			     struct crc_error *err)
{
	char url[512], scope[300];
	struct req q;
	int rc, n;
	static const long ok[] = {200, 404, 0};
	*exists = 0;
	if ((rc = check_digest(digest, err)) != 0)
		return rc;
	n = snprintf(url, sizeof url, "/v2/%s/blobs/%s", repo, digest);
	if (n < 0 || (size_t)n >= sizeof url || scope_of(scope, sizeof scope, repo, 1))
		return crc_err(err, CRC_EINVALID, "repository name too long");
	req_init(&q, "HEAD", url, scope);
	rc = request(r, &q, ok, err);
	if (rc == 0)
		*exists = q.status == 200;
	req_done(&q);
	return rc;
}

/* The URL of the next upload step: Location (absolute, or a path on the registry), with ?digest= when
 * digest is given. */
static int upload_url(struct crc_registry *r, char *out, size_t size, const char *location,
		      const char *digest, struct crc_error *err)
{
	int n;
	if (!location[0])
		return crc_err(err, CRC_EIO, "registry %s: upload answered without a Location", r->host);
	const char *base = location[0] == '/' ? r->base : "";
	if (location[0] != '/' && strncmp(location, "http://", 7) != 0 &&
	    strncmp(location, "https://", 8) != 0)
		return crc_err(err, CRC_EIO, "registry %s: unusable upload Location", r->host);
	if (digest)
		n = snprintf(out, size, "%s%s%cdigest=%s", base, location, strchr(location, '?') ? '&' : '?',
			     digest);
	else
		n = snprintf(out, size, "%s%s", base, location);
	if (n < 0 || (size_t)n >= size)
		return crc_err(err, CRC_EIO, "registry %s: upload Location too long", r->host);
	return 0;
}

static int push_blob(struct crc_registry *r, const char *repo, const void *data, int fd,
		     unsigned long long size, const char *digest, struct crc_error *err)
{
	char url[512], scope[300], next[2300];
	struct req q;
	int rc, exists, n;
	static const long ok_post[] = {202, 0}, ok_put[] = {201, 0}, ok_patch[] = {202, 0};
	if ((rc = crc_registry_blob_exists(r, repo, digest, &exists, err)) != 0)
		return rc;
	if (exists) {
		r->stats.blobs_skipped++;
		return 0;
	}
	n = snprintf(url, sizeof url, "/v2/%s/blobs/uploads/", repo);
	if (n < 0 || (size_t)n >= sizeof url || scope_of(scope, sizeof scope, repo, 1))
		return crc_err(err, CRC_EINVALID, "repository name too long");
	req_init(&q, "POST", url, scope);
	if ((rc = request(r, &q, ok_post, err)) != 0)
		goto out;
	if (size > r->chunk_threshold) {
		for (unsigned long long off = 0; off < size; off += r->chunk_size) {
			char range[64];
			unsigned long long len = size - off < r->chunk_size ? size - off : r->chunk_size;
			if ((rc = upload_url(r, next, sizeof next, q.location, NULL, err)) != 0)
				goto out;
			snprintf(range, sizeof range, "%llu-%llu", off, off + len - 1);
			req_done(&q);
			req_init(&q, "PATCH", next, scope);
			q.content_type = "application/octet-stream";
			q.content_range = range;
			q.body = data ? (const char *)data + off : NULL;
			q.body_fd = fd;
			q.body_off = data ? 0 : off;
			q.body_len = len;
			if ((rc = request(r, &q, ok_patch, err)) != 0)
				goto out;
		}
		if ((rc = upload_url(r, next, sizeof next, q.location, digest, err)) != 0)
			goto out;
		req_done(&q);
		req_init(&q, "PUT", next, scope);
		r->stats.blobs_chunked++;
	} else {
		if ((rc = upload_url(r, next, sizeof next, q.location, digest, err)) != 0)
			goto out;
		req_done(&q);
		req_init(&q, "PUT", next, scope);
		q.content_type = "application/octet-stream";
		q.body = data;
		q.body_fd = fd;
		q.body_len = size;
	}
	if ((rc = request(r, &q, ok_put, err)) != 0)
		goto out;
	r->stats.blobs_pushed++;
	r->stats.bytes_pushed += size;
out:
	req_done(&q);
	return rc;
}

int crc_registry_blob_push_file(struct crc_registry *r, const char *repo, const char *path,
				const char *digest, unsigned long long size, struct crc_error *err)
{
	int fd;
	int rc = crc_os_open_regular(&fd, NULL, AT_FDCWD, path, NULL, err);
	if (rc)
		return rc;
	rc = push_blob(r, repo, NULL, fd, size, digest, err);
	close(fd);
	return rc;
}

int crc_registry_blob_push_buf(struct crc_registry *r, const char *repo, const void *data, size_t len,
			       const char *digest, struct crc_error *err)
{
	return push_blob(r, repo, data, -1, len, digest, err);
}

int crc_registry_blob_get(struct crc_registry *r, const char *repo, const char *digest,
			  unsigned long long size, int fd, struct crc_error *err)
{
	char url[512], scope[300], hex[CRC_SHA256_HEX];
	unsigned char raw[CRC_SHA256_LEN];
	struct req q;
	int rc, n;
	static const long ok[] = {200, 0};
	if ((rc = check_digest(digest, err)) != 0)
		return rc;
	n = snprintf(url, sizeof url, "/v2/%s/blobs/%s", repo, digest);
	if (n < 0 || (size_t)n >= sizeof url || scope_of(scope, sizeof scope, repo, 0))
		return crc_err(err, CRC_EINVALID, "repository name too long");
	req_init(&q, "GET", url, scope);
	q.follow = 1;
	q.out_fd = fd;
	q.out_max = size;
	if (!(q.hash = crc_sha256_new())) {
		req_done(&q);
		return crc_err(err, CRC_ENOMEM, "out of memory");
	}
	rc = request(r, &q, ok, err);
	/* Only a 2xx body reaches fd and the hash (a 401 before a retry goes to errbody). */
	if (rc == 0) {
		if (q.out_len != size)
			rc = crc_err(err, CRC_EVERIFY,
				     "blob %s: size mismatch: expected %llu bytes, got %llu", digest, size,
				     q.out_len);
		else if (crc_sha256_final(q.hash, raw, hex))
			rc = crc_err(err, CRC_EIO, "blob %s: hashing failed", digest);
		else if (strcmp(hex, digest + 7) != 0)
			rc = crc_err(err, CRC_EVERIFY, "blob %s: sha256 mismatch: got sha256:%s", digest,
				     hex);
	} else if (q.too_big) {
		rc = crc_err(err, CRC_EVERIFY, "blob %s: size mismatch: more than the expected %llu bytes",
			     digest, size);
	}
	crc_sha256_free(q.hash);
	req_done(&q);
	return rc;
}

int crc_registry_manifest_put(struct crc_registry *r, const char *repo, const char *reference,
			      const char *media_type, const void *data, size_t len, struct crc_error *err)
{
	char url[512], scope[300];
	struct req q;
	static const long ok[] = {201, 0};
	int n = snprintf(url, sizeof url, "/v2/%s/manifests/%s", repo, reference);
	if (n < 0 || (size_t)n >= sizeof url || scope_of(scope, sizeof scope, repo, 1))
		return crc_err(err, CRC_EINVALID, "repository name too long");
	req_init(&q, "PUT", url, scope);
	q.content_type = media_type;
	q.body = data;
	q.body_len = len;
	int rc = request(r, &q, ok, err);
	req_done(&q);
	return rc;
}

int crc_registry_manifest_get(struct crc_registry *r, const char *repo, const char *reference,
			      const char *accept, struct crc_buf *out, char *media_type,
			      size_t media_type_size, char digest[CRC_REGISTRY_DIGEST_SIZE],
			      struct crc_error *err)
{
	char url[512], scope[300], hex[CRC_SHA256_HEX];
	struct req q;
	static const long ok[] = {200, 0};
	int n = snprintf(url, sizeof url, "/v2/%s/manifests/%s", repo, reference);
	if (n < 0 || (size_t)n >= sizeof url || scope_of(scope, sizeof scope, repo, 0))
		return crc_err(err, CRC_EINVALID, "repository name too long");
	req_init(&q, "GET", url, scope);
	q.accept = accept;
	q.resp = out;
	q.resp_max = CRC_REGISTRY_MANIFEST_MAX;
	int rc = request(r, &q, ok, err);
	if (rc == 0 && (rc = crc_sha256_buf(hex, out->data ? out->data : "", out->len, err)) == 0) {
		snprintf(digest, CRC_REGISTRY_DIGEST_SIZE, "sha256:%s", hex);
		snprintf(media_type, media_type_size, "%.*s", (int)strcspn(q.content_type_got, ";"),
			 q.content_type_got);
		if (strncmp(reference, "sha256:", 7) == 0 && strcmp(reference, digest) != 0)
			rc = crc_err(err, CRC_EVERIFY, "manifest %s: the registry sent other bytes (%s)",
				     reference, digest);
	}
	req_done(&q);
	return rc;
}
