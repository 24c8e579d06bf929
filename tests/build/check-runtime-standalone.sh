#!/usr/bin/env bash
# The runtime is a standalone CMake project: configure, build and test it alone, outside crc's tree.
# Usage: check-runtime-standalone.sh SOURCE_DIR
set -eu
src=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cmake -S "$src/runtime" -B "$tmp/b" -G Ninja -DNOA_WERROR=ON >"$tmp/log" 2>&1 || { cat "$tmp/log"; exit 1; }
cmake --build "$tmp/b" >"$tmp/log" 2>&1 || { cat "$tmp/log"; exit 1; }
ctest --test-dir "$tmp/b" --output-on-failure | tail -n 3
"$tmp/b/noa" version
