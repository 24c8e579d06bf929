/* Replays a fuzz target's corpus without libFuzzer: main() feeds every file of the directories given on
 * the command line (in name order, each read whole up to 1 MiB) to LLVMFuzzerTestOneInput. Built with the
 * project's own compiler and flags (so also under ASan+UBSan), it runs on every ctest. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT ((size_t)1 << 20)
#define MAX_FILES 4096

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Feeds one file to the target; returns 0, or -1 when it cannot be read. */
static int replay_file(const char *path, uint8_t *buf)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, MAX_INPUT, f);
	int bad = ferror(f);
	fclose(f);
	if (bad)
		return -1;
	LLVMFuzzerTestOneInput(buf, n);
	return 0;
}

int main(int argc, char **argv)
{
	uint8_t *buf = malloc(MAX_INPUT);
	char *names[MAX_FILES], path[4096];
	size_t total = 0;
	if (!buf)
		return 2;
	for (int d = 1; d < argc; d++) {
		DIR *dir = opendir(argv[d]);
		struct dirent *e;
		size_t n = 0;
		if (!dir) {
			fprintf(stderr, "replay: cannot open corpus %s\n", argv[d]);
			return 2;
		}
		while (n < MAX_FILES && (e = readdir(dir)) != NULL)
			if (e->d_name[0] != '.' && (names[n] = strdup(e->d_name)) != NULL)
				n++;
		closedir(dir);
		qsort(names, n, sizeof names[0], by_name);
		for (size_t i = 0; i < n; i++) {
			int w = snprintf(path, sizeof path, "%s/%s", argv[d], names[i]);
			if (w < 0 || (size_t)w >= sizeof path || replay_file(path, buf) != 0) {
				fprintf(stderr, "replay: cannot read %s/%s\n", argv[d], names[i]);
				return 2;
			}
			free(names[i]);
			total++;
		}
		if (n == 0) {
			fprintf(stderr, "replay: corpus %s is empty\n", argv[d]);
			return 2;
		}
	}
	free(buf);
	printf("replayed %zu inputs\n", total);
	return 0;
}
