/* Drops in storage: <storage>/<profile>/<drop-id>/. A drop is assembled in a hidden temporary directory
 * in its profile's folder (.tmp-<drop-id>-<pid>) and renamed into place only when complete, so a drop
 * directory is always whole. Builds on one storage are serialized by a lock file (<storage>/.crc.lock,
 * a flock that the build's processes inherit, so that a killed crc holds it until its last orphaned
 * compiler exits); whoever holds it removes the leftovers of killed builds (.tmp-* and .old-* in the
 * profile's folder). */
#ifndef CRC_STORE_H
#define CRC_STORE_H

#include "crc/error.h"

#define CRC_STORE_PATH_MAX 4096

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

#endif
