#!/usr/bin/env bash
# Storage that cannot take the drop: a full disk (a 256 KiB tmpfs), a read-only file system (a read-only
# bind mount) and a storage path that is a file. Each gives one clear line, exit 5 (I/O) or 3, and no
# partial drop.
# Usage: storage-errors.sh CRC SOURCE_DIR
CRC=$1 SRC=$2
. "$SRC/tests/drop/lib.sh"
tmp=$(mktemp -d /tmp/crc-drop-XXXXXX); trap 'rm -rf "$tmp"' EXIT
checkout "$tmp/d"
cd "$tmp/d"
# Build once into ordinary storage, so that the runs below spend their time on packing.
"$CRC" -q build --profile edge --target x86_64-linux-gnu --drop-id warm >/dev/null 2>&1 || fail "warm-up build"
# Where a file system can be mounted (root with CAP_SYS_ADMIN, in a private mount namespace): a real full
# disk (a 256 KiB tmpfs, mostly filled) and a real read-only one. Elsewhere (a chroot, a container
# without the capability), the same failures come from tests/drop/fault.c preloaded into crc: write()
# into the drop's temporary directory fails with ENOSPC, or creating it fails with EROFS.
mkdir -p "$tmp/full" "$tmp/ro"
if unshare -m true 2>/dev/null && unshare -m sh -c "mount -t tmpfs tmpfs '$tmp/full'" 2>/dev/null; then
  unshare -m bash -c '
    set -e
    mount -t tmpfs -o size=256k tmpfs "$1/full"
    mount -t tmpfs -o size=1m tmpfs "$1/ro" && mkdir "$1/ro/artifacts" && mount -o remount,ro "$1/ro"
    head -c 200000 /dev/zero >"$1/full/filler" || true
    rc=0; "$2" build --profile edge --target x86_64-linux-gnu --drop-id full --storage "$1/full/artifacts" >"$1/out-full" 2>&1 || rc=$?
    echo $rc >"$1/rc-full"
    ls -A "$1/full/artifacts/edge" >"$1/ls-full" 2>&1 || true
    rc=0; "$2" build --profile edge --target x86_64-linux-gnu --drop-id ro --storage "$1/ro/artifacts" >"$1/out-ro" 2>&1 || rc=$?
    echo $rc >"$1/rc-ro"
  ' _ "$tmp" "$CRC" || fail "the mounted storage run failed"
  how="tmpfs"
else
  cc -shared -fPIC -O1 -o "$tmp/fault.so" "$SRC/tests/drop/fault.c" -ldl || fail "compiling tests/drop/fault.c"
  rc=0; LD_PRELOAD="$tmp/fault.so" CRC_TEST_FAULT=enospc "$CRC" build --profile edge --target x86_64-linux-gnu \
    --drop-id full --storage "$tmp/full/artifacts" >"$tmp/out-full" 2>&1 || rc=$?
  echo $rc >"$tmp/rc-full"
  ls -A "$tmp/full/artifacts/edge" >"$tmp/ls-full" 2>&1 || true
  rc=0; LD_PRELOAD="$tmp/fault.so" CRC_TEST_FAULT=erofs "$CRC" build --profile edge --target x86_64-linux-gnu \
    --drop-id ro --storage "$tmp/ro/artifacts" >"$tmp/out-ro" 2>&1 || rc=$?
  echo $rc >"$tmp/rc-ro"
  how="fault injection (no mount allowed here)"
fi
[ "$(cat "$tmp/rc-full")" = 5 ] || fail "disk full ($how): exit $(cat "$tmp/rc-full"), want 5: $(cat "$tmp/out-full")"
grep -q 'No space left on device' "$tmp/out-full" || fail "disk full ($how): message: $(cat "$tmp/out-full")"
[ -z "$(cat "$tmp/ls-full")" ] || fail "disk full ($how): left in storage: $(cat "$tmp/ls-full")"
[ "$(cat "$tmp/rc-ro")" = 5 ] || fail "read-only ($how): exit $(cat "$tmp/rc-ro"), want 5: $(cat "$tmp/out-ro")"
grep -q 'Read-only file system' "$tmp/out-ro" || fail "read-only ($how): message: $(cat "$tmp/out-ro")"
echo not-a-dir >"$tmp/file"
"$CRC" build --profile edge --target x86_64-linux-gnu --drop-id f --storage "$tmp/file" >"$tmp/out" 2>&1; rc=$?
[ "$rc" = 5 ] || [ "$rc" = 3 ] || fail "storage is a file: exit $rc: $(cat "$tmp/out")"
[ "$(grep -c . "$tmp/out")" = 1 ] || fail "storage is a file: want one line: $(cat "$tmp/out")"
echo "ok: storage errors leave no partial drop ($how)"
