#!/usr/bin/env bash
# A bounded libFuzzer run: compiles fuzz_<name>.c with clang -fsanitize=fuzzer,address,undefined and links
# it against crc's core as build-core.sh compiled it (CRC_SOURCE_DIR set to SOURCE_DIR, for targets that
# read the project's files), then fuzzes for CRC_FUZZ_SECONDS (default 10) starting from a copy of the
# checked-in seed corpus. Any crash, leak, sanitizer report or hang (over 5 s on one input) fails.
# Usage: run-fuzz.sh CLANG NAME SOURCE_DIR CORE_LIB
set -eu
clang=$1 name=$2 src=$3 core=$4
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
[ -f "$core" ] || { echo "run-fuzz: $core is missing (the fuzz.core test builds it)"; exit 1; }
"$clang" -std=c11 -D_POSIX_C_SOURCE=200809L -DCRC_SOURCE_DIR="\"$src\"" -g -O1 \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I"$src/crc/include" \
  "$src/tests/fuzz/fuzz_$name.c" "$core" \
  $(pkg-config --cflags --libs yaml-0.1 libcjson libarchive libcrypto libcurl) -lm \
  -o "$tmp/fuzz" 2>"$tmp/cc.log" || { cat "$tmp/cc.log"; echo "run-fuzz: compiling the fuzz target failed"; exit 1; }
cp -r "$src/tests/fuzz/corpus/$name" "$tmp/corpus"
"$tmp/fuzz" -max_total_time="${CRC_FUZZ_SECONDS:-10}" -timeout=5 -rss_limit_mb=1024 -print_final_stats=1 \
  "$tmp/corpus" >"$tmp/log" 2>&1 || { tail -n 60 "$tmp/log"; echo "run-fuzz: $name failed"; exit 1; }
grep -E '^stat::number_of_executed_units|^Done' "$tmp/log" || true
