#!/bin/sh
# A bounded libFuzzer run, for ctest (tests/fuzz.cmake registers one per target as noa.fuzz_run.<name>).
# Usage: run-fuzz.sh CLANG SECONDS FUZZ_SOURCE CORPUS_DIR ARTIFACT_DIR [CLANG_ARGS...]
# Compiles FUZZ_SOURCE with CLANG_ARGS (the runtime sources, -I dirs and libraries it needs) under
# libFuzzer, ASan and UBSan into a scratch directory, copies the seed corpus CORPUS_DIR there (the
# checked-in seeds are never written to) and fuzzes for SECONDS seconds (NOA_FUZZ_SECONDS overrides).
# Exits non-zero, with the compiler's or libFuzzer's output, on a compile error, crash, leak, timeout,
# out-of-memory or sanitizer report; the reproducing input is then kept in ARTIFACT_DIR.
set -eu

if [ $# -lt 5 ]; then
	echo "usage: $0 CLANG SECONDS FUZZ_SOURCE CORPUS_DIR ARTIFACT_DIR [CLANG_ARGS...]" >&2
	exit 2
fi
clang=$1
seconds=${NOA_FUZZ_SECONDS:-$2}
source=$3
corpus=$4
artifacts=$5
shift 5

case $seconds in
'' | *[!0-9]*)
	echo "run-fuzz.sh: NOA_FUZZ_SECONDS must be a whole number of seconds, not '$seconds'" >&2
	exit 2
	;;
esac
if [ ! -d "$corpus" ]; then
	echo "run-fuzz.sh: no seed corpus at $corpus" >&2
	exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/noa-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$work/corpus" "$artifacts"

echo "run-fuzz.sh: compiling $source"
if ! "$clang" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -std=c11 \
	-D_POSIX_C_SOURCE=200809L -o "$work/fuzzer" "$source" "$@" >"$work/cc.log" 2>&1; then
	cat "$work/cc.log" >&2
	echo "run-fuzz.sh: compiling $source failed" >&2
	exit 1
fi
cat "$work/cc.log"
cp "$corpus"/* "$work/corpus/"

echo "run-fuzz.sh: fuzzing for ${seconds}s"
status=0
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	"$work/fuzzer" -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=5 -print_final_stats=1 \
	-artifact_prefix="$artifacts/" "$work/corpus" || status=$?
if [ "$status" -ne 0 ]; then
	echo "run-fuzz.sh: the fuzzer failed (exit status $status); reproducer in $artifacts/" >&2
	exit 1
fi
