#!/usr/bin/env bash
# Every public header compiles on its own (the first and only include of a translation unit), twice in a
# row (its guard works), with strict C11 warnings as errors: crc's (crc/include/crc) and the runtime's
# (runtime/include/noa). A header that leans on something its includer happened to include first fails.
# Usage: check-headers.sh CC SOURCE_DIR
set -u
cc=$1 src=$2
flags=(-std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes
  -Wmissing-prototypes -Werror -fsyntax-only -I "$src/crc/include" -I "$src/runtime/include")
fail=0 n=0
errs=$(mktemp)
trap 'rm -f "$errs"' EXIT
for h in "$src"/crc/include/crc/*.h "$src"/runtime/include/noa/*.h; do
  rel=${h#"$src"/*/include/}
  n=$((n + 1))
  if ! printf '#include "%s"\n#include "%s"\n' "$rel" "$rel" | "$cc" "${flags[@]}" -x c - 2>"$errs"; then
    echo "FAIL: $rel does not compile on its own:"
    sed 's/^/  /' "$errs" | head -n 20
    fail=1
  fi
done
[ "$fail" = 0 ] && echo "$n public headers compile on their own"
exit "$fail"
