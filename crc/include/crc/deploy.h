/* Installing one target of a verified drop into a deploy directory, atomically, and rolling back. A deploy
 * directory DIR holds:
 *   DIR/releases/<drop-id>/        one extracted release per drop, checked entry by entry against the
 * manifest DIR/current -> releases/<id>   a relative symlink, only ever replaced by rename(2)
 *   DIR/.crc-deploy.lock           a flock held by whoever changes DIR
 *   DIR/.crc-deploy.state          the deployment history (text, crc.deploy-state/v1), replaced by rename(2)
 * A release is extracted into DIR/releases/.tmp-<id>-<pid>, checked again from disk, fsync'ed, and only then
 * renamed into place; current is switched by renaming a new symlink (DIR/.current-<pid>) over it. So a run
 * killed at any moment leaves current at a whole, verified release (or absent when there never was one);
 * the next run removes its leftovers under the lock.
 *
 * History works like Capistrano's: releases in the order they were deployed, the last one current.
 * Deploying appends the drop (moving it to the end when it was deployed before); rolling back switches
 * current to the release before it and drops the current one from the history, so a second rollback goes
 * further back, never forth again. Releases dropped from the history stay on disk until the next deploy
 * prunes them. The state file records the history before and after each change, so that an interrupted
 * change is resolved by whichever of the two the current symlink matches. */
#ifndef CRC_DEPLOY_H
#define CRC_DEPLOY_H

#include <stddef.h>

#include "crc/error.h"
#include "crc/manifest.h"

#define CRC_DEPLOY_PATH_MAX 4096
/* Release ids are drop ids: [A-Za-z0-9._-], 1 to 128 characters, not "." or "..". */
#define CRC_DEPLOY_ID_MAX 128
/* Most releases a history holds, and bytes of the state file. */
#define CRC_DEPLOY_MAX_HISTORY 10000
#define CRC_DEPLOY_MAX_STATE ((size_t)1 << 20)

/* One release id (a fixed-size string, so that lists of them are one allocation). */
struct crc_deploy_id {
	char s[CRC_DEPLOY_ID_MAX + 1];
};

struct crc_deploy_options {
	/* The drop's directory (the archive is read from there) and its parsed manifest; the CLI has verified
	 * the drop before. */
	const char *drop_dir;
	const struct crc_manifest *manifest;
	/* The target triple whose artifact is installed. */
	const char *target;
	/* The deploy directory; created (with its parents) when missing. */
	const char *dir;
	/* Releases kept before the current one; at least 1 is always kept, the one rollback goes to. */
	unsigned keep;
	/* Called (when not NULL) before waiting for the lock another crc holds, so that the CLI can say so.
	 */
	void (*busy)(void *ctx);
	void *ctx;
	/* The artifact's descriptor as the verification read it (crc_verify_options.hold_target), borrowed:
	 * the archive is extracted from it (from its start), so that what is installed is what was checked;
	 * NULL to open drop_dir/<artifact> here instead. */
	const int *archive_fd;
};

/* What a deploy did; owned by the caller, freed with crc_deploy_result_free. */
struct crc_deploy_result {
	/* The release now current, and its directory (DIR/releases/<id>). */
	char id[CRC_DEPLOY_ID_MAX + 1];
	char release[CRC_DEPLOY_PATH_MAX];
	/* What current pointed to before ("" when nothing was deployed; id itself on a redeploy). */
	char previous[CRC_DEPLOY_ID_MAX + 1];
	/* The release directory existed already, was checked against the manifest and reused. */
	int reused;
	/* current already pointed to this release. */
	int unchanged;
	/* Leftovers of killed runs removed before starting (staging directories, temporary files and links).
	 */
	int leftovers_removed;
	/* Releases removed by pruning: older history first, then releases outside the history, by name. */
	size_t npruned;
	struct crc_deploy_id *pruned;
};

/* Installs o->target's archive of the drop into o->dir and makes it current (see the top of this file),
 * then prunes releases beyond o->keep. Under the lock (blocking): leftovers removed; the drop id and the
 * artifact's entries validated (CRC_EINVALID); the artifact looked up (CRC_ENOTFOUND "no artifact for
 * target T in drop X (it has: a, b)"); the archive (*o->archive_fd, else opened without following a
 * symlink or blocking, a regular file only) read once by crc_archive_extract into a staging directory that
 * only this user can enter (0700 until it is checked), its size checked first and its SHA-256 at the end.
 * Every entry is checked before it is written: an absolute path, '..', a hard link, a device, fifo or
 * socket, a symlink leaving the tree, an entry twice, one not in the manifest or differing from it (type,
 * mode, size, link) is CRC_EVERIFY naming the entry (path: the archive); a file's content is checked
 * right after it is written. The extracted tree is then read back without following symlinks and must be
 * exactly the manifest's (CRC_EVERIFY, path: the tree), and the directory renamed into place must be the
 * one extracted and checked (a directory swapped in by someone else is CRC_EVERIFY, and current is not
 * switched). An existing release of the same id is checked the
 * same way and reused, or refused (CRC_EVERIFY) when it differs. OS errors name their path. On any failure
 * before the switch current is unchanged and nothing is left behind. A failure to remove a pruned release
 * comes after the switch: the error says that the release was deployed, and res is filled. The working
 * directory is never changed. res need not be initialised; on an error before the switch it is empty. */
int crc_deploy_install(struct crc_deploy_result *res, const struct crc_deploy_options *o,
		       struct crc_error *err);

/* Frees what res holds and empties it. Accepts NULL and a zeroed result. */
void crc_deploy_result_free(struct crc_deploy_result *res);

struct crc_deploy_rollback_result {
	/* The release current was, and the one it is now (with its directory). */
	char from[CRC_DEPLOY_ID_MAX + 1];
	char to[CRC_DEPLOY_ID_MAX + 1];
	char release[CRC_DEPLOY_PATH_MAX];
	int leftovers_removed;
};

/* Under dir's lock, switches current atomically to the release deployed before it, and drops the current
 * one from the history (its directory stays until the next deploy prunes it). CRC_ENOTFOUND when dir does
 * not exist, when nothing is deployed there, and "no earlier release to roll back to" when the current
 * release is the first of the history. busy and ctx as in crc_deploy_options. */
int crc_deploy_rollback(struct crc_deploy_rollback_result *res, const char *dir, void (*busy)(void *ctx),
			void *ctx, struct crc_error *err);

/* What a deploy directory holds; owned by the caller, freed with crc_deploy_status_free. */
struct crc_deploy_status {
	/* The current release, or "" when nothing is deployed. */
	char current[CRC_DEPLOY_ID_MAX + 1];
	/* The history, oldest first (the last one is current): where rollbacks go, in reverse. */
	size_t nreleases;
	struct crc_deploy_id *releases;
	/* Release directories outside the history (rolled back from, or left by a killed run), by name; the
	 * next deploy prunes them. */
	size_t nstray;
	struct crc_deploy_id *stray;
};

/* Reads the state of dir without taking the lock or changing anything. CRC_ENOTFOUND when dir does not
 * exist; CRC_EINVALID when current or the state file is not what crc writes. */
int crc_deploy_status(struct crc_deploy_status *st, const char *dir, struct crc_error *err);

/* Frees what st holds and empties it. Accepts NULL and a zeroed status. */
void crc_deploy_status_free(struct crc_deploy_status *st);

/* The two histories a state file records (the text the state parser accepts); owned by the caller, freed
 * with crc_deploy_state_free. */
struct crc_deploy_state {
	/* The history after the last change ("release <id>" lines), oldest first: the last one is current. */
	size_t nreleases;
	struct crc_deploy_id *releases;
	/* The history before it ("before <id>" lines), which an interrupted change falls back to. */
	size_t nbefore;
	struct crc_deploy_id *before;
};

/* Parses len bytes of state file text (not NUL-terminated; path names it in errors, with the 1-based
 * line): the line "crc.deploy-state/v1", then "release <id>" and "before <id>" lines in any order, each
 * ending in '\n'. CRC_EINVALID for more than CRC_DEPLOY_MAX_STATE bytes, an empty text, another first line,
 * a last line without its newline, a line over CRC_DEPLOY_ID_MAX + 15 bytes or holding a NUL, any other
 * line, an id that is not a release id, an id twice in one list, and more than CRC_DEPLOY_MAX_HISTORY ids
 * in one list; CRC_ENOMEM. Pure. st need not be initialised; on failure it is empty. */
int crc_deploy_state_parse(struct crc_deploy_state *st, const char *path, const char *text, size_t len,
			   struct crc_error *err);

/* Frees what st holds and empties it. Accepts NULL and a zeroed state. */
void crc_deploy_state_free(struct crc_deploy_state *st);

/* The target triple of a machine as uname(2) names it: x86_64 gives "x86_64-linux-gnu", aarch64 (or arm64)
 * "aarch64-linux-gnu"; anything else is CRC_ENOTFOUND naming the machine and saying to pass --target. The
 * triple is written into out (n bytes). Pure. */
int crc_deploy_triple_for_machine(char *out, size_t n, const char *machine, struct crc_error *err);

/* The target triple of this machine: crc_deploy_triple_for_machine of uname(2)'s machine. */
int crc_deploy_host_triple(char *out, size_t n, struct crc_error *err);

#endif
