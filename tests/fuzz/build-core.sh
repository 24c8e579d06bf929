#!/usr/bin/env bash
# Compiles every source of crc's core (crc/lib/*.c) once, instrumented for libFuzzer and under ASan+UBSan,
# into OUT_DIR/libcrcfuzz.a: run-fuzz.sh links each fuzz target against it, and the linker takes the
# objects a target needs, so that no list of sources per target has to follow the modules' dependencies.
# version.c is left out: it needs the build's generated revision header, and no parser uses it.
# Usage: build-core.sh CLANG SOURCE_DIR OUT_DIR
set -eu
clang=$1 src=$2 out=$3
rm -rf "$out"; mkdir -p "$out/obj"
# -fsanitize=fuzzer-no-link: coverage for libFuzzer without a second main.
flags=(-std=c11 -D_POSIX_C_SOURCE=200809L -DCRC_SOURCE_DIR="\"$src\"" -g -O1
  -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -I"$src/crc/include")
read -r -a pc <<<"$(pkg-config --cflags yaml-0.1 libcjson libarchive libcrypto libcurl)"
jobs_max=$(nproc)
for f in "$src"/crc/lib/*.c; do
  b=$(basename "$f" .c); [ "$b" = version ] && continue
  "$clang" "${flags[@]}" "${pc[@]}" -c "$f" -o "$out/obj/$b.o" 2>"$out/obj/$b.log" &
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n || true; done
done
wait
# A compiler writes its object only when it succeeds: a missing one is a failure, whose log is shown.
for f in "$src"/crc/lib/*.c; do
  b=$(basename "$f" .c); [ "$b" = version ] && continue
  [ -s "$out/obj/$b.o" ] || { cat "$out/obj/$b.log"; echo "build-core: compiling $f for fuzzing failed"; exit 1; }
done
ar rcs "$out/libcrcfuzz.a" "$out"/obj/*.o
echo "build-core: $(ls "$out"/obj/*.o | wc -l) objects in $out/libcrcfuzz.a"
