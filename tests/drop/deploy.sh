#!/usr/bin/env bash
# A signed drop from crc build --sign-key, end to end: crc verify (plain, --deep, --pubkey, --json) passes
# and the openssl command line alone accepts the signature; tampering (a flipped bit in an archive, an
# extra file, a re-pinned manifest) fails with exit 1 and one line per problem; crc deploy refuses a drop
# that does not verify or is signed by another key, installs one that does (the deployed noa runs), keeps
# releases, rolls back; and a deploy killed (SIGKILL) at many moments always leaves current on a whole
# release that verifies.
# Usage: deploy.sh CRC SOURCE_DIR
CRC=$1 SRC=$2
. "$SRC/tests/drop/lib.sh"
tmp=$(mktemp -d /tmp/crc-drop-XXXXXX); trap 'rm -rf "$tmp"' EXIT
checkout "$tmp/s"
cd "$tmp/s"
"$CRC" keygen --out "$tmp/k" >/dev/null || fail "keygen"
"$CRC" keygen --out "$tmp/other" >/dev/null || fail "keygen (other)"
"$CRC" build -q --profile edge --target x86_64-linux-gnu --target wasm32-wasi --drop-id d1 \
  --sign-key "$tmp/k" >/dev/null || fail "build --sign-key"
d1=storage/artifacts/edge/d1
[ -f "$d1/manifest.yaml.sig" ] || fail "build --sign-key wrote no manifest.yaml.sig"

"$CRC" verify "$d1" >"$tmp/out" || fail "verify of a fresh drop"
# 2 archives, flags.txt, provenance.json, manifest.yaml and its signature; the Dockerfile and the amd64
# image's layout (layer, config, manifest, index, index.json, oci-layout).
grep -q "^ok: $d1: d1, 13 files, .* GB/s)$" "$tmp/out" || fail "verify output: $(cat "$tmp/out")"
"$CRC" verify --deep --pubkey "$tmp/k.pub" --profile edge --drop-id d1 >"$tmp/out" || fail "verify --deep --pubkey"
grep -q ", deep, signed by key [0-9a-f]\{16\}$" "$tmp/out" || fail "verify --deep output: $(cat "$tmp/out")"
CRC_PUBKEY=$tmp/k.pub "$CRC" verify --require-signature "$d1/manifest.yaml" >/dev/null ||
  fail "verify --require-signature with CRC_PUBKEY"
"$CRC" verify --json --deep "$d1" >"$tmp/json" || fail "verify --json"
python3 - "$tmp/json" <<'PY' || fail "verify --json report"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["schema"] == "crc.verify/v1" and r["ok"] is True and r["drop_id"] == "d1", r
kinds = sorted(f["kind"] for f in r["files"])
assert kinds == ["artifact", "artifact"] + ["file"] * 7 + ["flags", "manifest", "provenance", "sums"], kinds
assert all(f["ok"] for f in r["files"]) and r["problems"] == []
assert all(f["entries_checked"] > 5 for f in r["files"] if f["kind"] == "artifact")
PY
"$CRC" verify --json --pubkey "$tmp/other.pub" "$d1" >"$tmp/json" 2>/dev/null && fail "verify --json with another key passed"
python3 - "$tmp/json" <<'PY' || fail "verify --json signature report: $(cat "$tmp/json")"
import json, sys
r = json.load(open(sys.argv[1]))
s = r["signature"]
assert r["ok"] is False and s["required"] is True and s["ok"] is False and len(s["key_id"]) == 16, r
assert [p["file"] for p in r["problems"]] == ["manifest.yaml.sig"] and r["problems"][0]["kind"] == "mismatch", r
PY
"$CRC" verify --json --pubkey "$tmp/k.pub" "$d1" | python3 -c 'import json,sys; s=json.load(sys.stdin)["signature"]; assert s["ok"] is True, s' ||
  fail "verify --json --pubkey: signature not ok"
# The openssl command line alone (README.md, "Signing").
openssl base64 -d -A -in "$d1/manifest.yaml.sig" -out "$tmp/sig.bin" &&
  openssl pkeyutl -verify -pubin -inkey "$tmp/k.pub" -rawin -in "$d1/manifest.yaml" -sigfile "$tmp/sig.bin" \
  >/dev/null || fail "openssl does not accept crc's signature"

# Tampering, on copies of the drop.
# Under its own id: a drop is valid only in a directory of its name.
mkdir "$tmp/t1" && cp -a "$d1" "$tmp/t1/d1"
art=$(cd "$tmp/t1/d1" && ls noa-*-x86_64-linux-gnu.tar.zst)
printf '\x55' | dd of="$tmp/t1/d1/$art" bs=1 seek=1000 conv=notrunc 2>/dev/null
echo 'echo pwned' >"$tmp/t1/d1/evil.sh"
st=0; "$CRC" verify "$tmp/t1/d1" >/dev/null 2>"$tmp/err" || st=$?
[ "$st" = 1 ] || fail "tampered drop: exit $st, want 1"
grep -q "^crc: verify: $art: sha256 mismatch: expected [0-9a-f]\{64\} got [0-9a-f]\{64\}$" "$tmp/err" ||
  fail "no sha256 mismatch line: $(cat "$tmp/err")"
grep -q "^crc: verify: evil.sh: not listed in manifest.yaml$" "$tmp/err" || fail "no extra-file line: $(cat "$tmp/err")"
grep -q "FAILED: 2 problems$" "$tmp/err" || fail "not every problem reported: $(cat "$tmp/err")"
"$CRC" verify --allow-extra "$tmp/t1/d1" 2>"$tmp/err" >/dev/null && fail "--allow-extra hid the mismatch"
grep -q evil.sh "$tmp/err" && fail "--allow-extra still reports evil.sh"
# A manifest re-pinned to the tampered archive (and SHA256SUMS with it) passes a plain check; the
# signature is what catches it.
python3 - "$tmp/t1/d1" "$art" <<'PY'
import hashlib, os, re, sys
d, art = sys.argv[1], sys.argv[2]
h = lambda p: hashlib.sha256(open(os.path.join(d, p), "rb").read()).hexdigest()
m = open(os.path.join(d, "manifest.yaml")).read()
old = re.search(r"- path: %s\n  target: .*\n  format: .*\n  size: .*\n  sha256: \"([0-9a-f]{64})\"" % re.escape(art), m).group(1)
open(os.path.join(d, "manifest.yaml"), "w").write(m.replace(old, h(art)))
sums = open(os.path.join(d, "SHA256SUMS")).read().splitlines()
out = []
for line in sums:
    digest, name = line.split("  ", 1)
    out.append("%s  %s" % (h(name) if name in (art, "manifest.yaml") else digest, name))
open(os.path.join(d, "SHA256SUMS"), "w").write("\n".join(out) + "\n")
os.remove(os.path.join(d, "evil.sh"))
PY
"$CRC" verify "$tmp/t1/d1" >/dev/null 2>"$tmp/err" || fail "a consistently re-pinned drop should pass without a key: $(cat "$tmp/err")"
st=0; "$CRC" verify --pubkey "$tmp/k.pub" "$tmp/t1/d1" >/dev/null 2>"$tmp/err" || st=$?
[ "$st" = 1 ] || fail "re-pinned manifest with --pubkey: exit $st, want 1"
grep -q "^crc: verify: manifest.yaml.sig: " "$tmp/err" || fail "no signature line: $(cat "$tmp/err")"
st=0; "$CRC" verify --pubkey "$tmp/other.pub" "$d1" >/dev/null 2>&1 || st=$?
[ "$st" = 1 ] || fail "another key's public key accepted (exit $st)"

# Deploy.
dep=$tmp/dep
st=0; "$CRC" deploy "$tmp/t1/d1" --to "$dep" --pubkey "$tmp/k.pub" >/dev/null 2>"$tmp/err" || st=$?
[ "$st" = 1 ] || fail "deploy of a re-pinned drop: exit $st, want 1"
grep -q "does not verify: nothing deployed" "$tmp/err" || fail "deploy refusal: $(cat "$tmp/err")"
[ -e "$dep/current" ] && fail "a refused deploy created current"
"$CRC" deploy "$d1" --to "$dep" --pubkey "$tmp/k.pub" >"$tmp/out" || fail "deploy d1"
grep -qx "deployed d1 (x86_64-linux-gnu): $dep/current -> releases/d1" "$tmp/out" || fail "deploy output: $(cat "$tmp/out")"
[ "$(readlink "$dep/current")" = releases/d1 ] || fail "current is not releases/d1"
"$dep/current/bin/noa" version --json | grep -q '"profile": *"edge"' || fail "the deployed noa does not run"
cmp "$dep/current/share/noa/policy.yaml" <(tar -xOf "$d1/$(cd "$d1" && ls noa-*-x86_64-linux-gnu.tar.zst)" \
  --zstd share/noa/policy.yaml) || fail "deployed files differ from the archive"
for i in 2 3 4; do
  "$CRC" build -q --profile edge --target x86_64-linux-gnu --drop-id "d$i" >/dev/null || fail "build d$i"
  "$CRC" deploy --profile edge --drop-id "d$i" --to "$dep" --keep 1 --json >"$tmp/json" || fail "deploy d$i"
done
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["release"]=="d4" and r["previous"]=="d3" and r["pruned"]==["d2"], r' \
  "$tmp/json" || fail "deploy --json: $(cat "$tmp/json")"
[ "$(ls "$dep/releases")" = "$(printf 'd3\nd4')" ] || fail "--keep 1 kept: $(ls "$dep/releases")"
"$CRC" rollback --to "$dep" >"$tmp/out" || fail "rollback"
[ "$(readlink "$dep/current")" = releases/d3 ] || fail "rollback did not switch to d3"
st=0; "$CRC" rollback --to "$dep" >/dev/null 2>"$tmp/err" || st=$?
[ "$st" = 3 ] || fail "rollback past the first kept release: exit $st, want 3"
grep -q "no earlier release to roll back to" "$tmp/err" || fail "rollback message: $(cat "$tmp/err")"

# SIGKILL at many moments: current always names a whole release that matches its archive.
for delay in 0.002 0.005 0.01 0.02 0.03 0.05 0.08 0.12; do
  id=d2; [ "$(readlink "$dep/current")" = releases/d2 ] && id=d4
  "$CRC" deploy -q --profile edge --drop-id "$id" --to "$dep" --keep 1 >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"; kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  cur=$(readlink "$dep/current") || fail "current vanished after a kill at ${delay}s"
  rel=${cur#releases/}
  a="storage/artifacts/edge/$rel/$(cd "storage/artifacts/edge/$rel" && ls noa-*-x86_64-linux-gnu.tar.zst)"
  mkdir -p "$tmp/x" && rm -rf "$tmp/x"/* && tar -xf "$a" --zstd -C "$tmp/x"
  diff -r "$tmp/x" "$dep/current" >/dev/null || fail "after a kill at ${delay}s current ($cur) is not a whole release"
done
"$CRC" deploy -q --profile edge --drop-id d4 --to "$dep" >/dev/null || fail "deploy after the kills"
ls -a "$dep" "$dep/releases" | grep -q -- '^\.tmp-\|^\.current-' && fail "leftovers of killed deploys remain"
echo "ok: signed drop verified, tampering caught, deployed, pruned, rolled back, and safe under SIGKILL"
