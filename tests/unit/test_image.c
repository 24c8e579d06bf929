/* The image module: root file systems staged from an installed tree and the host's loader and libraries;
 * OCI image layouts that are byte-identical when written twice from trees made differently (times, umask,
 * creation order), whose blobs are named by their SHA-256, that skopeo reads for each architecture
 * (through the nested multi-architecture index) and umoci unpacks, and whose aarch64 program (compiled here
 * with aarch64-linux-gnu-gcc, linked dynamically) runs under qemu-aarch64 from the unpacked root alone; the
 * amd64 one runs in a chroot of its unpacked root (tests/image/run-root.sh). Every refusal with its message.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "crc/image.h"
#include "crc/json.h"
#include "crc/os.h"
#include "crc/toolchain.h"

/* 2023-11-14 22:13:20 UTC */
#define CREATED 1700000000LL
#define CREATED_TEXT "2023-11-14T22:13:20Z"
/* A hash no file here has. */
#define H64 "abababababababababababababababababababababababababababababababab"

static const struct crc_image_file arm64_files[] = {
	{"/lib/ld-linux-aarch64.so.1", "libc6:arm64"},
	{"/lib/aarch64-linux-gnu/libc.so.6", "libc6:arm64"},
};
static const struct crc_image_file amd64_files[] = {
	{"/lib64/ld-linux-x86-64.so.2", "libc6"},
	{"/lib/x86_64-linux-gnu/libc.so.6", "libc6"},
};

/* Runs a program from an unpacked root: arm64 under qemu-aarch64 -L ROOT with the host's arm64 multiarch
 * files hidden where namespaces allow, amd64 in a chroot (tests/image/run-root.sh). */
#define RUN_ROOT "sh " CRC_SOURCE_DIR "/tests/image/run-root.sh "

static void run(const char *cmd)
{
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* A command's whole output (at most 64 KiB), malloc'ed. */
static char *capture(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p, "%s", cmd);
	char *out = calloc(1, 65536);
	cr_assert_not_null(out);
	size_t n = fread(out, 1, 65535, p);
	out[n] = '\0';
	cr_assert_eq(pclose(p), 0, "%s: %s", cmd, out);
	return out;
}

static void rm_rf(const char *path)
{
	struct crc_error err;
	cr_assert_eq(crc_os_remove_tree(path, &err), 0, "%s", err.msg);
}

static void put(const char *dir, const char *rel, const char *text, unsigned mode)
{
	char p[1024];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	cr_assert_geq(fd, 0, "create %s: %s", p, strerror(errno));
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	cr_assert_eq(close(fd), 0);
	cr_assert_eq(chmod(p, mode), 0);
}

/* A program printing "hi", built for the target (aarch64-linux-gnu-gcc or gcc), dynamically linked. */
static void compile(const char *work, const char *compiler, const char *out)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd,
		 "printf '#include <stdio.h>\\nint main(void){puts(\"hi\");return 0;}\\n' > %s/hi.c && "
		 "%s -O2 -o %s %s/hi.c",
		 work, compiler, out, work);
	run(cmd);
}

/* An installed tree in a new directory under work: bin/prog (a copy of prog), share/doc/README, and a
 * relative symlink. The variant changes what must not matter: umask, raw modes, creation order, times. */
static void make_installed(char *dir, size_t size, const char *work, const char *name, const char *prog,
			   int variant)
{
	char cmd[2048];
	mode_t old = umask(variant ? 077 : 022);
	snprintf(dir, size, "%s/%s", work, name);
	if (variant)
		snprintf(cmd, sizeof cmd,
			 "mkdir -p %s/share/doc %s/bin && echo doc > %s/share/doc/README && "
			 "ln -s bin/prog %s/prog && cp %s %s/bin/prog && chmod 0700 %s/bin/prog && "
			 "touch -d @1 %s/bin/prog %s/share/doc/README",
			 dir, dir, dir, dir, prog, dir, dir, dir, dir);
	else
		snprintf(cmd, sizeof cmd,
			 "mkdir -p %s/bin && cp %s %s/bin/prog && mkdir -p %s/share/doc && "
			 "ln -s bin/prog %s/prog && echo doc > %s/share/doc/README && chmod 0664 "
			 "%s/share/doc/README",
			 dir, prog, dir, dir, dir, dir, dir);
	run(cmd);
	umask(old);
}

struct fixture {
	char work[64];
	char arm64_prog[256], amd64_prog[256];
};

static void fixture_init(struct fixture *f)
{
	snprintf(f->work, sizeof f->work, "/tmp/crc-image-XXXXXX");
	cr_assert_not_null(mkdtemp(f->work));
	snprintf(f->arm64_prog, sizeof f->arm64_prog, "%s/hi-arm64", f->work);
	snprintf(f->amd64_prog, sizeof f->amd64_prog, "%s/hi-amd64", f->work);
	compile(f->work, "aarch64-linux-gnu-gcc", f->arm64_prog);
	compile(f->work, "gcc", f->amd64_prog);
}

static const struct crc_image_options options = {
	.drop_id = "edge-1",
	.profile = "edge",
	.revision = "0123456789abcdef0123456789abcdef01234567",
	.source = "https://example.com/noa.git",
	.title = "noa",
	.created = CREATED,
	.entrypoint = "/usr/local/bin/prog",
};

/* Stages both root file systems from trees of the variant and writes the layout to <work>/<name>. */
static void write_image_with(struct crc_image_result *res, const struct fixture *f, const char *name,
			     int variant, const struct crc_image_options *o)
{
	char inst_a[512], inst_x[512], root_a[512], root_x[512], dir[512], sub[64];
	struct crc_error err;
	snprintf(sub, sizeof sub, "inst-arm64-%s", name);
	make_installed(inst_a, sizeof inst_a, f->work, sub, f->arm64_prog, variant);
	snprintf(sub, sizeof sub, "inst-amd64-%s", name);
	make_installed(inst_x, sizeof inst_x, f->work, sub, f->amd64_prog, variant);
	snprintf(root_a, sizeof root_a, "%s/rootfs-arm64-%s", f->work, name);
	snprintf(root_x, sizeof root_x, "%s/rootfs-amd64-%s", f->work, name);
	mode_t old = umask(variant ? 077 : 022);
	cr_assert_eq(crc_image_stage_rootfs(root_a, inst_a, arm64_files, 2, &err), 0, "%s", err.msg);
	cr_assert_eq(crc_image_stage_rootfs(root_x, inst_x, amd64_files, 2, &err), 0, "%s", err.msg);
	umask(old);
	struct crc_image_target t[] = {
		{"aarch64-linux-gnu", "arm64", "v8", root_a},
		{"x86_64-linux-gnu", "amd64", NULL, root_x},
	};
	snprintf(dir, sizeof dir, "%s/%s", f->work, name);
	/* Targets in either order give the same layout's files (the index follows the order given). */
	cr_assert_eq(crc_image_write(res, dir, t, 2, o, &err), 0, "%s", err.msg);
}

static void write_image(struct crc_image_result *res, const struct fixture *f, const char *name, int variant)
{
	write_image_with(res, f, name, variant, &options);
}

Test(image, layout_is_byte_identical_and_blobs_are_named_by_their_hash)
{
	struct fixture f;
	struct crc_image_result a, b;
	char cmd[1024];
	fixture_init(&f);
	write_image(&a, &f, "a", 0);
	write_image(&b, &f, "b", 1);
	snprintf(cmd, sizeof cmd, "diff -r %s/a %s/b", f.work, f.work);
	run(cmd);
	cr_assert_eq(a.nfiles, b.nfiles);
	/* 2 layers, 2 configs, 2 manifests, the index; index.json and oci-layout. */
	cr_assert_eq(a.nfiles, 9);
	cr_assert_str_eq(a.index, b.index);
	for (size_t i = 0; i < a.nfiles; i++) {
		cr_assert_str_eq(a.files[i].path, b.files[i].path);
		cr_assert_str_eq(a.files[i].sha256, b.files[i].sha256);
		if (i)
			cr_assert_lt(strcmp(a.files[i - 1].path, a.files[i].path), 0, "sorted, once each");
		snprintf(cmd, sizeof cmd, "sha256sum %s/a/%s | cut -c1-64; stat -c %%s %s/a/%s", f.work,
			 a.files[i].path, f.work, a.files[i].path);
		char *out = capture(cmd), want[128];
		snprintf(want, sizeof want, "%s\n%llu\n", a.files[i].sha256, a.files[i].size);
		cr_assert_str_eq(out, want, "%s", a.files[i].path);
		free(out);
		if (strncmp(a.files[i].path, "blobs/sha256/", 13) == 0)
			cr_assert_str_eq(a.files[i].path + 13, a.files[i].sha256,
					 "a blob's name is its hash");
	}
	cr_assert_str_eq(a.files[7].path, "index.json");
	cr_assert_str_eq(a.files[8].path, "oci-layout");
	snprintf(cmd, sizeof cmd, "cat %s/a/oci-layout", f.work);
	char *layout = capture(cmd);
	cr_assert_str_eq(layout, "{\"imageLayoutVersion\":\"1.0.0\"}");
	free(layout);
	/* The diff_id is the uncompressed layer's hash. */
	snprintf(cmd, sizeof cmd, "gunzip -c %s/a/blobs/sha256/%s | sha256sum | cut -c1-64", f.work,
		 a.targets[0].layer);
	char *diff = capture(cmd);
	diff[64] = '\0';
	cr_assert_str_eq(a.targets[0].diff_id, diff);
	free(diff);
	crc_image_result_free(&a);
	crc_image_result_free(&b);
	crc_image_result_free(&b); /* an emptied result frees again */
	rm_rf(f.work);
}

/* A drop's manifest naming the images of res (written with the options a manifest implies). */
static void manifest_of(struct crc_manifest *m, struct crc_manifest_target *t,
			const struct crc_image_result *res)
{
	memset(m, 0, sizeof *m);
	memset(t, 0, 3 * sizeof *t);
	m->drop_id = "edge-1";
	m->profile = "edge";
	m->created = CREATED_TEXT;
	m->source.commit = options.revision;
	m->ntargets = 3;
	m->targets = t;
	t[0].triple = "aarch64-linux-gnu";
	t[1].triple = "x86_64-linux-gnu";
	t[2].triple = "wasm32-wasi";
	for (size_t i = 0; i < 2; i++) {
		const struct crc_image_digests *d = &res->targets[i];
		t[i].image.architecture = i ? "amd64" : "arm64";
		t[i].image.variant = i ? "" : "v8";
		t[i].image.layer_sha256 = d->layer, t[i].image.layer_size = d->layer_size;
		t[i].image.diff_id = d->diff_id;
		t[i].image.config_sha256 = d->config, t[i].image.config_size = d->config_size;
		t[i].image.manifest_sha256 = d->manifest, t[i].image.manifest_size = d->manifest_size;
	}
}

Test(image, index_is_a_function_of_the_manifest_and_files_are_checked_against_it)
{
	struct fixture f;
	struct crc_image_result r;
	struct crc_image_options o = options;
	struct crc_manifest m;
	struct crc_manifest_target t[3];
	struct crc_image_index x;
	struct crc_image_entry *e;
	struct crc_error err;
	size_t n;
	char cmd[1024];
	fixture_init(&f);
	o.source = "";
	o.title = CRC_IMAGE_TITLE;
	write_image_with(&r, &f, "m", 0, &o);
	manifest_of(&m, t, &r);
	cr_assert_eq(crc_image_count(&m), 2);
	cr_assert_eq(crc_image_render_index(&x, &m, &err), 0, "%s", err.msg);
	cr_assert_str_eq(x.index_sha256, r.index, "the index crc_image_write wrote");
	snprintf(cmd, sizeof cmd, "cat %s/m/index.json", f.work);
	char *json = capture(cmd);
	cr_assert_str_eq(json, x.json);
	free(json);
	cr_assert_eq(crc_image_layout_files(&e, &n, &m, &x, &err), 0, "%s", err.msg);
	cr_assert_eq(n, r.nfiles);
	struct crc_manifest_file files[16];
	for (size_t i = 0; i < n; i++) {
		cr_assert_str_eq(e[i].path + strlen("image/"), r.files[i].path);
		cr_assert_str_eq(e[i].sha256, r.files[i].sha256);
		cr_assert_eq(e[i].size, r.files[i].size);
		files[i] = (struct crc_manifest_file){e[i].path, e[i].size, e[i].sha256};
	}
	files[n] = (struct crc_manifest_file){"Dockerfile", 10, H64};
	m.files = files;
	m.nfiles = n + 1;
	cr_assert_eq(crc_image_check_files(&m, &err), 0, "%s", err.msg);

	/* index.json naming another index; a blob no image has; a file missing; images without files. */
	files[n - 2].sha256 = H64;
	cr_assert_eq(crc_image_check_files(&m, &err), CRC_EVERIFY);
	cr_assert_str_eq(err.msg, "image/index.json is not what the targets' images make it (its index must "
				  "name exactly their manifests)");
	files[n - 2].sha256 = e[n - 2].sha256;
	files[n] = (struct crc_manifest_file){"image/blobs/sha256/" H64, 10, H64};
	cr_assert_eq(crc_image_check_files(&m, &err), CRC_EVERIFY);
	cr_assert_str_eq(err.msg, "files lists image/blobs/sha256/" H64
				  ", which is no part of the image layout of the targets");
	m.nfiles = n - 1;
	cr_assert_eq(crc_image_check_files(&m, &err), CRC_EVERIFY);
	cr_assert_str_eq(err.msg, "files does not list image/oci-layout, which the image layout of the "
				  "targets holds");
	t[0].image.architecture = t[1].image.architecture = "";
	cr_assert_eq(crc_image_check_files(&m, &err), CRC_EVERIFY);
	char want[256];
	snprintf(want, sizeof want, "files lists %s, but no target of the manifest has an image",
		 files[0].path);
	cr_assert_str_eq(err.msg, want);
	cr_assert_eq(crc_image_render_index(&x, &m, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "drop edge-1 has 0 images (1 to 16)");

	/* The index written anew into a layout holding only the targets' blobs gives the same layout. */
	t[0].image.architecture = "arm64", t[1].image.architecture = "amd64";
	struct crc_image_index y;
	cr_assert_eq(crc_image_render_index(&y, &m, &err), 0, "%s", err.msg);
	snprintf(cmd, sizeof cmd,
		 "set -e; cd %s; mkdir -p n/blobs/sha256; for h in %s %s %s %s %s %s; do "
		 "cp m/blobs/sha256/$h n/blobs/sha256/; done",
		 f.work, t[0].image.layer_sha256, t[0].image.config_sha256, t[0].image.manifest_sha256,
		 t[1].image.layer_sha256, t[1].image.config_sha256, t[1].image.manifest_sha256);
	run(cmd);
	snprintf(cmd, sizeof cmd, "%s/n", f.work);
	cr_assert_eq(crc_image_write_index(cmd, &y, &err), 0, "%s", err.msg);
	snprintf(cmd, sizeof cmd, "diff -r %s/m %s/n", f.work, f.work);
	run(cmd);
	crc_image_index_free(&y);
	crc_image_index_free(&x);
	crc_image_index_free(&x);
	crc_image_entries_free(e, n);
	crc_image_result_free(&r);
	rm_rf(f.work);
}

/* The value of a string member in skopeo's JSON. */
static void expect_member(const struct crc_json *j, const char *key, const char *want)
{
	const char *got = crc_json_string(crc_json_get(j, key));
	cr_assert_not_null(got, "no %s", key);
	cr_assert_str_eq(got, want, "%s", key);
}

static void inspect(const char *work, const char *arch, const char *triple)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "skopeo inspect --override-arch %s --override-os linux oci:%s/a:edge-1",
		 arch, work);
	char *out = capture(cmd);
	struct crc_json *j = crc_json_parse(out, strlen(out));
	cr_assert_not_null(j, "%s", out);
	expect_member(j, "Architecture", arch);
	expect_member(j, "Os", "linux");
	expect_member(j, "Created", CREATED_TEXT);
	const struct crc_json *l = crc_json_get(j, "Labels");
	expect_member(l, "org.opencontainers.image.revision", options.revision);
	expect_member(l, "org.opencontainers.image.source", options.source);
	expect_member(l, "org.opencontainers.image.created", CREATED_TEXT);
	expect_member(l, "org.opencontainers.image.title", "noa");
	expect_member(l, "org.crc.drop-id", "edge-1");
	expect_member(l, "org.crc.profile", "edge");
	expect_member(l, "org.crc.triple", triple);
	cr_assert_eq(crc_json_count(crc_json_get(j, "Layers")), 1);
	crc_json_free(j);
	free(out);
}

Test(image, skopeo_reads_each_architecture_and_umoci_unpacks_a_root_that_runs)
{
	struct fixture f;
	struct crc_image_result a;
	char cmd[2048];
	fixture_init(&f);
	write_image(&a, &f, "a", 0);
	inspect(f.work, "arm64", "aarch64-linux-gnu");
	inspect(f.work, "amd64", "x86_64-linux-gnu");
	/* Each target's manifest is named in index.json too, for umoci (which refuses the nested index's
	 * name as ambiguous); its program is the staged one, and runs from the unpacked root. */
	snprintf(
		cmd, sizeof cmd,
		"cd %s && umoci unpack --rootless --image a:edge-1-arm64 bundle-arm64 >/dev/null && "
		"cmp bundle-arm64/rootfs/usr/local/bin/prog hi-arm64 && "
		"cmp bundle-arm64/rootfs/lib/aarch64-linux-gnu/libc.so.6 /lib/aarch64-linux-gnu/libc.so.6 && "
		"test \"$(readlink bundle-arm64/rootfs/usr/local/prog)\" = bin/prog && "
		"test \"$(" RUN_ROOT "arm64 bundle-arm64/rootfs /usr/local/bin/prog)\" = hi",
		f.work);
	run(cmd);
	snprintf(cmd, sizeof cmd,
		 "cd %s && umoci unpack --rootless --image a:edge-1-amd64 bundle-amd64 >/dev/null && "
		 "cmp bundle-amd64/rootfs/usr/local/bin/prog hi-amd64 && "
		 "test \"$(" RUN_ROOT "amd64 bundle-amd64/rootfs /usr/local/bin/prog)\" = hi",
		 f.work);
	run(cmd);
	/* skopeo copies the amd64 image out of the nested index; its one layer is the one written. */
	snprintf(cmd, sizeof cmd,
		 "cd %s && skopeo copy -q --override-arch amd64 oci:a:edge-1 dir:copied && "
		 "cmp copied/%s a/blobs/sha256/%s",
		 f.work, a.targets[1].layer, a.targets[1].layer);
	run(cmd);
	crc_image_result_free(&a);
	rm_rf(f.work);
}

/* Every refusal of crc_image_write, with its message, before anything is written. */
Test(image, write_refuses_bad_arguments)
{
	char work[] = "/tmp/crc-image-bad-XXXXXX", dir[128], root[128], file[128];
	struct crc_image_result r;
	struct crc_error err;
	cr_assert_not_null(mkdtemp(work));
	snprintf(dir, sizeof dir, "%s/img", work);
	snprintf(root, sizeof root, "%s/root", work);
	snprintf(file, sizeof file, "%s/file", work);
	cr_assert_eq(mkdir(root, 0755), 0);
	put(work, "file", "x", 0644);
	struct crc_image_target t[2] = {
		{"aarch64-linux-gnu", "arm64", "v8", root},
		{"x86_64-linux-gnu", "amd64", NULL, root},
	};
	struct crc_image_options o = options;
	const struct {
		const char *drop_id, *arch, *variant, *rootfs, *entrypoint;
		long long created;
		size_t n;
		const char *msg;
	} cases[] = {
		{"", "arm64", "v8", root, "/p", 0, 1,
		 "drop id '' cannot name an OCI image (letters and digits in runs separated by one of "
		 "'-._:@+' or by '--')"},
		{"-edge", "arm64", "v8", root, "/p", 0, 1,
		 "drop id '-edge' cannot name an OCI image (letters and digits in runs separated by one of "
		 "'-._:@+' or by '--')"},
		{"a..b", "arm64", "v8", root, "/p", 0, 1,
		 "drop id 'a..b' cannot name an OCI image (letters and digits in runs separated by one of "
		 "'-._:@+' or by '--')"},
		{"edge-1", "riscv64", NULL, root, "/p", 0, 1,
		 "image: aarch64-linux-gnu: unknown architecture 'riscv64' (amd64 or arm64)"},
		{"edge-1", "arm64", "v7", root, "/p", 0, 1,
		 "image: aarch64-linux-gnu: variant 'v7' (only v8, for arm64, or none)"},
		{"edge-1", "arm64", "v8", file, "/p", 0, 1,
		 "image: aarch64-linux-gnu: the root file system FILE is not a directory"},
		{"edge-1", "arm64", "v8", root, "bin/noa", 0, 1,
		 "image: the entrypoint 'bin/noa' is not an absolute path"},
		{"edge-1", "arm64", "v8", root, "/p", -1, 1,
		 "image: created -1 is out of range (0 to 8^11 - 1)"},
		{"edge-1", "arm64", "v8", root, "/p", 0, 0, "image: 0 targets (1 to 16)"},
		{"edge-1", "amd64", NULL, root, "/p", 0, 2,
		 "image: x86_64-linux-gnu and x86_64-linux-gnu are both amd64 (one target per architecture)"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char want[512];
		const char *at = strstr(cases[i].msg, "FILE");
		if (at)
			snprintf(want, sizeof want, "%.*s%s%s", (int)(at - cases[i].msg), cases[i].msg, file,
				 at + 4);
		else
			snprintf(want, sizeof want, "%s", cases[i].msg);
		o.drop_id = cases[i].drop_id;
		o.entrypoint = cases[i].entrypoint;
		o.created = cases[i].created;
		t[0].architecture = cases[i].arch;
		t[0].variant = cases[i].variant;
		t[0].rootfs = cases[i].rootfs;
		if (cases[i].n == 2) {
			t[0] = t[1];
		}
		cr_assert_eq(crc_image_write(&r, dir, t, cases[i].n, &o, &err), CRC_EINVALID, "case %zu", i);
		cr_assert_str_eq(err.msg, want, "case %zu", i);
		cr_assert_eq(r.nfiles, 0);
		cr_assert_eq(access(dir, F_OK), -1, "nothing written");
		t[0] = (struct crc_image_target){"aarch64-linux-gnu", "arm64", "v8", root};
	}
	o = options;
	o.profile = "";
	cr_assert_eq(crc_image_write(&r, dir, t, 1, &o, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "image: the profile must be a non-empty line of text");
	o = options;
	o.source = "https://example.com/\nx";
	cr_assert_eq(crc_image_write(&r, dir, t, 1, &o, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg,
			 "image: revision, source and title must be lines of text (\"\" when unknown)");
	o.source = NULL;
	cr_assert_eq(crc_image_write(&r, dir, t, 1, &o, &err), CRC_EINVALID);
	cr_assert_eq(crc_image_write(&r, dir, t, CRC_IMAGE_MAX_TARGETS + 1, &options, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "image: 17 targets (1 to 16)");
	t[0].triple = NULL;
	cr_assert_eq(crc_image_write(&r, dir, t, 1, &options, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "image: target 0 has no triple");
	t[0].triple = "aarch64-linux-gnu";
	cr_assert_eq(access(dir, F_OK), -1, "nothing written");
	/* An existing directory is left alone. */
	o = options;
	cr_assert_eq(mkdir(dir, 0755), 0);
	cr_assert_eq(crc_image_write(&r, dir, t, 1, &o, &err), CRC_EIO);
	char want[256];
	snprintf(want, sizeof want, "cannot create %s: File exists", dir);
	cr_assert_str_eq(err.msg, want);
	cr_assert_eq(access(dir, F_OK), 0);
	crc_image_result_free(NULL);
	rm_rf(work);
}

/* An empty root writes (a layer of no entries); a rootfs holding a fifo is the archive writer's refusal,
 * and nothing is left of the layout. */
Test(image, write_failure_leaves_nothing)
{
	char work[] = "/tmp/crc-image-fail-XXXXXX", dir[128], root[128], fifo[160];
	struct crc_image_result r;
	struct crc_error err;
	cr_assert_not_null(mkdtemp(work));
	snprintf(dir, sizeof dir, "%s/img", work);
	snprintf(root, sizeof root, "%s/root", work);
	cr_assert_eq(mkdir(root, 0755), 0);
	struct crc_image_target t[] = {{"x86_64-linux-gnu", "amd64", NULL, root}};
	struct crc_image_options o = options;
	o.revision = o.source = o.title = "";
	cr_assert_eq(crc_image_write(&r, dir, t, 1, &o, &err), 0, "%s", err.msg);
	char cmd[256];
	snprintf(cmd, sizeof cmd,
		 "grep -l '\"org.opencontainers.image.source\":\"\"' %s/blobs/sha256/* | wc -l", dir);
	char *out = capture(cmd);
	cr_assert_str_eq(out, "3\n",
			 "an empty source label or annotation when it is \"\" (config, manifest, index)");
	free(out);
	crc_image_result_free(&r);
	rm_rf(dir);
	snprintf(fifo, sizeof fifo, "%s/pipe", root);
	cr_assert_eq(mkfifo(fifo, 0644), 0);
	cr_assert_eq(crc_image_write(&r, dir, t, 1, &o, &err), CRC_EINVALID);
	cr_assert(strstr(err.msg, "pipe"), "%s", err.msg);
	cr_assert_eq(access(dir, F_OK), -1, "the layout is removed");
	cr_assert_eq(r.nfiles, 0);
	rm_rf(work);
}

Test(image, stage_copies_the_tree_and_the_host_files)
{
	struct fixture f;
	char inst[512], root[512], cmd[2048];
	struct crc_error err;
	fixture_init(&f);
	make_installed(inst, sizeof inst, f.work, "inst", f.arm64_prog, 1);
	snprintf(root, sizeof root, "%s/root", f.work);
	cr_assert_eq(crc_image_stage_rootfs(root, inst, arm64_files, 2, &err), 0, "%s", err.msg);
	/* The loader 0755, libraries 0644 as regular files, the tree's modes normalized, its symlink kept. */
	snprintf(cmd, sizeof cmd,
		 "cd %s && stat -c '%%a %%F %%n' lib lib/ld-linux-aarch64.so.1 "
		 "lib/aarch64-linux-gnu/libc.so.6 "
		 "usr usr/local usr/local/bin/prog usr/local/share/doc/README usr/local/prog",
		 root);
	char *out = capture(cmd);
	cr_assert_str_eq(out, "755 directory lib\n"
			      "755 regular file lib/ld-linux-aarch64.so.1\n"
			      "644 regular file lib/aarch64-linux-gnu/libc.so.6\n"
			      "755 directory usr\n"
			      "755 directory usr/local\n"
			      "755 regular file usr/local/bin/prog\n"
			      "644 regular file usr/local/share/doc/README\n"
			      "777 symbolic link usr/local/prog\n");
	free(out);
	snprintf(cmd, sizeof cmd, "cmp %s/lib/ld-linux-aarch64.so.1 /lib/ld-linux-aarch64.so.1", root);
	run(cmd);
	/* The root must not exist. */
	cr_assert_eq(crc_image_stage_rootfs(root, inst, arm64_files, 2, &err), CRC_EIO);
	char want[1024];
	snprintf(want, sizeof want, "cannot create %s: File exists", root);
	cr_assert_str_eq(err.msg, want);
	rm_rf(f.work);
}

Test(image, stage_refuses_with_messages_and_leaves_nothing)
{
	char work[] = "/tmp/crc-image-st-XXXXXX", inst[128], root[128], want[512];
	struct crc_error err;
	cr_assert_not_null(mkdtemp(work));
	snprintf(inst, sizeof inst, "%s/inst", work);
	snprintf(root, sizeof root, "%s/root", work);
	cr_assert_eq(mkdir(inst, 0755), 0);
	put(inst, "a", "a", 0644);
	const struct {
		struct crc_image_file f[2];
		size_t n;
		int code;
		const char *msg;
	} cases[] = {
		{{{"/lib/nonexistent/libz.so.1", "zlib1g"}},
		 1,
		 CRC_ENOTFOUND,
		 "image file /lib/nonexistent/libz.so.1 is missing: install the Debian package 'zlib1g'"},
		{{{"lib/libc.so.6", "libc6"}},
		 1,
		 CRC_EINVALID,
		 "image file 'lib/libc.so.6' is not an absolute path"},
		{{{"/lib/../etc/passwd", "x"}},
		 1,
		 CRC_EINVALID,
		 "image file '/lib/../etc/passwd' is not a normalized path (empty, '.' or '..' component)"},
		{{{"/usr/local/bin/prog", "x"}},
		 1,
		 CRC_EINVALID,
		 "image file '/usr/local/bin/prog' lies where the installed tree goes (/usr/local)"},
		{{{"/etc/hostname", "x"}, {"/etc/hostname", "x"}},
		 2,
		 CRC_EINVALID,
		 "image file '/etc/hostname' is listed twice"},
		{{{"/lib", "libc6"}}, 1, CRC_EINVALID, "image file /lib is not a regular file"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cr_assert_eq(crc_image_stage_rootfs(root, inst, cases[i].f, cases[i].n, &err), cases[i].code,
			     "case %zu: %s", i, err.msg);
		cr_assert_str_eq(err.msg, cases[i].msg, "case %zu", i);
		cr_assert_eq(access(root, F_OK), -1, "case %zu: nothing left", i);
	}
	/* The installed tree must be a directory holding directories, files and relative symlinks only. */
	snprintf(want, sizeof want, "%s/a", inst);
	cr_assert_eq(crc_image_stage_rootfs(root, want, NULL, 0, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "the installed tree is not a directory");
	cr_assert_str_eq(err.path, want);
	char link[256];
	snprintf(link, sizeof link, "%s/abs", inst);
	cr_assert_eq(symlink("/etc/passwd", link), 0);
	cr_assert_eq(crc_image_stage_rootfs(root, inst, NULL, 0, &err), CRC_EINVALID);
	snprintf(want, sizeof want, "%s: symlink to '/etc/passwd': ", link);
	cr_assert_eq(strncmp(err.msg, want, strlen(want)), 0, "%s", err.msg);
	cr_assert_eq(access(root, F_OK), -1);
	rm_rf(work);
}

/* The shipped toolchains' image_files are enough for a program that needs libc, libm and libyaml: staged
 * from the toolchain's lists, the aarch64 one runs under qemu-aarch64 -L <root> with the host's arm64
 * files hidden (Debian's multiarch loader and libraries together) and the amd64 one in a chroot of the
 * root. */
static void toolchain_root_runs(const char *triple, const char *compiler, const char *yaml_lib,
				const char *runner)
{
	char work[] = "/tmp/crc-image-tc-XXXXXX", cmd[4096], inst[128], root[128];
	struct crc_toolchain *tc;
	struct crc_error err;
	struct crc_image_file files[CRC_IMAGE_MAX_FILES];
	cr_assert_not_null(mkdtemp(work));
	cr_assert_eq(crc_toolchain_load(&tc, CRC_SOURCE_DIR, triple, &err), 0, "%s", err.msg);
	cr_assert_leq(tc->image_files.n, CRC_IMAGE_MAX_FILES);
	for (size_t i = 0; i < tc->image_files.n; i++)
		files[i] = (struct crc_image_file){tc->image_files.items[i], tc->image_packages.items[i]};
	snprintf(cmd, sizeof cmd,
		 "cd %s && mkdir -p inst/bin && printf '%%s\\n' '#include <math.h>' '#include <stdio.h>' "
		 "'const char *yaml_get_version_string(void);' 'volatile double x = 2.25;' "
		 "'int main(void){printf(\"hi %%g %%s\\n\", sqrt(x), yaml_get_version_string());return 0;}' "
		 "> y.c && %s -O2 -o inst/bin/prog y.c %s -lm",
		 work, compiler, yaml_lib);
	run(cmd);
	snprintf(inst, sizeof inst, "%s/inst", work);
	snprintf(root, sizeof root, "%s/root", work);
	cr_assert_eq(crc_image_stage_rootfs(root, inst, files, tc->image_files.n, &err), 0, "%s", err.msg);
	snprintf(cmd, sizeof cmd, "cd %s && %s", work, runner);
	char *out = capture(cmd);
	cr_assert_str_eq(out, "hi 1.5 0.2.5\n");
	free(out);
	crc_toolchain_free(tc);
	rm_rf(work);
}

Test(image, shipped_aarch64_image_files_make_a_root_that_runs)
{
	toolchain_root_runs("aarch64-linux-gnu", "aarch64-linux-gnu-gcc",
			    "/usr/lib/aarch64-linux-gnu/libyaml-0.so.2",
			    RUN_ROOT "arm64 root /usr/local/bin/prog");
}

Test(image, shipped_x86_64_image_files_make_a_root_that_runs)
{
	toolchain_root_runs("x86_64-linux-gnu", "gcc", "/usr/lib/x86_64-linux-gnu/libyaml-0.so.2",
			    RUN_ROOT "amd64 root /usr/local/bin/prog");
}
