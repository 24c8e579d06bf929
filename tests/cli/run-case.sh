#!/usr/bin/env bash
# Runs one golden CLI case and compares exit code, stdout and stderr with the files the case holds.
# A case is a directory:
#   args     the arguments, one per line (may be empty)
#   env      optional: NAME=value lines added to the environment
#   setup    optional: a bash script run first in the scratch directory (with $SRC = the source tree)
#   rc       the expected exit code
#   stdout   the expected standard output (absent = empty)
#   stderr   the expected standard error (absent = empty)
# The command runs in a fresh scratch directory, with TERM=dumb and NO_COLOR unset; the scratch path is
# replaced by $SCRATCH in the output. With CRC_GOLDEN_UPDATE=1 the expected files are rewritten instead.
# Usage: run-case.sh CRC_BINARY CASE_DIR SOURCE_DIR
set -u
bin=$1 case=$2 src=$3
scratch=$(mktemp -d) out=$(mktemp -d)
trap 'rm -rf "$scratch" "$out"' EXIT

args=() envs=()
[ -s "$case/args" ] && mapfile -t args <"$case/args"
[ -f "$case/env" ] && mapfile -t envs <"$case/env"
if [ -f "$case/setup" ]; then
  (cd "$scratch" && SRC=$src bash "$case/setup") || { echo "setup of $case failed"; exit 1; }
fi
(cd "$scratch" && exec env -u NO_COLOR TERM=dumb "${envs[@]}" "$bin" "${args[@]}") \
  >"$out/stdout" 2>"$out/stderr" </dev/null
rc=$?
for f in stdout stderr; do
  sed -i "s|$scratch|\$SCRATCH|g" "$out/$f"
done

if [ "${CRC_GOLDEN_UPDATE:-}" = 1 ]; then
  echo "$rc" >"$case/rc"
  for f in stdout stderr; do
    if [ -s "$out/$f" ]; then cp "$out/$f" "$case/$f"; else rm -f "$case/$f"; fi
  done
  echo "updated $case"
  exit 0
fi

fail=0
want_rc=$(cat "$case/rc" 2>/dev/null || echo "(missing rc file)")
if [ "$rc" != "$want_rc" ]; then
  echo "exit code: expected $want_rc, got $rc"
  fail=1
fi
for f in stdout stderr; do
  want="$case/$f"
  [ -f "$want" ] || want=/dev/null
  if ! diff -u --label "expected $f" --label "actual $f" "$want" "$out/$f"; then fail=1; fi
done
[ "$fail" = 0 ] || echo "(regenerate after a deliberate change: CRC_GOLDEN_UPDATE=1 ctest -R cli.)"
exit "$fail"
