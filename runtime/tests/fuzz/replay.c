/* A standalone driver for the libFuzzer targets (fuzz_<name>.c), built with the project's own compiler
 * and flags: it calls LLVMFuzzerTestOneInput once on each regular file of the corpus directories given
 * as arguments, in sorted order, each read whole (at most REPLAY_MAX_BYTES), and prints how many inputs
 * it replayed. A crash or abort in a target fails the run; so do an unreadable directory or file and an
 * empty corpus, so that a missing corpus cannot pass. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The fuzz target this driver is linked with. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Largest input read from one corpus file; the rest of a longer file is ignored. */
#define REPLAY_MAX_BYTES ((size_t)1 << 20)
/* Longest corpus file path. */
#define REPLAY_PATH_MAX 4096

/* A growable list of names, owned by the caller and freed with names_free(). */
struct names {
	char **v;
	size_t n, cap;
};

static void names_free(struct names *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* Appends a copy of name. Returns 0 or -1 when out of memory. */
static int names_add(struct names *l, const char *name)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		if (cap > SIZE_MAX / sizeof *l->v)
			return -1;
		char **v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	size_t len = strlen(name) + 1;
	l->v[l->n] = malloc(len);
	if (!l->v[l->n])
		return -1;
	memcpy(l->v[l->n++], name, len);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads at most REPLAY_MAX_BYTES of path into buf (REPLAY_MAX_BYTES long); *len gets how many.
 * Returns 0, or -1 with a message on stderr. */
static int read_input(const char *path, uint8_t *buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	*len = fread(buf, 1, REPLAY_MAX_BYTES, f);
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		fprintf(stderr, "replay: %s: read error\n", path);
		return -1;
	}
	return 0;
}

/* Replays every regular file of dir, sorted by name, adding to *count. Returns 0 or -1 (reported). */
static int replay_dir(const char *dir, uint8_t *buf, size_t *count)
{
	struct names names = {0};
	char path[REPLAY_PATH_MAX];
	struct dirent *de;
	struct stat st;
	int rc = -1;
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (names_add(&names, de->d_name) != 0) {
			fprintf(stderr, "replay: %s: out of memory\n", dir);
			goto out;
		}
	}
	qsort(names.v, names.n, sizeof *names.v, by_name);
	for (size_t i = 0; i < names.n; i++) {
		int n = snprintf(path, sizeof path, "%s/%s", dir, names.v[i]);
		if (n < 0 || (size_t)n >= sizeof path) {
			fprintf(stderr, "replay: %s/%s: path too long\n", dir, names.v[i]);
			goto out;
		}
		if (stat(path, &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
			goto out;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		size_t len = 0;
		if (read_input(path, buf, &len) != 0)
			goto out;
		/* A copy of exactly the input's length, as libFuzzer gives, so that a read past it is
		 * caught when the driver runs under a sanitizer. */
		uint8_t *input = malloc(len ? len : 1);
		if (!input) {
			fprintf(stderr, "replay: %s: out of memory\n", path);
			goto out;
		}
		if (len)
			memcpy(input, buf, len);
		LLVMFuzzerTestOneInput(input, len);
		free(input);
		(*count)++;
	}
	rc = 0;
out:
	closedir(d);
	names_free(&names);
	return rc;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int failed = 0;
	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR...\n", argv[0]);
		return 2;
	}
	/* Where each file is read, before its exact-length copy. */
	uint8_t *buf = malloc(REPLAY_MAX_BYTES);
	if (!buf) {
		fprintf(stderr, "replay: out of memory\n");
		return 1;
	}
	for (int i = 1; i < argc; i++)
		if (replay_dir(argv[i], buf, &count) != 0)
			failed = 1;
	free(buf);
	printf("replayed %zu inputs\n", count);
	if (fflush(stdout) != 0 || ferror(stdout))
		return 1;
	if (count == 0) {
		fprintf(stderr, "replay: no inputs in the corpus\n");
		return 1;
	}
	return failed;
}
