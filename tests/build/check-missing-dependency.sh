#!/usr/bin/env bash
# Configures crc with pkg-config unable to find any library and checks that CMake stops with a message
# naming the Debian package to install (the first dependency looked up is libyaml).
# Usage: check-missing-dependency.sh SOURCE_DIR
set -u
src=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/empty"
if PKG_CONFIG_LIBDIR="$tmp/empty" PKG_CONFIG_PATH= cmake -S "$src" -B "$tmp/b" -G Ninja >"$tmp/log" 2>&1; then
  echo "configure succeeded although no library could be found"; exit 1
fi
if ! grep -q "install the Debian package 'libyaml-dev'" "$tmp/log"; then
  echo "configure failed without naming the package:"; cat "$tmp/log"; exit 1
fi
grep -m1 "not found" "$tmp/log"
