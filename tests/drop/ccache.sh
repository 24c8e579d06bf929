#!/usr/bin/env bash
# The compiler cache: with ccache on PATH (here a stand-in that logs each call and runs the compiler), crc
# build compiles through it (CMAKE_C_COMPILER_LAUNCHER in the target's toolchain.cmake) and the drop is
# byte-identical to one built without it; a profile that asks for ccache (compiler_cache: ccache) when it
# is not installed is an input error naming the Debian package; compiler_cache: off does not use it.
# Usage: ccache.sh CRC SOURCE_DIR
CRC=$1 SRC=$2
. "$SRC/tests/drop/lib.sh"
tmp=$(mktemp -d /tmp/crc-drop-XXXXXX); trap 'rm -rf "$tmp"' EXIT
checkout "$tmp/s"
cd "$tmp/s"
# PATH without any real ccache, for the builds that must not use one.
nocache=$(printf '%s' "$PATH" | tr ':' '\n' | while read -r d; do [ -x "$d/ccache" ] || printf '%s:' "$d"; done)
nocache=${nocache%:}
mkdir "$tmp/bin"
printf '#!/bin/sh\necho "$*" >>"$CCACHE_LOG"\nexec "$@"\n' >"$tmp/bin/ccache"
chmod +x "$tmp/bin/ccache"
export CCACHE_LOG=$tmp/ccache.log
t=x86_64-linux-gnu
PATH=$nocache "$CRC" build -q --profile edge --target $t --drop-id c1 --storage "$tmp/plain" >/dev/null ||
  fail "build without ccache"
[ -e "$CCACHE_LOG" ] && fail "ccache used although not installed"
grep -q CMAKE_C_COMPILER_LAUNCHER build/crc/edge/$t/toolchain.cmake && fail "a launcher without ccache"
PATH=$tmp/bin:$nocache "$CRC" build --profile edge --target $t --drop-id c1 --storage "$tmp/cached" \
  >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; fail "build with ccache"; }
grep -q "compiling through ccache (CMAKE_C_COMPILER_LAUNCHER)" "$tmp/err" || fail "no ccache line: $(head -3 "$tmp/err")"
grep -qx 'set(CMAKE_C_COMPILER_LAUNCHER "ccache")' build/crc/edge/$t/toolchain.cmake ||
  fail "no launcher in toolchain.cmake"
grep -q -- ' -c ' "$CCACHE_LOG" || fail "no compile went through ccache: $(head -3 "$CCACHE_LOG")"
diff -r "$tmp/plain/edge/c1" "$tmp/cached/edge/c1" >/dev/null || fail "ccache changed the drop's bytes"
# Asked for, but missing: an input error before anything builds.
st=0; PATH=$nocache "$CRC" plan --profile edge --set compiler_cache=ccache >/dev/null 2>"$tmp/err" || st=$?
[ "$st" = 3 ] || fail "compiler_cache: ccache without ccache: exit $st, want 3"
grep -q "asks for compiler_cache: ccache, but ccache is not on PATH: install the Debian package 'ccache'" "$tmp/err" ||
  fail "message: $(cat "$tmp/err")"
# Turned off: no launcher even with ccache there (a changed toolchain.cmake reconfigures from scratch).
rm -f "$CCACHE_LOG"
PATH=$tmp/bin:$nocache "$CRC" build -q --profile edge --target $t --drop-id c2 --set compiler_cache=off \
  --storage "$tmp/off" >/dev/null || fail "build with compiler_cache: off"
[ -e "$CCACHE_LOG" ] && fail "compiler_cache: off still used ccache"
grep -q CMAKE_C_COMPILER_LAUNCHER build/crc/edge/$t/toolchain.cmake && fail "a launcher with compiler_cache: off"
echo "ok: builds compile through ccache when it is there, with the same bytes; off and required work"
