/* Exit codes: the documented numbers and the mapping from core error codes. */
#include <criterion/criterion.h>

#include "crc/error.h"
#include "exit.h"

Test(exit, numbers_are_the_documented_ones)
{
	cr_assert_eq(CLI_EXIT_OK, 0);
	cr_assert_eq(CLI_EXIT_VERIFY, 1);
	cr_assert_eq(CLI_EXIT_USAGE, 2);
	cr_assert_eq(CLI_EXIT_INPUT, 3);
	cr_assert_eq(CLI_EXIT_BUILD, 4);
	cr_assert_eq(CLI_EXIT_IO, 5);
	int n = 0;
	for (const struct cli_exit_doc *d = cli_exit_docs; d->meaning; d++, n++)
		cr_assert_eq(d->code, n, "exit codes are listed in order");
	cr_assert_eq(n, 6);
}

Test(exit, core_codes_map_to_exit_codes)
{
	cr_assert_eq(cli_exit_for(CRC_OK), CLI_EXIT_OK);
	cr_assert_eq(cli_exit_for(CRC_EVERIFY), CLI_EXIT_VERIFY);
	cr_assert_eq(cli_exit_for(CRC_EINVALID), CLI_EXIT_INPUT);
	cr_assert_eq(cli_exit_for(CRC_ENOTFOUND), CLI_EXIT_INPUT);
	cr_assert_eq(cli_exit_for(CRC_EBUILD), CLI_EXIT_BUILD);
	cr_assert_eq(cli_exit_for(CRC_EIO), CLI_EXIT_IO);
	cr_assert_eq(cli_exit_for(CRC_ENOMEM), CLI_EXIT_IO);
}
