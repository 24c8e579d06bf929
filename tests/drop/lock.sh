#!/usr/bin/env bash
# Concurrent builds on one storage are serialized: while another process holds the storage's lock, crc
# build says it waits and does not start; when the lock is released it goes on and publishes its drop.
# Usage: lock.sh CRC SOURCE_DIR
CRC=$1 SRC=$2
. "$SRC/tests/drop/lib.sh"
tmp=$(mktemp -d /tmp/crc-drop-XXXXXX); trap 'rm -rf "$tmp"; kill $holder 2>/dev/null' EXIT
checkout "$tmp/l"
cd "$tmp/l"
mkdir -p storage/artifacts
# Hold the lock (flock) from another process until the file "release" appears.
python3 - storage/artifacts/.crc.lock "$tmp/release" "$tmp/held" <<'PY' &
import fcntl, os, sys, time
f = open(sys.argv[1], "a")
fcntl.flock(f, fcntl.LOCK_EX)
open(sys.argv[3], "w").close()
while not os.path.exists(sys.argv[2]):
    time.sleep(0.05)
PY
holder=$!
for _ in $(seq 100); do [ -e "$tmp/held" ] && break; sleep 0.05; done
[ -e "$tmp/held" ] || fail "the test could not take the lock"
"$CRC" build --profile edge --target wasm32-wasi --drop-id locked >"$tmp/out" 2>"$tmp/err" &
crc=$!
for _ in $(seq 100); do grep -q 'waiting for another crc' "$tmp/err" && break; sleep 0.05; done
grep -q 'waiting for another crc' "$tmp/err" || fail "crc does not say that it waits: $(cat "$tmp/err")"
sleep 1
[ -d build/crc/edge/wasm32-wasi ] && fail "crc started building while another held the lock"
kill -0 "$crc" 2>/dev/null || fail "crc ended while the lock was held"
touch "$tmp/release"
wait "$holder"
wait "$crc" || { cat "$tmp/err"; fail "the build after the lock was released"; }
(cd storage/artifacts/edge/locked && sha256sum --quiet -c SHA256SUMS) || fail "the drop after waiting"
echo "ok: builds on one storage are serialized"
