/* A drop's manifest.yaml and SHA256SUMS (schema crc.manifest/v1, docs/manifest.md): writing them
 * byte-deterministically, and reading them back strictly, because deploy tooling trusts what they say.
 * manifest.yaml names the drop's source, settings, targets and smoke results, and pins every other file
 * of the drop by SHA-256 (the archives, with every entry inside them, and flags.txt). SHA256SUMS is the
 * same hashes in coreutils' format, for `sha256sum -c`. libyaml's emitter stays inside manifest.c; the
 * parser reads through the strict YAML reader (crc/yaml.h), whose caps apply first. */
#ifndef CRC_MANIFEST_H
#define CRC_MANIFEST_H

#include <stddef.h>

#include "crc/arena.h"
#include "crc/buf.h"
#include "crc/error.h"
#include "crc/strlist.h"

#define CRC_MANIFEST_SCHEMA "crc.manifest/v1"

/* Caps on one manifest: bytes (crc_manifest_parse and crc_manifest_load), entries over all artifacts,
 * targets, artifacts, and items in any other list (features, emulator). The YAML reader's node cap leaves
 * room for them. Every check across a list (a path or name listed twice, an entry inside a file or
 * symlink, a file below a file, an artifact's target) sorts it or searches a sorted copy: n log n. */
#define CRC_MANIFEST_MAX_BYTES ((size_t)64 << 20)
#define CRC_MANIFEST_MAX_ENTRIES 100000
#define CRC_MANIFEST_MAX_TARGETS 4096
#define CRC_MANIFEST_MAX_ARTIFACTS 4096
#define CRC_MANIFEST_MAX_LIST 4096
/* Files listed under "files" (SHA256SUMS holds them too, with the artifacts and metadata). */
#define CRC_MANIFEST_MAX_FILES 60000
/* Sizes are whole numbers up to 2^53, so that every JSON and YAML reader holds them exactly. */
#define CRC_MANIFEST_MAX_SIZE 9007199254740992ULL
/* Paths: bytes in a whole path (or symlink target), and in one component or file name. */
#define CRC_MANIFEST_MAX_PATH 4096
#define CRC_MANIFEST_MAX_NAME 255
/* Lines in one SHA256SUMS. */
#define CRC_MANIFEST_MAX_SUMS 65536
/* The YAML reader's caps on one manifest (nesting stays CRC_YAML_MAX_DEPTH): nodes, room for the most
 * entries (a mapping of five keys and values: 11 nodes each) and files, plus everything else; bytes of one
 * string (a path is at most CRC_MANIFEST_MAX_PATH). */
#define CRC_MANIFEST_MAX_NODES \
	((size_t)CRC_MANIFEST_MAX_ENTRIES * 12 + (size_t)CRC_MANIFEST_MAX_FILES * 8 + 100000)
#define CRC_MANIFEST_MAX_SCALAR ((size_t)64 << 10)

/* One member of an archive. */
struct crc_manifest_entry {
	/* Relative to the archive's root: no leading '/', no "." or ".." or empty components, no '\\'. */
	const char *path;
	/* 'f' (file), 'd' (directory) or 'l' (symlink); written as "file", "dir", "symlink". */
	char type;
	/* Permission bits, 0 to 0777 (written as a quoted octal string, "0755"). */
	unsigned mode;
	/* Files only: size in bytes and lower-case hex SHA-256; 0 and "" for the others. */
	unsigned long long size;
	const char *sha256;
	/* Symlinks only: the target, relative and inside the archive; "" for the others. */
	const char *link;
};

/* One archive of the drop: a target has one tarball, and a zip too when it is packaged for Lambda. */
struct crc_manifest_artifact {
	/* The file name in the drop: relative, no '/' at all, ends in "." + format. */
	const char *path;
	/* The triple of the target it was built for (one of the manifest's targets). */
	const char *target;
	/* "tar.zst" or "tar.gz" (the target's installed tree), or "zip" (its Lambda package). */
	const char *format;
	unsigned long long size;
	const char *sha256;
	/* Every member, in archive order. */
	size_t nentries;
	struct crc_manifest_entry *entries;
};

/* A file of the drop outside the archives and the metadata files, pinned one by one: the files of the OCI
 * image layout under image/ (docs/manifest.md, "files"). */
struct crc_manifest_file {
	/* Relative to the drop, '/'-separated, normalized (no "." or ".." or empty components, no '\\'). A
	 * path ending in "blobs/sha256/<64 hex>" must have that hash as its sha256. */
	const char *path;
	unsigned long long size;
	const char *sha256;
};

/* What the built program reported about itself (`noa version --json`, `noa target --json`) when run
 * through the target's emulator. When ok is 0 the strings may be "" (not reported). */
struct crc_manifest_smoke {
	int ok;
	const char *noa_version, *triple, *profile, *opt_level, *lto;
	struct crc_strlist features;
	const char *target_kind;
};

struct crc_manifest_target {
	const char *triple, *compiler, *compiler_version;
	/* "gcc" or "clang". */
	const char *dialect;
	/* The emulator's argv; empty when the target's programs run directly. */
	struct crc_strlist emulator;
	struct crc_manifest_smoke smoke;
	/* The optimize step's level and the program's size before and after it (wasm_opt: binaryen's
	 * wasm-opt); level NULL or "" for a target without one (the key is optional within v1). */
	struct {
		const char *level;
		unsigned long long size_before, size_after;
	} wasm_opt;
	/* The target's image in the drop's OCI image layout (image/, crc/image.h): its platform and the
	 * digests (64 lower-case hex) and sizes of its layer, config and image manifest, each of which the
	 * manifest's "files" lists as image/blobs/sha256/<hex>; diff_id is the uncompressed layer's. The
	 * multi-architecture index over the targets' images is a function of these (crc_image_render_index).
	 * architecture NULL or "" for a target without an image (the key is optional within v1). */
	struct {
		/* "amd64" or "arm64"; variant "v8" (arm64 only) or NULL/"". */
		const char *architecture, *variant;
		const char *layer_sha256, *diff_id, *config_sha256, *manifest_sha256;
		unsigned long long layer_size, config_size, manifest_size;
	} image;
};

struct crc_manifest {
	/* Owns everything below when the manifest was parsed or loaded; unused by crc_manifest_write. */
	struct crc_arena arena;
	const char *schema, *drop_id, *profile;
	/* RFC 3339 UTC, e.g. 2026-11-22T10:00:00Z: SOURCE_DATE_EPOCH, else the commit time. */
	const char *created;
	const char *crc_version;
	struct {
		/* The full commit id, or "" when the source is not a git checkout. */
		const char *commit;
		/* The runtime's files differ from the commit (always 0 without a commit). */
		int dirty;
		/* crc_source_tree_hash of runtime/. */
		const char *tree_sha256;
		/* Where the source can be fetched (crc_source_url_normalize: an https URL), or NULL/"" when
		 * unknown (optional within v1). */
		const char *url;
	} source;
	struct {
		/* As in profiles: "0".."3", "s", "z"; "off", "thin", "fat"; 1..256; booleans 0 or 1. */
		const char *opt_level, *lto;
		int codegen_units, strip, debug_info;
	} optimization;
	struct crc_strlist features;
	/* SHA-256 of flags.txt. */
	const char *flags_sha256;
	/* SHA-256 of provenance.json (crc/provenance.h), or "" (or NULL when writing) for a drop without one:
	 * the key is optional within v1, so drops written before it still parse. */
	const char *provenance_sha256;
	/* SHA-256 of template.yaml, the SAM template of a drop with Lambda packages (crc/lambda.h), or ""
	 * (or NULL when writing) for a drop without one. Optional within v1. */
	const char *template_sha256;
	size_t ntargets;
	struct crc_manifest_target *targets;
	size_t nartifacts;
	struct crc_manifest_artifact *artifacts;
	/* Optional within v1: none in drops without an image (nfiles 0). */
	size_t nfiles;
	struct crc_manifest_file *files;
};

/* Appends m as manifest.yaml text to out: block style, keys in the order docs/manifest.md lists,
 * targets, artifacts and entries in the given order, strings plain only where no YAML reader could
 * take them for anything else. The same m gives the same bytes. m is checked first against every rule
 * the parser enforces (so the text always parses back to m); on failure (CRC_EINVALID with the field,
 * e.g. "artifacts[0].sha256 must be 64 lower-case hex digits"; CRC_ENOMEM) out is left as it was. */
int crc_manifest_write(struct crc_buf *out, const struct crc_manifest *m, struct crc_error *err);

/* Parses the len bytes at text as a manifest; path names them in errors (path:line:col). On success *out
 * is owned by the caller (crc_manifest_free) and everything in it lives in its arena; on failure *out is
 * NULL. An unknown schema is CRC_EINVALID "unsupported manifest schema 'x' (this crc reads
 * crc.manifest/v1)"; keys the schema does not name are ignored (fields are added within v1). */
int crc_manifest_parse(struct crc_manifest **out, const char *path, const char *text, size_t len,
		       struct crc_error *err);

/* Reads the file at path (O_NOFOLLOW: a symlink is refused; at most CRC_MANIFEST_MAX_BYTES) and parses
 * it. A missing file is CRC_ENOTFOUND, an unreadable one CRC_EIO. */
int crc_manifest_load(struct crc_manifest **out, const char *path, struct crc_error *err);

/* Frees a parsed manifest. Accepts NULL. */
void crc_manifest_free(struct crc_manifest *m);

/* The artifact a deploy of target installs: the target's archive of its installed tree (tar.zst or
 * tar.gz), never its Lambda package (zip); NULL when the manifest has none. Borrowed from m. */
const struct crc_manifest_artifact *crc_manifest_installable(const struct crc_manifest *m,
							     const char *target);

/* One line of a SHA256SUMS file. */
struct crc_manifest_sum {
	const char *name;
	/* 64 lower-case hex digits. */
	const char *sha256;
	/* The line used the '*' (binary) marker instead of a second space. */
	int binary;
	/* 1-based line number, for messages. */
	int line;
};

struct crc_manifest_sums {
	/* Owns the items and their strings. */
	struct crc_arena arena;
	/* In file order. */
	size_t n;
	struct crc_manifest_sum *items;
};

/* Appends SHA256SUMS text to out: "<sha256>  <name>\n" for each of the n files, sorted by name (bytes).
 * Names are paths relative to the drop, as manifest "files" has them (normalized: no leading '/', no
 * "." or ".." or empty components, no '\\', no control characters, so no '\n').
 * Errors (CRC_EINVALID for a bad name or hash or a name listed twice, CRC_ENOMEM) leave out as it was. */
int crc_manifest_sha256sums(struct crc_buf *out, const char *const *names, const char *const *sha256s,
			    size_t n, struct crc_error *err);

/* Parses SHA256SUMS text strictly: every line exactly "<64 lower-case hex><two spaces, or ' *'><name>\n"
 * with a name as above, no blank lines, no CR, no name twice, at least one line. Errors are CRC_EINVALID
 * with path:line. On success *out is owned by the caller (crc_manifest_sums_free). */
int crc_manifest_parse_sha256sums(struct crc_manifest_sums **out, const char *path, const char *text,
				  size_t len, struct crc_error *err);

/* Frees parsed SHA256SUMS. Accepts NULL. */
void crc_manifest_sums_free(struct crc_manifest_sums *s);

#endif
