#!/usr/bin/env bash
# Times crc's deterministic archive + hash against the usual shell pipeline on the same tree:
#   (a) crc: bench/archive_bench.c calling crc_archive_write_tree (tar.zst, zstd level 19, the archive's
#       SHA-256 computed while writing and every file's SHA-256 from the same read);
#   (b) reference: tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - . | zstd -19 -q
#       > out && sha256sum out.
# It prints both medians (hyperfine when installed, else RUNS timed runs with date +%s.%N) and the ratio
# crc/reference. Not a test: run it by hand after building crc (cmake --build build).
#
# Usage: bench/archive.sh [TREE]
#   TREE   a directory to copy and pack (an installed runtime tree, say); default: a synthetic tree of
#          2000 files (~50 MB, 40 directories) generated from a fixed seed, half incompressible bytes and
#          half hex text.
# Environment: BUILD (build directory holding crc/libcrccore.a; default: build), RUNS (default 5),
#   CC (default cc), FILES and MB (synthetic tree size; defaults 2000 and 50).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=${BUILD:-$src/build}
runs=${RUNS:-5}
files=${FILES:-2000}
mb=${MB:-50}
lib=$build/crc/libcrccore.a
for tool in tar zstd sha256sum openssl pkg-config "${CC:-cc}"; do
  command -v "$tool" >/dev/null || { echo "bench: '$tool' not found" >&2; exit 1; }
done
[ -f "$lib" ] || { echo "bench: $lib not found; build crc first (cmake -S . -B build -G Ninja && cmake --build build)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"${CC:-cc}" -std=c11 -O2 -D_POSIX_C_SOURCE=200809L -I"$src/crc/include" "$here/archive_bench.c" "$lib" \
  $(pkg-config --libs libarchive libcrypto) -o "$tmp/archive_bench"

tree=$tmp/tree
if [ $# -ge 1 ]; then
  cp -a "$1" "$tree"
  echo "tree: a copy of $1"
else
  # A deterministic byte stream (AES-CTR over zeros with a fixed key) cut into files whose sizes come
  # from bash's RANDOM with a fixed seed: the same tree on every machine with the same bash.
  mkdir -p "$tree"
  exec 3< <(openssl enc -aes-256-ctr -nosalt -K "$(printf '%064d' 42)" -iv "$(printf '%032d' 7)" \
    -in /dev/zero 2>/dev/null)
  RANDOM=42
  avg=$(( mb * 1024 * 1024 / files ))
  for ((i = 0; i < files; i++)); do
    d=$tree/d$((i % 40))
    [ -d "$d" ] || mkdir -p "$d/sub"
    size=$(( (RANDOM * 2 * avg) / 32768 + 1 ))
    if (( i % 2 )); then
      head -c "$size" <&3 >"$d/f$i.bin"
    else
      head -c $(( size / 3 + 1 )) <&3 | od -An -tx1 -v >"$d/sub/f$i.txt"
    fi
  done
  exec 3<&-
  echo "tree: synthetic, $files files, fixed seed"
fi
echo "tree: $(find "$tree" -type f | wc -l) files, $(du -sm "$tree" | cut -f1) MB on disk"

crc_cmd="rm -f '$tmp/crc.tar.zst' && '$tmp/archive_bench' '$tree' '$tmp/crc.tar.zst' >/dev/null"
ref_cmd="rm -f '$tmp/ref.tar.zst' && tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C '$tree' -cf - . | zstd -19 -q > '$tmp/ref.tar.zst' && sha256sum '$tmp/ref.tar.zst' >/dev/null"

# The median of the numbers on stdin.
median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Prints the median wall time in seconds of the shell command $1 over $runs runs.
time_cmd() {
  if command -v hyperfine >/dev/null; then
    hyperfine --runs "$runs" --style none --export-json "$tmp/h.json" "$1" >/dev/null
    grep -o '"median": *[0-9.e+-]*' "$tmp/h.json" | head -n 1 | sed 's/.*: *//'
  else
    for ((r = 0; r < runs; r++)); do
      t0=$(date +%s.%N)
      bash -c "$1" || { echo "bench: failed: $1" >&2; exit 1; }
      t1=$(date +%s.%N)
      awk -v a="$t1" -v b="$t0" 'BEGIN { print a - b }'
    done | median
  fi
}

echo "timing: $runs runs each, $(command -v hyperfine >/dev/null && echo hyperfine || echo 'date +%s.%N loop')"
crc_s=$(time_cmd "$crc_cmd")
ref_s=$(time_cmd "$ref_cmd")
printf 'crc archive+hash (tar.zst -19):       median %8.3f s  (%s bytes)\n' "$crc_s" "$(stat -c %s "$tmp/crc.tar.zst")"
printf 'tar | zstd -19 && sha256sum:          median %8.3f s  (%s bytes)\n' "$ref_s" "$(stat -c %s "$tmp/ref.tar.zst")"
awk -v a="$crc_s" -v b="$ref_s" 'BEGIN { printf "ratio crc/reference: %.2f\n", a / b }'
