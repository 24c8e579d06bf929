#!/usr/bin/env bash
# SIGKILL at any moment leaves nothing that looks like a drop: crc build is killed after a range of
# delays (during configure, compile, smoke test, packing); after each, every directory in the profile's
# storage folder that is not hidden must be a complete drop that passes sha256sum -c. The next build
# removes the leftovers (.tmp-*), says so, and publishes a complete drop.
# Usage: kill.sh CRC SOURCE_DIR
CRC=$1 SRC=$2
. "$SRC/tests/drop/lib.sh"
tmp=$(mktemp -d /tmp/crc-drop-XXXXXX); trap 'rm -rf "$tmp"' EXIT
checkout "$tmp/k"
cd "$tmp/k"
store=storage/artifacts/edge
check_store() {
  for d in "$store"/*/; do
    [ -d "$d" ] || continue
    (cd "$d" && sha256sum --quiet -c SHA256SUMS >/dev/null 2>&1) || fail "after kill at $1 s: $d is not a complete drop"
  done
}
n=0
for delay in 0.05 0.3 1 2 3 5 8; do
  "$CRC" -q build --profile edge --target x86_64-linux-gnu --drop-id "k$n" >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  check_store "$delay"
  n=$((n + 1))
done
# A leftover as a killed packing step leaves it (a .tmp- directory with some of the files).
mkdir -p "$store/.tmp-k9-12345" && echo partial >"$store/.tmp-k9-12345/flags.txt"
"$CRC" build --profile edge --target x86_64-linux-gnu --drop-id final >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "build after kills"; }
grep -q 'removed [0-9]* leftovers\? of interrupted builds' "$tmp/err" || fail "no word about the leftovers: $(cat "$tmp/err")"
[ "$(ls -A "$store" | grep -c '^\.tmp-')" = 0 ] || fail "leftovers remain: $(ls -A "$store")"
check_store final
[ -d "$store/final" ] || fail "no final drop"
echo "ok: killed builds leave no partial drop"
