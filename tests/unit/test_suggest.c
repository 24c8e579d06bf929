/* Edit distance and "did you mean" suggestions. */
#include <criterion/criterion.h>
#include <string.h>

#include "crc/suggest.h"

Test(suggest, distance_counts_edits_and_transpositions)
{
	cr_assert_eq(crc_edit_distance("", ""), 0);
	cr_assert_eq(crc_edit_distance("abc", ""), 3);
	cr_assert_eq(crc_edit_distance("", "abc"), 3);
	cr_assert_eq(crc_edit_distance("version", "version"), 0);
	cr_assert_eq(crc_edit_distance("verison", "version"), 1, "one transposition");
	cr_assert_eq(crc_edit_distance("bulid", "build"), 1);
	cr_assert_eq(crc_edit_distance("kitten", "sitting"), 3);
	cr_assert_eq(crc_edit_distance("optimisation", "optimization"), 1);
}

Test(suggest, too_long_names_are_not_compared)
{
	char big[CRC_SUGGEST_MAX_LEN + 2];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	cr_assert_eq(crc_edit_distance(big, "x"), (size_t)-1);
	const char *cands[] = {"x"};
	cr_assert_null(crc_suggest(big, cands, 1));
}

Test(suggest, picks_closest_plausible_candidate)
{
	const char *cmds[] = {"build", "verify", "version", "help"};
	cr_assert_str_eq(crc_suggest("verison", cmds, 4), "version");
	cr_assert_str_eq(crc_suggest("bild", cmds, 4), "build");
	cr_assert_str_eq(crc_suggest("hlep", cmds, 4), "help");
	cr_assert_str_eq(crc_suggest("verif", cmds, 4), "verify");
	cr_assert_str_eq(crc_suggest("vers", cmds, 4), "version", "a prefix is an abbreviation");
}

Test(suggest, nothing_when_nothing_is_close)
{
	const char *cmds[] = {"build", "verify", "version", "help"};
	cr_assert_null(crc_suggest("xyz", cmds, 4));
	cr_assert_null(crc_suggest("deploy", cmds, 4));
	cr_assert_null(crc_suggest("", cmds, 4));
	cr_assert_null(crc_suggest("x", cmds, 0));
}

Test(suggest, ties_go_to_the_earlier_candidate)
{
	const char *cands[] = {"abd", "abe"};
	cr_assert_str_eq(crc_suggest("abc", cands, 2), "abd");
}
