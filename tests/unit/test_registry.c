/* The registry module's parsers (references, WWW-Authenticate challenges, error bodies, credentials files)
 * and the OCI drop artifact (render, parse and every refusal), without a network. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "crc/buf.h"
#include "crc/oci.h"
#include "crc/registry.h"

static struct crc_error err;

static int ref(struct crc_registry_ref *r, const char *text)
{
	memset(&err, 0, sizeof err);
	return crc_registry_ref_parse(r, text, &err);
}

Test(registry, parses_host_port_repo_and_tag)
{
	struct crc_registry_ref r;
	cr_assert_eq(ref(&r, "127.0.0.1:5000/noa/edge:d2"), 0);
	cr_assert_str_eq(r.host, "127.0.0.1:5000");
	cr_assert_str_eq(r.repo, "noa/edge");
	cr_assert_str_eq(r.tag, "d2");
	cr_assert_str_eq(r.digest, "");
}

Test(registry, parses_digest_and_names_without_port)
{
	struct crc_registry_ref r;
	const char *d = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
	char text[200];
	snprintf(text, sizeof text, "registry.example.com/a/b-c/d__e@%s", d);
	cr_assert_eq(ref(&r, text), 0);
	cr_assert_str_eq(r.host, "registry.example.com");
	cr_assert_str_eq(r.repo, "a/b-c/d__e");
	cr_assert_str_eq(r.tag, "");
	cr_assert_str_eq(r.digest, d);
	cr_assert_eq(ref(&r, "localhost/x"), 0);
	cr_assert_eq(ref(&r, "[::1]:5000/x:T.1_a-b"), 0);
	cr_assert_str_eq(r.host, "[::1]:5000");
	cr_assert_str_eq(r.tag, "T.1_a-b");
}

Test(registry, rejects_bad_references_with_a_reason)
{
	struct crc_registry_ref r;
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{"", "empty reference"},
		{"noa/edge:t", "has no registry host"},
		{"edge", "has no registry host"},
		{"h.io/", "has no repository"},
		{"h.io/Noa:t", "bad repository 'Noa'"},
		{"h.io/a//b:t", "empty path component"},
		{"h.io/a/:t", "empty path component"},
		{"h.io/a-:t", "bad repository"},
		{"h.io/a...b", "bad repository"},
		{"h.io/a:", "has an empty tag"},
		{"h.io/a:.t", "must not start with '.'"},
		{"h.io/a:t/x", "bad tag"},
		{"h.io/a:t$", "bad tag"},
		{"h.io:0/a", "bad port"},
		{"h.io:65536/a", "bad port"},
		{"h.io:/a", "bad port"},
		{"h.io:12a/a", "bad port"},
		{"-h.io/a", "bad registry host"},
		{"h..io/a", "bad registry host"},
		{"h_x.io/a", "character '_'"},
		{"[::1/a", "bad IPv6 address"},
		{"[zz]:1/a", "bad IPv6 address"},
		{"h.io/a@sha256:abc", "bad digest"},
		{"h.io/a@md5:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", "bad digest"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cr_assert_eq(ref(&r, cases[i].text), CRC_EINVALID, "%s", cases[i].text);
		cr_assert_not_null(strstr(err.msg, cases[i].msg), "%s: %s", cases[i].text, err.msg);
	}
	char longtag[300] = "h.io/a:";
	memset(longtag + 7, 't', 129);
	cr_assert_eq(ref(&r, longtag), CRC_EINVALID);
	cr_assert_not_null(strstr(err.msg, "tag longer than 128"));
}

Test(registry, knows_loopback_hosts)
{
	cr_assert(crc_registry_host_is_loopback("127.0.0.1:5000"));
	cr_assert(crc_registry_host_is_loopback("localhost"));
	cr_assert(crc_registry_host_is_loopback("[::1]:80"));
	cr_assert_not(crc_registry_host_is_loopback("127.0.0.10"));
	cr_assert_not(crc_registry_host_is_loopback("localhost.example.com"));
	cr_assert_not(crc_registry_host_is_loopback("[::2]"));
}

Test(registry, parses_bearer_and_basic_challenges)
{
	struct crc_registry_challenge c;
	cr_assert_eq(
		crc_registry_challenge_parse(
			&c,
			"Bearer realm=\"https://auth.example.com/token\",service=\"registry.example.com\","
			"scope=\"repository:noa/edge:pull,push\"",
			&err),
		0);
	cr_assert_eq(c.scheme, CRC_REGISTRY_BEARER);
	cr_assert_str_eq(c.realm, "https://auth.example.com/token");
	cr_assert_str_eq(c.service, "registry.example.com");
	cr_assert_str_eq(c.scope, "repository:noa/edge:pull,push");
	cr_assert_eq(crc_registry_challenge_parse(&c, "basic realm=\"Registry Realm\"", &err), 0);
	cr_assert_eq(c.scheme, CRC_REGISTRY_BASIC);
	cr_assert_eq(crc_registry_challenge_parse(&c, "Basic", &err), 0);
	cr_assert_eq(crc_registry_challenge_parse(&c, "Bearer realm=http://a/t, service=x", &err), 0);
	cr_assert_str_eq(c.service, "x");
}

Test(registry, rejects_bad_challenges_with_a_reason)
{
	struct crc_registry_challenge c;
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{"Negotiate abc", "unsupported authentication scheme 'Negotiate'"},
		{"", "unsupported authentication scheme ''"},
		{"Bearer service=x", "without a realm"},
		{"Bearer realm=\"ftp://x\"", "not an http(s) URL"},
		{"Bearer realm=\"https://x", "unterminated quoted string"},
		{"Bearer =x", "malformed authentication challenge parameter"},
		{"Bearer realm", "malformed authentication challenge parameter"},
		{"Bearer realm=\"https://x\"junk", "malformed"},
		{"Basic a=1,b=2,c=3,d=4,e=5,f=6,g=7,h=8,i=9,j=10,k=11,l=12,m=13,n=14,o=15,p=16,q=17",
		 "more than 16 parameters"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&err, 0, sizeof err);
		cr_assert_eq(crc_registry_challenge_parse(&c, cases[i].text, &err), CRC_EINVALID, "%s",
			     cases[i].text);
		cr_assert_not_null(strstr(err.msg, cases[i].msg), "%s: %s", cases[i].text, err.msg);
	}
	char big[2000] = "Bearer realm=\"";
	memset(big + 14, 'a', 1500);
	cr_assert_eq(crc_registry_challenge_parse(&c, big, &err), CRC_EINVALID);
	cr_assert_not_null(strstr(err.msg, "too long"));
}

/* The value is capped as a whole too: blanks and commas between parameters are not counted as
 * parameters, and cost a byte each up to the cap. */
Test(registry, caps_the_challenge_and_reads_it_once)
{
	struct crc_registry_challenge c;
	char *big = malloc(CRC_REGISTRY_CHALLENGE_MAX + 2);
	cr_assert_not_null(big);
	size_t n = (size_t)snprintf(big, 64, "Bearer realm=\"https://a/t\"");
	memset(big + n, ',', CRC_REGISTRY_CHALLENGE_MAX - n);
	big[CRC_REGISTRY_CHALLENGE_MAX] = '\0';
	cr_assert_eq(crc_registry_challenge_parse(&c, big, &err), 0, "%s", err.msg);
	cr_assert_str_eq(c.realm, "https://a/t");
	big[CRC_REGISTRY_CHALLENGE_MAX] = ',';
	big[CRC_REGISTRY_CHALLENGE_MAX + 1] = '\0';
	cr_assert_eq(crc_registry_challenge_parse(&c, big, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "authentication challenge longer than 16384 bytes");
	free(big);
}

Test(registry, turns_error_bodies_into_one_line)
{
	char out[256];
	const char *b = "{\"errors\":[{\"code\":\"MANIFEST_INVALID\",\"message\":\"manifest "
			"invalid\",\"detail\":{}}]}";
	cr_assert_str_eq(crc_registry_error_text(out, sizeof out, b, strlen(b)),
			 "MANIFEST_INVALID: manifest invalid");
	b = "{\"errors\":[{\"code\":\"UNAUTHORIZED\"},{\"code\":\"DENIED\"}]}";
	cr_assert_str_eq(crc_registry_error_text(out, sizeof out, b, strlen(b)), "UNAUTHORIZED, ...");
	b = "upstream down\nsecond line";
	cr_assert_str_eq(crc_registry_error_text(out, sizeof out, b, strlen(b)), "upstream down");
	b = "{\"errors\":[{\"code\":\"X\",\"message\":\"a\\u001b[31mb\"}]}";
	cr_assert_str_eq(crc_registry_error_text(out, sizeof out, b, strlen(b)), "X: a\\x1b[31mb");
	cr_assert_str_eq(crc_registry_error_text(out, sizeof out, "", 0), "");
	/* A body over the cap is not parsed as JSON: its first line is shown. */
	struct crc_buf big;
	crc_buf_init(&big);
	crc_buf_puts(&big, "{\"errors\":[{\"code\":\"X\"}");
	while (big.len < CRC_REGISTRY_BODY_MAX - 2)
		crc_buf_putc(&big, ' ');
	crc_buf_puts(&big, "]}");
	cr_assert_eq(big.len, CRC_REGISTRY_BODY_MAX);
	cr_assert_str_eq(crc_registry_error_text(out, sizeof out, big.data, big.len), "X");
	big.len -= 2;
	crc_buf_puts(&big, " ]}");
	cr_assert_str_eq(crc_registry_error_text(out, 30, big.data, big.len),
			 "{\"errors\":[{\"code\":\"X\"}...");
	crc_buf_free(&big);
}

static int auth(struct crc_registry_creds *c, int *found, const char *text, const char *host)
{
	memset(&err, 0, sizeof err);
	return crc_registry_auth_parse(c, found, "auth.json", text, strlen(text), host, &err);
}

Test(registry, reads_docker_style_credentials)
{
	struct crc_registry_creds c;
	int found;
	/* "noa:s3cret:with:colons" */
	cr_assert_eq(auth(&c, &found,
			  "{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"bm9hOnMzY3JldDp3aXRoOmNvbG9ucw==\"}}}",
			  "127.0.0.1:5000"),
		     0);
	cr_assert_eq(found, 1);
	cr_assert_str_eq(c.username, "noa");
	cr_assert_str_eq(c.password, "s3cret:with:colons");
	cr_assert_eq(auth(&c, &found, "{\"auths\":{\"h\":{\"username\":\"u\",\"password\":\"p\"}}}", "h"), 0);
	cr_assert_str_eq(c.username, "u");
	cr_assert_str_eq(c.password, "p");
	cr_assert_eq(auth(&c, &found, "{\"auths\":{\"other\":{\"auth\":\"dTpw\"}}}", "h"), 0);
	cr_assert_eq(found, 0);
	cr_assert_str_eq(c.username, "");
}

Test(registry, rejects_bad_credentials_files_with_a_reason)
{
	struct crc_registry_creds c;
	int found;
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{"{", "auth.json: not valid JSON"},
		{"{\"x\":1}", "auth.json: no \"auths\" object"},
		{"{\"auths\":{\"h\":{\"auth\":\"!!!!\"}}}",
		 "auths.h.auth is not base64 of \"user:password\""},
		{"{\"auths\":{\"h\":{\"auth\":\"dXNlcg==\"}}}", "is not base64 of \"user:password\""},
		{"{\"auths\":{\"h\":{\"auth\":\"OnA=\"}}}", "empty or too long user name"},
		{"{\"auths\":{\"h\":{\"auth\":\"dTpw\"},\"x\":1}}", NULL},
		{"{\"auths\":{\"h\":{\"username\":\"\",\"password\":\"p\"}}}", "empty or too long"},
		{"{\"auths\":{\"h\":{}}}", "auths.h has neither \"auth\" nor \"username\" and \"password\""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = auth(&c, &found, cases[i].text, "h");
		if (!cases[i].msg) {
			cr_assert_eq(rc, 0);
			continue;
		}
		char line[2048];
		crc_error_format(&err, line, sizeof line);
		cr_assert_eq(rc, CRC_EINVALID, "%s", cases[i].text);
		cr_assert_not_null(strstr(line, cases[i].msg), "%s: %s", cases[i].text, line);
		cr_assert_eq(found, 0);
		cr_assert_str_eq(c.password, "");
	}
}

static const char *digest_a = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

Test(oci, renders_and_parses_a_drop_artifact)
{
	struct crc_oci_desc layers[2] = {
		{"application/vnd.crc.manifest.v1+yaml", "", 10, "manifest.yaml"},
		{"application/vnd.crc.archive.v1.tar+zstd", "", 20, "noa-d2-x86_64-linux-gnu.tar.zst"},
	};
	strcpy(layers[0].digest, digest_a);
	strcpy(layers[1].digest, digest_a);
	struct crc_oci_drop d = {"d2", "edge", 2, layers}, back;
	char *text;
	size_t len;
	cr_assert_eq(crc_oci_drop_render(&text, &len, &d, &err), 0);
	cr_assert_not_null(strstr(text, "\"artifactType\":\"application/vnd.crc.drop.v1\""));
	cr_assert_not_null(strstr(text, "\"data\":\"e30=\""));
	cr_assert_eq(crc_oci_drop_parse(&back, text, len, &err), 0, "%s", err.msg);
	cr_assert_str_eq(back.drop_id, "d2");
	cr_assert_str_eq(back.profile, "edge");
	cr_assert_eq(back.n, 2);
	cr_assert_str_eq(back.layers[1].title, "noa-d2-x86_64-linux-gnu.tar.zst");
	cr_assert_eq(back.layers[1].size, 20);
	crc_oci_drop_free(&back);
	free(text);
	cr_assert_str_eq(crc_oci_media_type("flags.txt"), "text/plain");
	cr_assert_str_eq(crc_oci_media_type("x.tar.gz"), "application/vnd.crc.archive.v1.tar+gzip");
	cr_assert_str_eq(crc_oci_media_type("function-x.zip"), "application/zip");
	cr_assert_str_eq(crc_oci_media_type("manifest.yaml.sig"), "application/vnd.crc.signature.v1");
}

static int parse_with_layer(const char *title, const char *extra)
{
	char text[4096];
	struct crc_oci_drop d;
	snprintf(
		text, sizeof text,
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"artifactType\":\"application/vnd.crc.drop.v1\",\"config\":{\"mediaType\":"
		"\"application/"
		"vnd.oci.empty.v1+json\",\"digest\":\"%s\",\"size\":2},\"layers\":[{\"mediaType\":"
		"\"text/"
		"plain\",\"digest\":\"%s\",\"size\":1,\"annotations\":{\"org.opencontainers.image.title\":"
		"\"%s\"}}%s],\"annotations\":{\"dev.crc.drop.id\":\"d2\",\"dev.crc.drop.profile\":\"edge\"}}",
		CRC_OCI_EMPTY_DIGEST, digest_a, title, extra);
	memset(&err, 0, sizeof err);
	int rc = crc_oci_drop_parse(&d, text, strlen(text), &err);
	crc_oci_drop_free(&d);
	return rc;
}

Test(oci, refuses_hostile_layer_names)
{
	cr_assert_eq(parse_with_layer("flags.txt", ""), 0);
	static const char *bad[] = {"../x", "a/b", "..", ".", "", "a\\u000ab"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_eq(parse_with_layer(bad[i], ""), CRC_EINVALID, "%s", bad[i]);
		cr_assert_not_null(strstr(err.msg, "is not a plain file name"), "%s", err.msg);
	}
	char dup[512];
	snprintf(dup, sizeof dup,
		 ",{\"mediaType\":\"text/plain\",\"digest\":\"%s\",\"size\":1,\"annotations\":{"
		 "\"org.opencontainers.image.title\":\"flags.txt\"}}",
		 digest_a);
	cr_assert_eq(parse_with_layer("flags.txt", dup), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "layer 1: file name 'flags.txt' given twice");
}

Test(oci, refuses_what_is_not_a_drop)
{
	struct crc_oci_drop d;
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{"[", "not valid JSON"},
		{"{\"schemaVersion\":1}", "schemaVersion is not 2"},
		{"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\"}",
		 "mediaType is not"},
		{"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}",
		 "artifactType is missing"},
		{"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		 "\"artifactType\":\"application/"
		 "vnd.crc.drop.v1\",\"config\":{\"mediaType\":\"x\",\"digest\":"
		 "\"sha256:1111111111111111111111111111111111111111111111111111111111111111\",\"size\":2}}",
		 "config is not the empty descriptor"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&err, 0, sizeof err);
		cr_assert_eq(crc_oci_drop_parse(&d, cases[i].text, strlen(cases[i].text), &err),
			     CRC_EINVALID);
		cr_assert_not_null(strstr(err.msg, cases[i].msg), "%s: %s", cases[i].text, err.msg);
	}
}

Test(oci, lists_the_references_of_an_index_and_a_manifest)
{
	struct crc_oci_desc *refs;
	size_t n;
	int is_index;
	char text[1024];
	snprintf(text, sizeof text,
		 "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":5}]}",
		 CRC_OCI_MANIFEST_TYPE, digest_a);
	cr_assert_eq(crc_oci_references(&refs, &n, &is_index, text, strlen(text), &err), 0);
	cr_assert_eq(is_index, 1);
	cr_assert_eq(n, 1);
	cr_assert_eq(refs[0].size, 5);
	free(refs);
	snprintf(text, sizeof text,
		 "{\"config\":{\"mediaType\":\"c\",\"digest\":\"%s\",\"size\":1},\"layers\":[{\"mediaType\":"
		 "\"l\","
		 "\"digest\":\"%s\",\"size\":2}]}",
		 digest_a, digest_a);
	cr_assert_eq(crc_oci_references(&refs, &n, &is_index, text, strlen(text), &err), 0);
	cr_assert_eq(is_index, 0);
	cr_assert_eq(n, 2);
	free(refs);
	cr_assert_eq(crc_oci_references(&refs, &n, &is_index, "{}", 2, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "neither an image index (manifests) nor a manifest (config)");
	snprintf(text, sizeof text,
		 "{\"manifests\":[{\"mediaType\":\"m\",\"digest\":\"sha256:12\",\"size\":5}]}");
	cr_assert_eq(crc_oci_references(&refs, &n, &is_index, text, strlen(text), &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "manifest 0: digest is not sha256: and 64 lower-case hex digits");
	snprintf(text, sizeof text, "{\"manifests\":[{\"mediaType\":\"m\",\"digest\":\"%s\",\"size\":-1}]}",
		 digest_a);
	cr_assert_eq(crc_oci_references(&refs, &n, &is_index, text, strlen(text), &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "manifest 0: size is not a whole number");
}

/* ---- Pathological sizes: linear or n log n work, bounded by the test harness (.timeout) ---------------- */

/* A drop artifact's manifest: n layers titled by title(i) (a static buffer), and digest bad for layer bad
 * (none when bad >= n). */
static void drop_text(struct crc_buf *b, size_t n, const char *(*title)(size_t), size_t bad)
{
	crc_buf_printf(b,
		       "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"artifactType\":\"%s\",\"config\":{"
		       "\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":2},\"layers\":[",
		       CRC_OCI_MANIFEST_TYPE, CRC_OCI_DROP_TYPE, CRC_OCI_EMPTY_TYPE, CRC_OCI_EMPTY_DIGEST);
	for (size_t i = 0; i < n; i++)
		crc_buf_printf(
			b,
			"%s{\"mediaType\":\"text/plain\",\"digest\":\"%s\",\"size\":1,\"annotations\":{"
			"\"%s\":\"%s\"}}",
			i ? "," : "", i == bad ? "sha256:12" : digest_a, CRC_OCI_TITLE, title(i));
	crc_buf_puts(b, "],\"annotations\":{\"dev.crc.drop.id\":\"d2\",\"dev.crc.drop.profile\":\"edge\"}}");
	cr_assert(!crc_buf_error(b));
}

/* 250 bytes that the titles below share, so that comparing two costs the most. */
static char long_prefix[251];

/* The prefix then i: distinct titles of 254 bytes. */
static const char *long_title(size_t i)
{
	static char t[300];
	if (!long_prefix[0])
		memset(long_prefix, 'x', sizeof long_prefix - 1);
	snprintf(t, sizeof t, "%s%04zu", long_prefix, i);
	return t;
}

/* long_title, with layer 999 titled as layer 0. */
static const char *title_last_twice(size_t i)
{
	return long_title(i == 999 ? 0 : i);
}

/* Layer 7 titled as layer 2. */
static const char *title_7_twice(size_t i)
{
	return long_title(i == 7 ? 2 : i);
}

static int parse_drop(struct crc_buf *b)
{
	struct crc_oci_drop d;
	memset(&err, 0, sizeof err);
	int rc = crc_oci_drop_parse(&d, b->data, b->len, &err);
	if (rc == 0)
		cr_assert_eq(d.n, CRC_OCI_MAX_LAYERS);
	crc_oci_drop_free(&d);
	crc_buf_free(b);
	return rc;
}

/* The most layers, with long titles: each title used to be compared with every earlier one, and each layer
 * found again from the start of the array. */
Test(oci, the_most_layers_with_long_titles_parse_in_n_log_n, .timeout = 10)
{
	struct crc_buf b;
	char want[512];
	crc_buf_init(&b);
	drop_text(&b, CRC_OCI_MAX_LAYERS, long_title, (size_t)-1);
	cr_assert_eq(parse_drop(&b), 0, "%s", err.msg);
	drop_text(&b, CRC_OCI_MAX_LAYERS, title_last_twice, (size_t)-1);
	cr_assert_eq(parse_drop(&b), CRC_EINVALID);
	snprintf(want, sizeof want, "layer 999: file name '%s' given twice", long_title(0));
	cr_assert_str_eq(err.msg, want);
}

/* A title given twice is reported where the layer-by-layer checks would meet it: before a later layer's
 * bad digest, after an earlier one's. */
Test(oci, a_title_given_twice_is_reported_in_layer_order)
{
	struct crc_buf b;
	char want[512];
	crc_buf_init(&b);
	drop_text(&b, CRC_OCI_MAX_LAYERS, title_7_twice, 9);
	cr_assert_eq(parse_drop(&b), CRC_EINVALID);
	snprintf(want, sizeof want, "layer 7: file name '%s' given twice", long_title(2));
	cr_assert_str_eq(err.msg, want);
	drop_text(&b, CRC_OCI_MAX_LAYERS, title_7_twice, 7);
	cr_assert_eq(parse_drop(&b), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "layer 7: digest is not sha256: and 64 lower-case hex digits");
	drop_text(&b, CRC_OCI_MAX_LAYERS, title_7_twice, 5);
	cr_assert_eq(parse_drop(&b), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "layer 5: digest is not sha256: and 64 lower-case hex digits");
}

/* An index of n manifests. */
static void index_text(struct crc_buf *b, size_t n)
{
	crc_buf_puts(b, "{\"schemaVersion\":2,\"manifests\":[");
	for (size_t i = 0; i < n; i++)
		crc_buf_printf(b, "%s{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu}", i ? "," : "",
			       CRC_OCI_MANIFEST_TYPE, digest_a, i);
	crc_buf_puts(b, "]}");
	cr_assert(!crc_buf_error(b));
}

/* The most descriptors: each used to be found again from the start of the array (twice). */
Test(oci, the_most_descriptors_are_read_in_linear_time, .timeout = 10)
{
	struct crc_oci_desc *refs;
	struct crc_buf b;
	size_t n;
	int is_index;
	crc_buf_init(&b);
	index_text(&b, CRC_OCI_MAX_DESCRIPTORS);
	cr_assert_leq(b.len, CRC_OCI_MAX_BYTES);
	cr_assert_eq(crc_oci_references(&refs, &n, &is_index, b.data, b.len, &err), 0, "%s", err.msg);
	cr_assert_eq(n, CRC_OCI_MAX_DESCRIPTORS);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(refs[i].size, i);
	free(refs);
	crc_buf_free(&b);
	index_text(&b, CRC_OCI_MAX_DESCRIPTORS + 1);
	cr_assert_eq(crc_oci_references(&refs, &n, &is_index, b.data, b.len, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "more than 10000 descriptors");
	crc_buf_free(&b);
}

/* Documents over the cap are refused before they are parsed. */
Test(oci, refuses_documents_over_the_byte_cap)
{
	struct crc_oci_desc *refs;
	struct crc_oci_drop d;
	size_t n;
	int is_index;
	char *big = malloc(CRC_OCI_MAX_BYTES + 1);
	cr_assert_not_null(big);
	memset(big, ' ', CRC_OCI_MAX_BYTES + 1);
	big[0] = '{';
	big[CRC_OCI_MAX_BYTES] = '}';
	cr_assert_eq(crc_oci_references(&refs, &n, &is_index, big, CRC_OCI_MAX_BYTES + 1, &err),
		     CRC_EINVALID);
	cr_assert_str_eq(err.msg, "larger than 4 MiB");
	cr_assert_eq(crc_oci_drop_parse(&d, big, CRC_OCI_MAX_BYTES + 1, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "artifact manifest: larger than 4 MiB");
	cr_assert_eq(crc_oci_references(&refs, &n, &is_index, big, CRC_OCI_MAX_BYTES, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "not valid JSON", "the cap itself is let through to the parser");
	free(big);
}
