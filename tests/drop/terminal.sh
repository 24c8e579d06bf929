#!/usr/bin/env bash
# On a terminal (a pseudo-terminal from script(1)): one live status line per target, redrawn in place
# (cursor up, erase line) while the target builds, with an elapsed time that runs between phase changes,
# ending in "packed"; without a terminal, plain timestamped lines and no escape sequences.
# Usage: terminal.sh CRC SOURCE_DIR
CRC=$1 SRC=$2
. "$SRC/tests/drop/lib.sh"
tmp=$(mktemp -d /tmp/crc-drop-XXXXXX); trap 'rm -rf "$tmp"' EXIT
checkout "$tmp/t"
cd "$tmp/t"
command -v script >/dev/null || fail "script(1) is missing (Debian package bsdutils)"
TERM=xterm script -qfec "'$CRC' build --profile edge --target x86_64-linux-gnu --drop-id tty-1" \
  "$tmp/typescript" >/dev/null || { cat -v "$tmp/typescript" | tail -20; fail "build on a terminal"; }
tr '\r' '\n' <"$tmp/typescript" | sed 's/\x1b\[[0-9]*A//g; s/\x1b\[2K//g' >"$tmp/lines"
grep -q $'\x1b\\[1A' "$tmp/typescript" || fail "the status line is not redrawn in place (no cursor-up)"
# The elapsed time runs while one phase lasts: the same phase shown with several different times.
n=$(grep -E '^  x86_64-linux-gnu +building +[0-9.]+s$' "$tmp/lines" | awk '{print $3}' | sort -u | wc -l)
[ "$n" -ge 3 ] || fail "the elapsed time does not run while building ($n distinct values): $(tail -5 "$tmp/lines")"
for state in configuring building installing smoke-testing packing packed; do
  grep -qE "^  x86_64-linux-gnu +$state +[0-9.]+s$" "$tmp/lines" || fail "no '$state' status line"
done
grep -q "^built $tmp/t/storage/artifacts/edge/tty-1" "$tmp/lines" || grep -q '^built .*/edge/tty-1' "$tmp/lines" ||
  fail "no result line"
# Not a terminal: timestamped lines, no escapes.
"$CRC" build --profile edge --target x86_64-linux-gnu --drop-id tty-2 >"$tmp/out" 2>"$tmp/err" ||
  { cat "$tmp/err"; fail "build without a terminal"; }
if grep -q $'\x1b' "$tmp/err"; then fail "escape sequences without a terminal"; fi
grep -qE '^crc: build: \[ *[0-9]+\.[0-9]s\] x86_64-linux-gnu: building$' "$tmp/err" ||
  fail "no timestamped progress line: $(head -5 "$tmp/err")"
echo "ok: live status lines on a terminal, timestamped lines otherwise"
