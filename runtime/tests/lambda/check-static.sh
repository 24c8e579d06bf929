#!/bin/sh
# Proves that bootstrap ($1) is statically linked: readelf -d lists no NEEDED entry (no dynamic section
# at all) and file(1) says "statically linked".
set -eu
bin=$1
needed=$(readelf -d "$bin" | grep NEEDED || true)
if [ -n "$needed" ]; then
	echo "FAIL: $bin needs shared libraries:" >&2
	echo "$needed" >&2
	exit 1
fi
if ! readelf -l "$bin" | grep -q "LOAD"; then
	echo "FAIL: readelf cannot read $bin" >&2
	exit 1
fi
if readelf -l "$bin" | grep -q "INTERP"; then
	echo "FAIL: $bin asks for a program interpreter" >&2
	exit 1
fi
desc=$(file -b "$bin")
case $desc in
*"statically linked"*) echo "ok: $desc" ;;
*)
	echo "FAIL: file says: $desc" >&2
	exit 1
	;;
esac
