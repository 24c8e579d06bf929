/* crc's exit codes: the one place they are defined. They are a stable interface for CI pipelines and
 * deploy scripts, documented in docs/cli.md and printed by `crc --help`; never reuse an internal error
 * number as one. */
#ifndef CRC_CLI_EXIT_H
#define CRC_CLI_EXIT_H

enum cli_exit {
	CLI_EXIT_OK = 0,
	/* A check ran and found a problem: hash or size mismatch, bad signature, unlisted file. */
	CLI_EXIT_VERIFY = 1,
	/* The command line is wrong: unknown command or option, missing or extra argument. */
	CLI_EXIT_USAGE = 2,
	/* An input file or the configuration is wrong or missing: profile, toolchain, manifest, -C DIR. */
	CLI_EXIT_INPUT = 3,
	/* Building the runtime failed: configure, compile, install or smoke test. */
	CLI_EXIT_BUILD = 4,
	/* The system failed us: I/O error, disk full, out of memory, a tool that could not start. */
	CLI_EXIT_IO = 5,
};

struct cli_exit_doc {
	int code;
	const char *meaning;
};

/* The exit codes with a one-line meaning each, for --help; terminated by a NULL meaning. */
extern const struct cli_exit_doc cli_exit_docs[];

/* Maps a core error code (enum crc_code) to the exit code that reports it. */
int cli_exit_for(int crc_code);

#endif
