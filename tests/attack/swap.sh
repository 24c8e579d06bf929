#!/usr/bin/env bash
# Attacks by a concurrent writer: someone who can write the drop directory, or the deploy directory, while
# crc runs, at the moment crc opens, reads or renames a given file (tests/attack/shim.c makes the moment
# deterministic). Each attack may make crc refuse; none may make it accept or install what it did not
# verify.
#   1. The signed manifest swapped back in while crc checks a rewritten one that pins a trojaned archive
#      (verify --deep --pubkey, deploy --pubkey): the signature is over the bytes that were parsed.
#   2. The archive swapped for a trojan after verify read it: deploy installs the bytes verify read.
#   3. The whole drop directory swapped mid-verify: what was checked is what is installed.
#   4. An archive that grows while it is read (8 GiB more): refused without reading on.
#   5. The staging directory swapped just before deploy renames it into place: refused, current unchanged.
#   6. releases/ turned into a symlink, before and during a deploy: refused.
# Usage: swap.sh CRC SOURCE_DIR
. "$(dirname "$0")/lib.sh"

# noa's content in the fixture's archive: what an honest install holds.
mkdir "$tmp/honest" && tar -xf "$FIXTURE/$ART" --zstd -C "$tmp/honest" || fail "extracting the fixture"

# trojan DIR: DIR's archive with bin/noa changed, and a manifest (unsigned) pinning it consistently, entry
# and archive: a drop that passes every check but the signature.
trojan() {
  local d=$1
  retar "$d" 'if info.name.endswith("bin/noa"):
    data = data + b"\n# trojan\n"
return info, data'
  python3 - "$d" <<'PY' || fail "re-pinning bin/noa's entry"
import hashlib, os, re, subprocess, sys
d = sys.argv[1]
raw = subprocess.run(["tar", "-xOf", os.path.join(d, "noa-d2-x86_64-linux-gnu.tar.zst"), "--zstd", "bin/noa"],
                     check=True, capture_output=True).stdout
m = open(os.path.join(d, "manifest.yaml")).read()
m, n = re.subn(r"(  - path: bin/noa\n    type: file\n    mode: \"0755\"\n)    size: \d+\n    sha256: \"[0-9a-f]{64}\"",
               lambda mo: mo.group(1) + "    size: %d\n    sha256: \"%s\"" % (len(raw), hashlib.sha256(raw).hexdigest()), m)
assert n == 1, "bin/noa entry not found"
open(os.path.join(d, "manifest.yaml"), "w").write(m)
PY
  repin "$d"
}

# installed_is_honest DIR: the release current points to is the fixture's content, file for file.
installed_is_honest() {
  [ -L "$1/current" ] || fail "nothing deployed in $1"
  diff -r "$tmp/honest" "$1/current/" >/dev/null || fail "$1/current differs from what was verified"
}

# 1. The signed manifest swapped back in.
d=$(drop "$tmp/one")
cp "$d/manifest.yaml" "$tmp/signed.yaml"
trojan "$d"
run plain "$CRC" verify --deep "$d"
expect plain 0 # without a key, a consistent rewrite is a valid (unsigned) drop
put_back="cp '$tmp/signed.yaml' '$d/.m' && mv '$d/.m' '$d/manifest.yaml' && touch '$tmp/fired'"
for on in "open:$ART" "open:manifest.yaml.sig" "open:SHA256SUMS"; do
  cp "$d/manifest.yaml" "$tmp/rewritten.yaml"
  rm -f "$tmp/fired"
  attacked "$on" "$put_back" verify1 "$CRC" verify --deep --pubkey "$PUB" "$d"
  expect verify1 1 "manifest.yaml.sig: signature does not match"
  grep -q '^ok' "$tmp/verify1.out" && fail "verify said ok after the swap at $on"
  cp "$tmp/rewritten.yaml" "$d/manifest.yaml"
  rm -rf "$tmp/dep1"
  attacked "$on" "$put_back" deploy1 "$CRC" deploy "$d" --to "$tmp/dep1" --target x86_64-linux-gnu \
    --pubkey "$PUB"
  expect deploy1 1 "does not verify: nothing deployed"
  [ -e "$tmp/dep1/current" ] && fail "deploy installed something after the swap at $on"
  cp "$tmp/rewritten.yaml" "$d/manifest.yaml"
done
# The signature file is opened, so that swap did happen there; the signed manifest is whole again.
attacked "open:manifest.yaml.sig" "$put_back" verify1 "$CRC" verify --pubkey "$PUB" "$d"
[ -f "$tmp/fired" ] || fail "the attack at the signature's open never ran"
run after "$CRC" verify --deep --pubkey "$PUB" "$d"
expect after 1 # the manifest is the signed one again, the archive still the trojan

# 2. The archive swapped for a trojan right after verify opened it: deploy extracts from that descriptor.
d=$(drop "$tmp/two")
t=$(drop "$tmp/two-trojan")
trojan "$t"
rm -f "$tmp/fired"
attacked "open:$ART" "mv '$t/$ART' '$d/$ART' && touch '$tmp/fired'" deploy2 \
  "$CRC" deploy "$d" --to "$tmp/dep2" --target x86_64-linux-gnu --pubkey "$PUB"
[ -f "$tmp/fired" ] || fail "the archive swap never ran"
expect deploy2 0
installed_is_honest "$tmp/dep2"

# 3. The drop's directory swapped for another (a consistent unsigned rewrite) while verify reads it.
d=$(drop "$tmp/three")
t=$(drop "$tmp/three-trojan")
trojan "$t"
swap_dir="mv '$d' '$tmp/three/gone' && mv '$t' '$d' && touch '$tmp/fired'"
rm -f "$tmp/fired"
attacked "open:flags.txt" "$swap_dir" deploy3 "$CRC" deploy "$d" --to "$tmp/dep3" --target x86_64-linux-gnu
[ -f "$tmp/fired" ] || fail "the directory swap never ran"
expect deploy3 0
installed_is_honest "$tmp/dep3"

# 4. An archive that grows by 8 GiB (sparse) as soon as crc reads it: refused, and not read on.
for deep in "" --deep; do
  d=$(drop "$tmp/four")
  rm -f "$tmp/fired"
  attacked "read:$ART" "truncate -s +8G '$d/$ART' && touch '$tmp/fired'" grow "$CRC" verify $deep "$d"
  [ -f "$tmp/fired" ] || fail "the growth never ran"
  expect grow 1 "$ART: "
done

# 5. The staging directory swapped for a trojan tree just before it is renamed into place.
d=$(drop "$tmp/five")
mkdir "$tmp/five-tree" && cp -a "$tmp/honest/." "$tmp/five-tree/" && printf '# trojan\n' >>"$tmp/five-tree/bin/noa"
rm -f "$tmp/fired"
attacked "rename:/releases/.tmp-" "mv \"\$1\" \"\$1.stolen\" && cp -a '$tmp/five-tree' \"\$1\" && touch '$tmp/fired'" \
  deploy5 "$CRC" deploy "$d" --to "$tmp/dep5" --target x86_64-linux-gnu
[ -f "$tmp/fired" ] || fail "the staging swap never ran"
expect deploy5 1 "replaced while it was being installed"
[ -e "$tmp/dep5/current" ] && fail "current was switched to a swapped release"

# 6. releases/ a symlink to elsewhere: before the deploy, and swapped in while it extracts.
d=$(drop "$tmp/six")
mkdir -p "$tmp/dep6" "$tmp/elsewhere" && ln -s "$tmp/elsewhere" "$tmp/dep6/releases"
run deploy6 "$CRC" deploy "$d" --to "$tmp/dep6" --target x86_64-linux-gnu
expect deploy6 5 "releases is a symlink, not a directory"
[ -z "$(ls -A "$tmp/elsewhere")" ] || fail "deploy wrote through a symlinked releases/"
rm "$tmp/dep6/releases"
rm -f "$tmp/fired"
attacked "mkdir:/releases/.tmp-" "mv '$tmp/dep6/releases' '$tmp/dep6/real' && ln -s '$tmp/elsewhere' '$tmp/dep6/releases' && touch '$tmp/fired'" \
  deploy6b "$CRC" deploy "$d" --to "$tmp/dep6" --target x86_64-linux-gnu
[ -f "$tmp/fired" ] || fail "the releases swap never ran"
expect deploy6b 1 "replaced while it was being installed"
[ -e "$tmp/dep6/current" ] && fail "current was switched through a symlinked releases/"
[ -z "$(ls -A "$tmp/elsewhere")" ] || fail "deploy wrote through a symlinked releases/"
echo "ok: concurrent writers made crc refuse, never accept or install what it did not verify"
