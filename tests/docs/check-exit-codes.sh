#!/usr/bin/env bash
# Checks that docs/cli.md documents exactly the exit codes `crc --help` prints: each "  N  meaning" line
# of the help must appear as a "| N | meaning | ... |" row (first two columns) of the table in
# docs/cli.md, in the same order, and the table has no other numbered rows. Usage: check-exit-codes.sh CRC_BINARY DOCS_CLI_MD
set -u
bin=$1 doc=$2
help=$("$bin" --help | sed -n '/^Exit codes:/,/^$/p' | grep -E '^  [0-9]+  ') || { echo "no exit codes in crc --help"; exit 1; }
want=$(printf '%s\n' "$help" | sed -E 's/^  ([0-9]+)  (.*)$/| \1 | \2 |/')
got=$(grep -E '^\| [0-9]+ \| ' "$doc" | sed -E 's/^\| ([0-9]+) \| ([^|]*[^ |]) *\|.*$/| \1 | \2 |/')
if [ "$want" != "$got" ]; then
  echo "exit codes in $doc differ from crc --help:"
  diff <(printf '%s\n' "$want") <(printf '%s\n' "$got")
  exit 1
fi
echo "$(printf '%s\n' "$want" | wc -l) exit codes documented"
