#!/usr/bin/env bash
# Fails when any C source or header of crc, the runtime or the tests differs from what clang-format makes
# of it with the project's .clang-format. Fix with: clang-format -i <file>.
# Usage: check-format.sh CLANG_FORMAT SOURCE_DIR
set -u
cf=$1 src=$2
cd "$src" || exit 1
mapfile -t files < <(find crc runtime tests -name '*.[ch]' -not -path '*/fixtures/*' | sort)
if "$cf" --dry-run --Werror "${files[@]}" 2>&1 | head -n 40 | grep .; then
  echo "clang-format would change the files above (run: clang-format -i FILE)"
  exit 1
fi
echo "${#files[@]} files formatted as .clang-format says"
