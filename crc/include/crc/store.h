/* Drops in storage: <storage>/<profile>/<drop-id>/. A drop is assembled in a hidden temporary directory
 * in its profile's folder (.tmp-<drop-id>-<pid>) and renamed into place only when complete, so a drop
 * directory is always whole. Builds on one storage are serialized by a lock file (<storage>/.crc.lock,
 * a flock that the build's processes inherit, so that a killed crc holds it until its last orphaned
 * compiler exits); whoever holds it removes the leftovers of killed builds (.tmp-* and .old-* in the
 * profile's folder). Listing reads each drop's manifest.yaml for its date and targets; garbage collection
 * removes a drop by renaming it to a hidden .old-<id>-<pid> first, so that readers see a drop whole or
 * not at all. A profile's pin file (<storage>/<profile>/.pins: one drop id per line, '#' starts a
 * comment) names drops that garbage collection keeps. */
#ifndef CRC_STORE_H
#define CRC_STORE_H

#include <stddef.h>

#include "crc/arena.h"
#include "crc/error.h"

#define CRC_STORE_PATH_MAX 4096
/* The storage's lock file, <storage>/.crc.lock; its presence marks a directory as a storage. */
#define CRC_STORE_LOCK_NAME ".crc.lock"

struct crc_store {
	/* <storage>/<profile> */
	char dir[CRC_STORE_PATH_MAX];
	int lock_fd;
	/* Leftovers of killed builds removed when the store was opened. */
	int leftovers_removed;
};

/* Creates <storage>/<profile> if needed, takes the storage's lock (calling busy(ctx) first when another
 * crc holds it, then waiting), and removes leftovers. */
int crc_store_open(struct crc_store *s, const char *storage, const char *profile, void (*busy)(void *ctx),
		   void *ctx, struct crc_error *err);

/* Releases the lock. */
void crc_store_close(struct crc_store *s);

/* The drop's directory into out; whether it exists (1), not (0). */
int crc_store_drop_path(char out[CRC_STORE_PATH_MAX], const struct crc_store *s, const char *drop_id,
			struct crc_error *err);
int crc_store_drop_exists(const struct crc_store *s, const char *drop_id);

/* Creates the temporary directory a drop is assembled in. */
int crc_store_begin(char tmp[CRC_STORE_PATH_MAX], const struct crc_store *s, const char *drop_id,
		    struct crc_error *err);

/* Syncs everything in tmp and renames it to the drop's directory. An existing drop is an error
 * (CRC_EINVALID) unless replace, which swaps them atomically and removes the old one. */
int crc_store_publish(const struct crc_store *s, const char *tmp, const char *drop_id, int replace,
		      struct crc_error *err);

/* Removes a temporary directory after a failure (errors are ignored: the next open cleans up). */
void crc_store_abort(const char *tmp);

/* Caps: drops (and leftovers) listed in one storage, bytes of a pin file, ids in it. */
#define CRC_STORE_MAX_DROPS 100000
#define CRC_STORE_PINS_MAX_BYTES ((size_t)1 << 20)
#define CRC_STORE_MAX_PINS 10000

/* What a directory in a profile's folder holds. */
enum crc_store_state {
	/* A drop whose manifest.yaml parses and names this drop and profile. */
	CRC_STORE_COMPLETE,
	/* A drop whose manifest.yaml is missing or malformed (problem says why). */
	CRC_STORE_BROKEN,
	/* A .tmp-* or .old-* directory left by a killed build (or gc): removed by the next store open. */
	CRC_STORE_LEFTOVER,
	/* A .tmp-* or .old-* directory while another crc holds the storage's lock: a build is running. */
	CRC_STORE_BUILDING,
};

/* What garbage collection does with an entry (crc_store_gc_select). */
enum crc_store_gc_action {
	CRC_STORE_GC_KEEP,
	/* Beyond the newest N, kept because .pins names it. */
	CRC_STORE_GC_KEEP_PINNED,
	CRC_STORE_GC_REMOVE,
};

/* One directory of a profile's folder. Strings belong to the list. */
struct crc_store_entry {
	const char *profile;
	/* The directory's name: the drop id, or .tmp-…/.old-… for a leftover. */
	const char *id;
	/* <storage>/<profile>/<id> */
	const char *dir;
	/* The manifest's created (RFC 3339) and target triples; "" and none unless complete. */
	const char *created;
	size_t ntargets;
	const char **targets;
	/* Bytes of the regular files directly in the directory (drops are flat). */
	unsigned long long size;
	/* manifest.yaml.sig exists; the profile's .pins names the id. */
	int is_signed, pinned;
	enum crc_store_state state;
	/* Broken only: the problem with manifest.yaml, as one line (file:line:col: message). */
	const char *problem;
	/* Set by crc_store_gc_select. */
	enum crc_store_gc_action action;
};

/* The drops of a storage; owned by the caller, freed with crc_store_list_free. */
struct crc_store_list {
	/* Owns the strings. */
	struct crc_arena arena;
	/* By profile name; within a profile the drops newest first (manifest created, then id, both
	 * descending; broken drops, which have no date, after the dated ones), then the leftovers by name. */
	size_t n;
	struct crc_store_entry *entries;
};

/* Lists the drops in <storage>/<profile> (profile NULL: every profile folder under storage whose name is
 * a valid drop id; a missing storage or folder lists nothing). Only directories count; hidden names
 * other than .tmp-* and .old-* are ignored. Leftovers are CRC_STORE_BUILDING when another process holds
 * <storage>/.crc.lock (tried without waiting). Pins are read from each profile's .pins: a malformed one is
 * CRC_EINVALID with file:line. *out is NULL on failure. */
int crc_store_list(struct crc_store_list **out, const char *storage, const char *profile,
		   struct crc_error *err);

/* Frees a list. Accepts NULL. */
void crc_store_list_free(struct crc_store_list *l);

/* Sets each entry's action for keeping the newest keep drops (complete or broken, in list order) of every
 * profile: the others are removed unless pinned. Leftovers are removed, except while a build runs. */
void crc_store_gc_select(struct crc_store_list *l, size_t keep);

/* Removes drop_id from the store (opened, so under the lock) as readers can see it: renamed to a hidden
 * .old-<id>-<pid> in one step, then its tree removed (a killed gc leaves only the .old-* leftover, which
 * the next open removes). CRC_ENOTFOUND when there is no such drop. */
int crc_store_remove_drop(const struct crc_store *s, const char *drop_id, struct crc_error *err);

/* A profile's pin file, parsed. */
struct crc_store_pins {
	/* Owns the ids. */
	struct crc_arena arena;
	/* In file order, duplicates kept. */
	size_t n;
	const char **ids;
	/* The same n ids in byte order, for crc_store_pins_has's binary search (gc asks once per drop). */
	const char **sorted;
};

/* Parses pin file text: per line, everything from '#' on is a comment, blanks around the id are ignored,
 * an empty line is skipped, and anything else must be a valid drop id (crc_plan_check_drop_id); errors
 * are CRC_EINVALID with path:line. *out is owned by the caller (crc_store_pins_free). */
int crc_store_pins_parse(struct crc_store_pins **out, const char *path, const char *text, size_t len,
			 struct crc_error *err);

/* Reads and parses <profile_dir>/.pins; a missing file is an empty list. */
int crc_store_pins_load(struct crc_store_pins **out, const char *profile_dir, struct crc_error *err);

/* Whether pins names drop_id (pins may be NULL): a binary search, log n. */
int crc_store_pins_has(const struct crc_store_pins *pins, const char *drop_id);

/* Frees pins. Accepts NULL. */
void crc_store_pins_free(struct crc_store_pins *pins);

/* Adds drop_id to the store's .pins (pin) or removes every line naming it (!pin), keeping the other lines
 * and comments as they are; the file is replaced atomically (a temporary file renamed over it). The store
 * must be open (so the lock is held). *changed says whether the file had to change. */
int crc_store_pin(const struct crc_store *s, const char *drop_id, int pin, int *changed,
		  struct crc_error *err);

#endif
