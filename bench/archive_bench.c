/* The crc side of bench/archive.sh: packs DIR into OUT with crc_archive_write_tree (tar.zst at level 19
 * unless FORMAT says tar.gz, mtime 0), which also hashes the archive and every file, and prints the
 * archive's size, SHA-256 and entry count. Usage: archive_bench DIR OUT [FORMAT] */
#include <stdio.h>

#include "crc/archive.h"

int main(int argc, char **argv)
{
	struct crc_archive_result res;
	struct crc_error err;
	char msg[2 * CRC_ERROR_MSG_MAX];
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: archive_bench DIR OUT [tar.zst|tar.gz]\n");
		return 2;
	}
	int fmt = crc_archive_format_parse(argc == 4 ? argv[3] : "tar.zst");
	if (fmt < 0) {
		fprintf(stderr, "archive_bench: unknown format '%s'\n", argv[3]);
		return 2;
	}
	if (crc_archive_write_tree(&res, argv[2], argv[1], (enum crc_archive_format)fmt, 0, &err) != 0) {
		crc_error_format(&err, msg, sizeof msg);
		fprintf(stderr, "archive_bench: %s\n", msg);
		return 1;
	}
	printf("%llu %s %zu\n", res.size, res.sha256, res.nentries);
	crc_archive_result_free(&res);
	return fflush(stdout) != 0 || ferror(stdout) ? 1 : 0;
}
