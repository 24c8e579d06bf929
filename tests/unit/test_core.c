/* The small core modules: the text buffer, SHA-256, running programs, the source tree hash and drop ids. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc/base64.h"
#include "crc/buf.h"
#include "crc/digest.h"
#include "crc/os.h"
#include "crc/proc.h"
#include "crc/plan.h"
#include "crc/source.h"
#include "crc/ids.h"

Test(buf, grows_and_formats)
{
	struct crc_buf b;
	crc_buf_init(&b);
	cr_assert_str_eq(crc_buf_str(&b), "");
	for (int i = 0; i < 1000; i++)
		crc_buf_printf(&b, "%d,", i);
	crc_buf_putc(&b, '!');
	cr_assert_eq(crc_buf_error(&b), 0);
	cr_assert_eq(strncmp(crc_buf_str(&b), "0,1,2,", 6), 0);
	cr_assert_eq(b.len, strlen(crc_buf_str(&b)));
	cr_assert_eq(crc_buf_str(&b)[b.len - 1], '!');
	char *s = crc_buf_take(&b);
	cr_assert_eq(b.len, 0);
	free(s);
	crc_buf_free(&b);
}

Test(digest, sha256_known_answers)
{
	char hex[CRC_SHA256_HEX];
	struct crc_error err;
	cr_assert_eq(crc_sha256_buf(hex, "abc", 3, &err), 0);
	cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	cr_assert_eq(crc_sha256_buf(hex, "", 0, &err), 0);
	cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

Test(digest, file_refuses_symlinks)
{
	char dir[] = "/tmp/crc-digest-XXXXXX", file[256], link[256], hex[CRC_SHA256_HEX];
	unsigned long long size;
	struct crc_error err;
	cr_assert_not_null(mkdtemp(dir));
	snprintf(file, sizeof file, "%s/f", dir);
	snprintf(link, sizeof link, "%s/l", dir);
	FILE *f = fopen(file, "w");
	fputs("abc", f);
	fclose(f);
	cr_assert_eq(symlink(file, link), 0);
	cr_assert_eq(crc_sha256_file(hex, &size, file, &err), 0);
	cr_assert_eq(size, 3);
	cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	cr_assert_eq(crc_sha256_file(hex, &size, link, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "is a symlink, not a regular file");
	unlink(link);
	unlink(file);
	rmdir(dir);
}

Test(os, capture_output_and_status)
{
	struct crc_buf b;
	struct crc_error err;
	int status;
	const char *ok[] = {"sh", "-c", "printf 'hello\\nworld'; exit 3", NULL};
	struct crc_proc_spec s = {ok, "/", NULL, -1, -1, 0};
	crc_buf_init(&b);
	cr_assert_eq(crc_proc_capture(&b, &status, &s, 1 << 20, &err), 0);
	cr_assert_eq(status, 3);
	cr_assert_str_eq(crc_buf_str(&b), "hello\nworld");
	crc_buf_free(&b);
	const char *capped[] = {"sh", "-c", "yes | head -c 100000", NULL};
	s = (struct crc_proc_spec){capped, NULL, NULL, -1, -1, 0};
	cr_assert_eq(crc_proc_capture(&b, &status, &s, 10, &err), 0);
	cr_assert_eq(b.len, 10, "output beyond max is read and dropped");
	crc_buf_free(&b);
	const char *missing[] = {"crc-no-such-program", NULL};
	s = (struct crc_proc_spec){missing, NULL, NULL, -1, -1, 0};
	cr_assert_eq(crc_proc_capture(&b, &status, &s, 10, &err), CRC_ENOTFOUND);
	cr_assert_str_eq(err.msg, "crc-no-such-program: program not found");
	const char *killed[] = {"sh", "-c", "kill -9 $$", NULL};
	s = (struct crc_proc_spec){killed, NULL, NULL, -1, -1, 0};
	cr_assert_eq(crc_proc_capture(&b, &status, &s, 10, &err), 0);
	cr_assert_eq(status, 128 + 9);
	crc_buf_free(&b);
}

static void write_file(const char *dir, const char *name, const char *text, int mode)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	cr_assert_eq(chmod(path, (mode_t)mode), 0);
}

Test(source, tree_hash_follows_content_names_and_modes_only)
{
	char a[] = "/tmp/crc-tree-a-XXXXXX", b[] = "/tmp/crc-tree-b-XXXXXX", sub[512];
	char ha[CRC_SHA256_HEX], hb[CRC_SHA256_HEX];
	struct crc_error err;
	cr_assert_not_null(mkdtemp(a));
	cr_assert_not_null(mkdtemp(b));
	/* The same tree written in a different order, in a different place. */
	write_file(a, "x.c", "int x;\n", 0644);
	snprintf(sub, sizeof sub, "%s/src", a);
	mkdir(sub, 0755);
	write_file(sub, "y.c", "int y;\n", 0644);
	snprintf(sub, sizeof sub, "%s/src", b);
	mkdir(sub, 0755);
	write_file(sub, "y.c", "int y;\n", 0644);
	write_file(b, "x.c", "int x;\n", 0644);
	write_file(b, ".hidden", "ignored", 0644);
	cr_assert_eq(crc_source_tree_hash(ha, a, &err), 0);
	cr_assert_eq(crc_source_tree_hash(hb, b, &err), 0);
	cr_assert_str_eq(ha, hb);
	write_file(b, "x.c", "int x;\n", 0755);
	cr_assert_eq(crc_source_tree_hash(hb, b, &err), 0);
	cr_assert_str_neq(ha, hb, "the executable bit counts");
	write_file(b, "x.c", "int x; \n", 0644);
	cr_assert_eq(crc_source_tree_hash(hb, b, &err), 0);
	cr_assert_str_neq(ha, hb, "the content counts");
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf %s %s", a, b);
	cr_assert_eq(system(cmd), 0);
}

/* Remote URLs become plain https URLs of the same host and path; what could not be shipped gives "". */
Test(source, remote_urls_are_normalized_or_dropped)
{
	static const char *const cases[][2] = {
		{"https://github.com/acme/noa.git", "https://github.com/acme/noa"},
		{"https://user:s3cret@github.com/acme/noa/", "https://github.com/acme/noa"},
		{"http://git.example.com:8080/acme/noa", "https://git.example.com:8080/acme/noa"},
		{"git@github.com:acme/noa.git", "https://github.com/acme/noa"},
		{"github.com:acme/noa", "https://github.com/acme/noa"},
		{"ssh://git@git.example.com:2222/acme/noa.git", "https://git.example.com/acme/noa"},
		{"git+ssh://git.example.com/acme/noa", "https://git.example.com/acme/noa"},
		{"git://git.example.com/acme/noa", "https://git.example.com/acme/noa"},
		{"/srv/git/noa.git", ""},
		{"../noa", ""},
		{"file:///srv/git/noa.git", ""},
		{"C:/src/noa", ""},
		{"https://github.com/acme/no\"a", ""},
		{"https://github.com/acme/no a", ""},
		{"https://github.com/", ""},
		{"https:///acme/noa", ""},
		{"ftp://example.com/noa", ""},
		{"", ""},
	};
	char out[CRC_SOURCE_URL_MAX];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		crc_source_url_normalize(out, sizeof out, cases[i][0]);
		cr_assert_str_eq(out, cases[i][1], "%s", cases[i][0]);
		cr_assert_eq(crc_ids_url_ok(out), out[0] != '\0', "%s", out);
	}
	char small[16];
	crc_source_url_normalize(small, sizeof small, "https://github.com/acme/noa");
	cr_assert_str_eq(small, "", "too long for out");
}

Test(source, drop_id_format)
{
	struct crc_source src;
	char id[128];
	memset(&src, 0, sizeof src);
	crc_source_drop_id(id, sizeof id, 1795305600, &src, "0123456789abcdef");
	cr_assert_str_eq(id, "20261122-nogit-01234567");
	memcpy(src.commit, "abcdef0123456789abcdef0123456789abcdef01", 41);
	crc_source_drop_id(id, sizeof id, -1, &src, "fedcba9876543210");
	cr_assert_str_eq(id, "19700101-abcdef012345-fedcba98");
	struct crc_error err;
	cr_assert_eq(crc_ids_check_drop_id(id, &err), 0, "a default id passes the check");
}

Test(plan, drop_id_rules)
{
	struct crc_error err;
	char long_id[130];
	memset(long_id, 'a', 129);
	long_id[129] = '\0';
	cr_assert_eq(crc_ids_check_drop_id("ci-1234.5_x", &err), 0);
	cr_assert_eq(crc_ids_check_drop_id(long_id, &err), CRC_EINVALID);
	long_id[128] = '\0';
	cr_assert_eq(crc_ids_check_drop_id(long_id, &err), 0);
	cr_assert_eq(crc_ids_check_drop_id("", &err), CRC_EINVALID);
	cr_assert_eq(crc_ids_check_drop_id(".", &err), CRC_EINVALID);
	cr_assert_eq(crc_ids_check_drop_id("..", &err), CRC_EINVALID);
	cr_assert_eq(crc_ids_check_drop_id("a/b", &err), CRC_EINVALID);
	cr_assert_eq(crc_ids_check_drop_id("a b", &err), CRC_EINVALID);
	cr_assert_eq(crc_ids_check_drop_id("\xc3\xa9", &err), CRC_EINVALID);
}

/* RFC 4648's test vectors both ways, and every non-canonical or malformed text refused. */
Test(base64, rfc4648_vectors_and_strict_reading)
{
	static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	char text[16];
	unsigned char raw[16];
	size_t len;
	for (size_t i = 0; i < 7; i++) {
		cr_assert_eq(crc_base64_encode(text, sizeof text, plain[i], strlen(plain[i])),
			     strlen(coded[i]));
		cr_assert_str_eq(text, coded[i]);
		cr_assert_eq(crc_base64_decode(raw, sizeof raw, &len, coded[i], strlen(coded[i])), 0, "%s",
			     coded[i]);
		cr_assert_eq(len, strlen(plain[i]));
		cr_assert_eq(memcmp(raw, plain[i], len), 0);
	}
	static const char *const bad[] = {"Zg=",    "Zh==",  "Zm9=", "Z===",      "=Zg=", "Zg==Zg==",
					  "Zm9v\n", "Zm 9v", "Zm-v", "Zm9vYmFy=", "Z"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		cr_assert_eq(crc_base64_decode(raw, sizeof raw, &len, bad[i], strlen(bad[i])), -1, "%s",
			     bad[i]);
	/* Room: the text and its NUL must fit when writing; the bytes when reading. */
	cr_assert_eq(crc_base64_encode(text, 4, "f", 1), 0);
	cr_assert_str_eq(text, "");
	cr_assert_eq(crc_base64_decode(raw, 2, &len, "Zm9v", 4), -1);
}
