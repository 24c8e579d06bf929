/* Exit code documentation and the mapping from core error codes. */
#include "exit.h"

#include "crc/error.h"

const struct cli_exit_doc cli_exit_docs[] = {
	{CLI_EXIT_OK, "success"},
	{CLI_EXIT_VERIFY, "verification failed"},
	{CLI_EXIT_USAGE, "usage error"},
	{CLI_EXIT_INPUT, "input or configuration error"},
	{CLI_EXIT_BUILD, "build failed"},
	{CLI_EXIT_IO, "I/O or system error"},
	{0, NULL},
};

int cli_exit_for(int crc_code)
{
	switch (crc_code) {
	case CRC_OK:
		return CLI_EXIT_OK;
	case CRC_EVERIFY:
		return CLI_EXIT_VERIFY;
	case CRC_ENOTFOUND:
	case CRC_EINVALID:
		return CLI_EXIT_INPUT;
	case CRC_EBUILD:
		return CLI_EXIT_BUILD;
	default:
		return CLI_EXIT_IO;
	}
}
