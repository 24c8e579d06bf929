#!/usr/bin/env bash
# Replays: a validly signed drop put where another drop belongs. Its manifest names its own profile and id,
# and verify, deploy, push and list hold it to its place: --profile/--drop-id when given, else the
# directory's own name as its id and, inside a storage, its folder's name as its profile. Each replay is a
# verification failure (exit 1) naming both identities, and deploys nothing.
# Usage: identity.sh CRC SOURCE_DIR
. "$(dirname "$0")/lib.sh"

st=$tmp/st
mkdir -p "$st/edge" "$st/server"
cp -a "$FIXTURE" "$st/edge/d2"
# The signed drop edge/d2 as server/B, as edge/B and as server/d2.
cp -a "$FIXTURE" "$st/server/B"
cp -a "$FIXTURE" "$st/edge/B"
cp -a "$FIXTURE" "$st/server/d2"

# The genuine one verifies, by name and by path.
run genuine "$CRC" --storage "$st" verify --profile edge --drop-id d2 --deep --pubkey "$PUB"
expect genuine 0
run genuine-path "$CRC" --storage "$st" verify "$st/edge/d2" --deep --pubkey "$PUB"
expect genuine-path 0

for place in server/B edge/B server/d2; do
  p=${place%/*} id=${place#*/}
  run "verify-$p-$id" "$CRC" --storage "$st" verify --profile "$p" --drop-id "$id" --deep --pubkey "$PUB"
  expect "verify-$p-$id" 1 "manifest.yaml: names drop edge/d2, not $p/$id as --profile and --drop-id says"
  grep -q '^ok' "$tmp/verify-$p-$id.out" && fail "verify said ok for the replay at $place"
  # By path, in the storage given with --storage.
  run "path-$p-$id" "$CRC" --storage "$st" verify "$st/$place" --deep --pubkey "$PUB"
  expect "path-$p-$id" 1 "names drop edge/d2, not $p/$id as its place in the storage says"
  run "deploy-$p-$id" "$CRC" --storage "$st" deploy --profile "$p" --drop-id "$id" --to "$tmp/dep" \
    --target x86_64-linux-gnu --pubkey "$PUB"
  expect "deploy-$p-$id" 1 "does not verify: nothing deployed"
  [ -e "$tmp/dep/current" ] && fail "deploy installed the replay at $place"
  # Pushing it anywhere is refused before any connection (nothing listens on port 9).
  run "push-$p-$id" "$CRC" --storage "$st" push "$st/$place" "127.0.0.1:9/noa/x:$id"
  expect "push-$p-$id" 1 "does not verify: nothing pushed"
done

# A storage is known by its lock file too, without --storage.
touch "$st/.crc.lock"
run lockfile "$CRC" verify "$st/server/d2" --pubkey "$PUB"
expect lockfile 1 "names drop edge/d2, not server/d2 as its place in the storage says"

# Outside a storage, the directory's own name is the id it must have.
mkdir "$tmp/loose"
cp -a "$FIXTURE" "$tmp/loose/release-candidate"
run loose "$CRC" verify "$tmp/loose/release-candidate" --pubkey "$PUB"
expect loose 1 "names drop d2 (of profile edge), not release-candidate as its directory's name says"
cp -a "$FIXTURE" "$tmp/loose/d2"
run loose-ok "$CRC" verify "$tmp/loose/d2/manifest.yaml" --pubkey "$PUB"
expect loose-ok 0
(cd "$tmp/loose/d2" && run dot "$CRC" verify . --pubkey "$PUB" && expect dot 0) || exit 1
(cd "$tmp/loose/release-candidate" && run dot-bad "$CRC" verify . --pubkey "$PUB" &&
  expect dot-bad 1 "not release-candidate as its directory's name says") || exit 1

# crc list --verify calls every replay broken (its manifest names another drop), and keeps the genuine
# drop verified.
run list "$CRC" --storage "$st" list --verify
expect list 1
grep -q '^edge  *d2 .* verified' "$tmp/list.out" || fail "list: the genuine drop: $(cat "$tmp/list.out")"
for place in server/B edge/B server/d2; do
  grep -q "^${place%/*}  *${place#*/} .*broken: .*names drop 'd2' of profile 'edge'" "$tmp/list.out" ||
    fail "list: $place: $(cat "$tmp/list.out")"
done
echo "ok: drops replayed under another id or profile refused by verify, deploy, push and list"
