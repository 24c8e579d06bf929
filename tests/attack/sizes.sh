#!/usr/bin/env bash
# Inputs built to take crc super-linear time or unbounded memory: every run must end within the bound
# (enforced here, not measured), refused at a documented cap or checked in time linear in its size.
#   manifest.yaml: one mapping of 100,000 and of 1,000,000 keys, a duplicate key after 100,000, a 30 MB
#     string, 100,000 levels of nesting, a flow sequence of 3,000,000 items, 65 MiB of text, 50,000 listed
#     files (every lookup of a file by name);
#   SHA256SUMS over its cap; a deploy state file of 10,000 releases and one over the cap;
#   an archive entry of 1 GiB of zeros (a few hundred KB compressed) in a drop that lists it smaller;
#   a profile of a million keys.
# Usage: sizes.sh CRC SOURCE_DIR
. "$(dirname "$0")/lib.sh"

# manifest NAME PYTHON: a drop whose manifest.yaml is the fixture's followed by what PYTHON writes to the
# file object f (SHA256SUMS re-pinned, so that only the manifest's content is at stake); prints its path.
manifest() {
  local d
  d=$(drop "$tmp/$1")
  python3 - "$d/manifest.yaml" "$2" <<'PY' || fail "writing the manifest of $1"
import sys
path, body = sys.argv[1], sys.argv[2]
with open(path, "a") as f:
    exec(body, {"f": f})
PY
  repin "$d"
  printf '%s\n' "$d"
}

d=$(manifest keys100k 'f.write("ignored:\n"); f.writelines("  k%d: v\n" % i for i in range(100000))')
run keys100k "$CRC" verify --deep "$d"
expect keys100k 0 # unknown keys are ignored: the drop is whole
run keys100k-signed "$CRC" verify --pubkey "$PUB" "$d"
expect keys100k-signed 1 "manifest.yaml.sig: signature does not match"

d=$(manifest keys1m 'f.write("ignored:\n"); f.writelines("  k%d: v\n" % i for i in range(1000000))')
run keys1m "$CRC" verify "$d"
expect keys1m 3 "more than 1780000 nodes in one document"

d=$(manifest dup 'f.write("ignored:\n"); f.writelines("  k%d: v\n" % i for i in range(100000)); f.write("  k0: again\n")')
run dup "$CRC" verify "$d"
expect dup 3 "duplicate key 'k0' (first at line"

d=$(manifest long 'f.write("ignored: " + "a" * (30 << 20) + "\n")')
run long "$CRC" verify "$d"
expect long 3 "a string longer than 65536 bytes"

d=$(manifest deep 'f.write("ignored: " + "[" * 100000 + "]" * 100000 + "\n")')
run deep "$CRC" verify "$d"
expect deep 3 "nested deeper than 32 levels"

d=$(manifest flow 'f.write("ignored: [" + "a, " * 3000000 + "b]\n")')
run flow "$CRC" verify "$d"
expect flow 3 "more than 1780000 nodes in one document"

d=$(manifest huge 'f.write("#" * (65 << 20) + "\n")')
run huge "$CRC" verify "$d"
expect huge 3 "too large"

# 50,000 listed files, none there: each is looked up by name in SHA256SUMS and among the drop's files.
d=$(manifest files 'f.write("files:\n"); f.writelines("- path: image/blobs/x%05d\n  size: 1\n  sha256: \"%064x\"\n" % (i, i) for i in range(50000))')
python3 - "$d/SHA256SUMS" <<'PY'
import sys
with open(sys.argv[1], "a") as f:
    f.writelines("%064x  image/blobs/x%05d\n" % (i, i) for i in range(50000))
PY
run files "$CRC" verify "$d"
expect files 1 "image/blobs/x00000: missing (listed in manifest.yaml)"
grep -q "^crc: verify: [0-9]* more problems not shown$" "$tmp/files.err" || fail "files: $(tail -3 "$tmp/files.err")"

d=$(drop "$tmp/sums")
head -c $((2 << 20)) /dev/zero | tr '\0' 'a' >>"$d/SHA256SUMS"
run sums "$CRC" verify "$d"
expect sums 1 "SHA256SUMS: too large"

# Deploy state files: 10,000 releases (the cap) parse; one more is refused.
for n in 10000 10001; do
  d=$(drop "$tmp/state-$n")
  dep=$tmp/dep-$n
  run "first-$n" "$CRC" deploy "$d" --to "$dep" --target x86_64-linux-gnu
  expect "first-$n" 0
  python3 - "$dep/.crc-deploy.state" "$n" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    f.write("crc.deploy-state/v1\n")
    f.writelines("release r%05d\n" % i for i in range(n - 1))
    f.write("release d2\n")
PY
  run "state-$n" "$CRC" deploy "$d" --to "$dep" --target x86_64-linux-gnu
  if [ "$n" = 10000 ]; then expect "state-$n" 0; else expect "state-$n" 3 "more than 10000 releases"; fi
done

# An entry of 1 GiB of zeros in an unsigned drop that lists it at its real size: refused from its header,
# before any of it is decompressed.
d=$(drop "$tmp/bomb")
mkdir "$tmp/bomb-tree" && tar -xf "$d/$ART" --zstd -C "$tmp/bomb-tree" && truncate -s 1G "$tmp/bomb-tree/bin/noa" &&
  tar -C "$tmp/bomb-tree" -cf - . | zstd -q -1 -o "$tmp/bomb.tar.zst" && mv "$tmp/bomb.tar.zst" "$d/$ART" ||
  fail "making the bomb"
repin "$d"
run bomb "$CRC" verify --deep "$d"
expect bomb 1 "entry 'bin/noa': 1073741824 bytes, over the cap of"
run bomb-deploy "$CRC" deploy "$d" --to "$tmp/bomb-dep" --target x86_64-linux-gnu
expect bomb-deploy 1 "does not verify: nothing deployed"

# A profile of a million keys: refused at the reader's cap.
proj=$tmp/proj
mkdir -p "$proj/runtime" && cp -a "$SRC/profiles" "$SRC/templates" "$proj/" && cp "$SRC/runtime/features.yaml" "$proj/runtime/" ||
  fail "copying the project's profiles"
python3 -c 'import sys; open(sys.argv[1], "a").writelines("k%d: v\n" % i for i in range(1000000))' "$proj/profiles/edge.yaml"
(cd "$proj" && run profile "$CRC" profile show edge) || exit 1
[ "$rc" != 0 ] || fail "a profile of a million keys was accepted"
grep -qF "profiles/edge.yaml:1:1: larger than 256 KiB" "$tmp/profile.err" || fail "profile: $(cat "$tmp/profile.err")"
echo "ok: pathological sizes refused at their caps or checked in linear time, each within ${BOUND}s"
