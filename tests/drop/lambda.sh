#!/usr/bin/env bash
# crc build --profile lambda: the drop holds function-aarch64-linux-gnu.zip (exactly one entry, bootstrap,
# mode 0755, statically linked) and template.yaml (a SAM template for provided.al2023 on arm64 whose
# CodeUri is that zip), both pinned by manifest.yaml and checked by crc verify --deep and sha256sum -c.
# The drop's own bootstrap, run under qemu-aarch64 against a fake Runtime API on 127.0.0.1, answers 100
# invocations, takes the error route for bad events and exits non-zero when the API goes away. A second
# checkout at another path builds byte-identical zips and template. With x86_64 added, partial drops
# merge into the one-machine drop byte for byte (the template rendered again for both functions), and
# crc deploy installs the tarball, never the zip. A changed template makes the drop of that id no longer
# up to date, and parts rendered from another template are not merged.
# Usage: lambda.sh CRC SOURCE_DIR
CRC=$1 SRC=$2
. "$SRC/tests/drop/lib.sh"
tmp=$(mktemp -d /tmp/crc-drop-XXXXXX); trap 'rm -rf "$tmp"' EXIT
checkout "$tmp/s"
cd "$tmp/s"
"$CRC" -q build --profile lambda --drop-id l1 --json >"$tmp/json" 2>"$tmp/err" || { cat "$tmp/err"; fail "lambda build"; }
d=storage/artifacts/lambda/l1
zip=$d/function-aarch64-linux-gnu.zip
[ -f "$zip" ] && [ -f "$d/template.yaml" ] || fail "no zip or template in $d: $(ls "$d")"
"$CRC" verify --deep "$d" >/dev/null || fail "crc verify --deep"
(cd "$d" && sha256sum --quiet -c SHA256SUMS) || fail "sha256sum -c"
grep -q '^function-aarch64-linux-gnu.zip$' <(cut -c67- "$d/SHA256SUMS") || fail "SHA256SUMS lacks the zip"
grep -q '^template.yaml$' <(cut -c67- "$d/SHA256SUMS") || fail "SHA256SUMS lacks template.yaml"

# The zip: one entry, bootstrap, -rwxr-xr-x; Info-ZIP's unzip tests it clean.
unzip -tq "$zip" >/dev/null || fail "unzip -t"
[ "$(zipinfo -1 "$zip")" = bootstrap ] || fail "zip entries: $(zipinfo -1 "$zip")"
zipinfo "$zip" bootstrap | grep -q '^-rwxr-xr-x ' || fail "bootstrap mode: $(zipinfo "$zip" bootstrap)"
mkdir "$tmp/fn" && unzip -q "$zip" -d "$tmp/fn" || fail "unzip"
sh "$SRC/runtime/tests/lambda/check-static.sh" "$tmp/fn/bootstrap" || fail "bootstrap is not statically linked"
file "$tmp/fn/bootstrap" | grep -q 'ARM aarch64' || fail "bootstrap is not aarch64: $(file "$tmp/fn/bootstrap")"

# manifest.yaml, --json and template.yaml agree on the package.
python3 - "$tmp/json" "$d" <<'PY' || fail "manifest, --json or template.yaml"
import hashlib, json, os, sys, yaml
r, d = json.load(open(sys.argv[1])), sys.argv[2]
assert [(a["path"], a["target"]) for a in r["artifacts"]] == [
    ("noa-l1-aarch64-linux-gnu.tar.gz", "aarch64-linux-gnu"),
    ("function-aarch64-linux-gnu.zip", "aarch64-linux-gnu")], r["artifacts"]
m = yaml.safe_load(open(os.path.join(d, "manifest.yaml")))
t = open(os.path.join(d, "template.yaml"), "rb").read()
assert m["template_sha256"] == hashlib.sha256(t).hexdigest()
z = [a for a in m["artifacts"] if a["format"] == "zip"]
assert len(z) == 1 and z[0]["path"] == "function-aarch64-linux-gnu.zip", z
assert [(e["path"], e["type"], e["mode"]) for e in z[0]["entries"]] == [("bootstrap", "file", "0755")], z
assert "lambda" in m["features"] and "gpu-offload" not in m["features"], m["features"]
s = yaml.safe_load(t)
assert s["Transform"] == "AWS::Serverless-2016-10-31", s
assert list(s["Resources"]) == ["NoaArm64"], s["Resources"]
p = s["Resources"]["NoaArm64"]["Properties"]
want = {"CodeUri": "function-aarch64-linux-gnu.zip", "Handler": "bootstrap", "Runtime": "provided.al2023",
        "Architectures": ["arm64"], "MemorySize": 1024, "Timeout": 30}
assert {k: p[k] for k in want} == want, p
assert s["Resources"]["NoaArm64"]["Metadata"]["CrcZipSha256"] == z[0]["sha256"]
PY

# The drop's own bootstrap serves the fake Runtime API under qemu-aarch64, with the drop's noa to compare.
mkdir "$tmp/x" && tar -xzf "$d/noa-l1-aarch64-linux-gnu.tar.gz" -C "$tmp/x" || fail "untar"
cmp -s "$tmp/x/bin/bootstrap" "$tmp/fn/bootstrap" || fail "the zip's bootstrap differs from the tarball's"
emu=(qemu-aarch64 -L /usr/aarch64-linux-gnu -E LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib)
for scenario in invocations errors init-error api-gone; do
  python3 "$SRC/runtime/tests/lambda/test_bootstrap.py" "$scenario" --bootstrap "$tmp/fn/bootstrap" \
    --noa "$tmp/x/bin/noa" --fixtures "$SRC/runtime/tests/fixtures" -- "${emu[@]}" >"$tmp/out" 2>&1 ||
    { cat "$tmp/out"; fail "bootstrap from the drop: $scenario"; }
done

# crc deploy installs the target's tarball, not its Lambda package.
"$CRC" deploy "$d" --to "$tmp/deploy" --target aarch64-linux-gnu >/dev/null 2>"$tmp/err" ||
  { cat "$tmp/err"; fail "crc deploy"; }
[ -x "$tmp/deploy/current/bin/noa" ] && [ -x "$tmp/deploy/current/bin/bootstrap" ] ||
  fail "deploy did not install the tarball: $(ls -R "$tmp/deploy/current" | head)"

# Another checkout at another path: the same zip and template, byte for byte.
checkout "$tmp/other-place"
(cd "$tmp/other-place" && "$CRC" -q build --profile lambda --drop-id l1 >/dev/null 2>"$tmp/err") ||
  { cat "$tmp/err"; fail "second lambda build"; }
for f in function-aarch64-linux-gnu.zip template.yaml manifest.yaml SHA256SUMS; do
  cmp -s "$d/$f" "$tmp/other-place/$d/$f" || fail "$f differs between two builds"
done

# Two targets (a profile extending lambda): the parts built apart merge into the one-machine drop,
# template included.
printf 'name: lambda2\ndescription: both\nextends: lambda\ntargets: [aarch64-linux-gnu, x86_64-linux-gnu]\n' \
  >profiles/lambda2.yaml
"$CRC" -q build --profile lambda2 --drop-id l2 --storage "$tmp/one" >/dev/null 2>"$tmp/err" ||
  { cat "$tmp/err"; fail "two-target lambda build"; }
for t in aarch64-linux-gnu x86_64-linux-gnu; do
  "$CRC" -q build --profile lambda2 --target "$t" --drop-id l2 --storage "$tmp/part-$t" \
    >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; fail "partial build of $t"; }
done
"$CRC" merge "$tmp/part-x86_64-linux-gnu/lambda2/l2" "$tmp/part-aarch64-linux-gnu/lambda2/l2" \
  --storage "$tmp/merged" >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; fail "merge"; }
diff -r "$tmp/one/lambda2/l2" "$tmp/merged/lambda2/l2" >/dev/null || {
  diff "$tmp/one/lambda2/l2/template.yaml" "$tmp/merged/lambda2/l2/template.yaml" | head
  fail "the merged lambda drop differs from the one-machine build"; }
python3 -c 'import sys, yaml; r = yaml.safe_load(open(sys.argv[1]))["Resources"]
assert sorted(r) == ["NoaArm64", "NoaX8664"], r
assert r["NoaX8664"]["Properties"]["Architectures"] == ["x86_64"]' "$tmp/merged/lambda2/l2/template.yaml" ||
  fail "merged template.yaml"
# A part whose template.yaml was not rendered from this checkout's template is refused.
echo "# changed" >>templates/lambda/template.yaml.in
"$CRC" merge "$tmp/part-x86_64-linux-gnu/lambda2/l2" "$tmp/part-aarch64-linux-gnu/lambda2/l2" \
  --storage "$tmp/merged2" >"$tmp/out" 2>&1; rc=$?
[ "$rc" = 3 ] || fail "merge with another template: exit $rc, want 3: $(cat "$tmp/out")"
grep -q "template.yaml was not rendered from this checkout's templates/lambda/template.yaml.in" "$tmp/out" ||
  fail "message: $(cat "$tmp/out")"
[ ! -e "$tmp/merged2/lambda2/l2" ] || fail "a refused merge published a drop"
# With the template changed, the existing drop of that id is no longer this build's.
"$CRC" build --profile lambda --drop-id l1 >"$tmp/out" 2>&1; rc=$?
[ "$rc" = 3 ] || fail "rebuild with another template: exit $rc, want 3: $(cat "$tmp/out")"
grep -q "its template.yaml was not rendered from this checkout's templates/lambda/template.yaml.in" "$tmp/out" ||
  fail "message: $(cat "$tmp/out")"
echo "ok: lambda drop"
