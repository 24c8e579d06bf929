/* Drops in storage (see crc/store.h). */
#include "crc/store.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc/os.h"

static int join(char *out, size_t size, const char *a, const char *b, struct crc_error *err)
{
	int w = snprintf(out, size, "%s/%s", a, b);
	if (w < 0 || (size_t)w >= size)
		return crc_err(err, CRC_EINVALID, "path too long: %s/%s", a, b);
	return 0;
}

/* Removes .tmp-* and .old-* directories: assembled drops of builds that were killed. */
static int remove_leftovers(struct crc_store *s, struct crc_error *err)
{
	DIR *d = opendir(s->dir);
	if (!d)
		return crc_err_os(err, "cannot list", s->dir, errno);
	int rc = 0;
	for (struct dirent *e; !rc && (e = readdir(d)) != NULL;) {
		if (strncmp(e->d_name, ".tmp-", 5) != 0 && strncmp(e->d_name, ".old-", 5) != 0)
			continue;
		char path[CRC_STORE_PATH_MAX];
		if (!(rc = join(path, sizeof path, s->dir, e->d_name, err)) &&
		    !(rc = crc_os_remove_tree(path, err)))
			s->leftovers_removed++;
	}
	closedir(d);
	return rc;
}

int crc_store_open(struct crc_store *s, const char *storage, const char *profile, void (*busy)(void *ctx),
		   void *ctx, struct crc_error *err)
{
	char lock[CRC_STORE_PATH_MAX];
	memset(s, 0, sizeof *s);
	s->lock_fd = -1;
	int rc = join(s->dir, sizeof s->dir, storage, profile, err);
	if (rc || (rc = crc_os_mkdirs(s->dir, err)) ||
	    (rc = join(lock, sizeof lock, storage, ".crc.lock", err)) ||
	    (rc = crc_os_lock(&s->lock_fd, lock, busy, ctx, err)))
		return rc;
	if ((rc = remove_leftovers(s, err))) {
		crc_store_close(s);
		return rc;
	}
	return 0;
}

void crc_store_close(struct crc_store *s)
{
	crc_os_unlock(s->lock_fd);
	s->lock_fd = -1;
}

int crc_store_drop_path(char out[CRC_STORE_PATH_MAX], const struct crc_store *s, const char *drop_id,
			struct crc_error *err)
{
	return join(out, CRC_STORE_PATH_MAX, s->dir, drop_id, err);
}

int crc_store_drop_exists(const struct crc_store *s, const char *drop_id)
{
	char path[CRC_STORE_PATH_MAX];
	struct stat st;
	return crc_store_drop_path(path, s, drop_id, NULL) == 0 && lstat(path, &st) == 0;
}

int crc_store_begin(char tmp[CRC_STORE_PATH_MAX], const struct crc_store *s, const char *drop_id,
		    struct crc_error *err)
{
	char name[256];
	int w = snprintf(name, sizeof name, ".tmp-%s-%ld", drop_id, (long)getpid());
	if (w < 0 || (size_t)w >= sizeof name)
		return crc_err(err, CRC_EINVALID, "drop id too long: %s", drop_id);
	int rc = join(tmp, CRC_STORE_PATH_MAX, s->dir, name, err);
	if (rc)
		return rc;
	if (mkdir(tmp, 0755) != 0)
		return crc_err_os(err, "cannot create", tmp, errno);
	return 0;
}

/* fsyncs every file in dir (one level: drops are flat) and dir itself. */
static int sync_tree(const char *dir, struct crc_error *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return crc_err_os(err, "cannot list", dir, errno);
	int rc = 0;
	for (struct dirent *e; !rc && (e = readdir(d)) != NULL;) {
		char path[CRC_STORE_PATH_MAX];
		struct stat st;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if ((rc = join(path, sizeof path, dir, e->d_name, err)))
			break;
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			rc = sync_tree(path, err);
	}
	closedir(d);
	return rc ? rc : crc_os_sync_dir(dir, err);
}

int crc_store_publish(const struct crc_store *s, const char *tmp, const char *drop_id, int replace,
		      struct crc_error *err)
{
	char final[CRC_STORE_PATH_MAX];
	struct stat st;
	int rc = crc_store_drop_path(final, s, drop_id, err);
	if (rc || (rc = sync_tree(tmp, err)))
		return rc;
	if (lstat(final, &st) == 0) {
		if (!replace)
			return crc_err(err, CRC_EINVALID, "drop %s already exists (--force replaces it)",
				       final);
		/* Swap the two in one step, so that the drop's path always holds a whole drop. */
		if ((rc = crc_os_exchange(tmp, final, err)))
			return rc;
		crc_os_remove_tree(tmp, NULL);
		return crc_os_sync_dir(s->dir, err);
	}
	if (rename(tmp, final) != 0)
		return crc_err_os(err, "cannot rename into place", final, errno);
	return crc_os_sync_dir(s->dir, err);
}

void crc_store_abort(const char *tmp)
{
	if (tmp && tmp[0])
		crc_os_remove_tree(tmp, NULL);
}
