#!/usr/bin/env bash
# Partial drops built target by target (as CI machines would, each into its own storage), merged with
# crc merge, give the same bytes as the one-machine build of the same drop id: archives, flags.txt,
# provenance.json, manifest.yaml and SHA256SUMS. provenance.json is an in-toto Statement whose subjects
# are the artifacts of SHA256SUMS. Parts that disagree (other settings) or overlap are refused, with
# nothing published; a part that does not verify is refused.
# Usage: merge.sh CRC SOURCE_DIR
CRC=$1 SRC=$2
. "$SRC/tests/drop/lib.sh"
tmp=$(mktemp -d /tmp/crc-drop-XXXXXX); trap 'rm -rf "$tmp"' EXIT
checkout "$tmp/s"
cd "$tmp/s"
"$CRC" build -q --profile edge --drop-id m1 --storage "$tmp/one" >/dev/null || fail "one-machine build"
targets=$("$CRC" profile show edge --json | python3 -c 'import json,sys; print(" ".join(t["triple"] if isinstance(t, dict) else t for t in json.load(sys.stdin)["targets"]))')
parts=()
for t in $targets; do
  "$CRC" build -q --profile edge --target "$t" --drop-id m1 --storage "$tmp/part-$t" >/dev/null || fail "partial build of $t"
  parts+=("$tmp/part-$t/edge/m1")
done
[ "${#parts[@]}" -ge 2 ] || fail "edge has fewer than two targets: $targets"
# Merge in reverse order: the result follows the profile's order, not the command line's.
rev=(); for ((i = ${#parts[@]} - 1; i >= 0; i--)); do rev+=("${parts[$i]}"); done
"$CRC" merge "${rev[@]}" --storage "$tmp/merged" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "merge"; }
grep -q "^merged ${#parts[@]} parts into $tmp/merged/edge/m1$" "$tmp/out" || fail "merge output: $(cat "$tmp/out")"
diff -r "$tmp/one/edge/m1" "$tmp/merged/edge/m1" >/dev/null || {
  for f in $(ls "$tmp/one/edge/m1"); do cmp -s "$tmp/one/edge/m1/$f" "$tmp/merged/edge/m1/$f" || echo "differs: $f"; done
  diff "$tmp/one/edge/m1/manifest.yaml" "$tmp/merged/edge/m1/manifest.yaml" | head -20
  fail "the merged drop is not byte-identical to the one-machine build"; }
"$CRC" verify --deep "$tmp/merged/edge/m1" >/dev/null || fail "the merged drop does not verify"
(cd "$tmp/merged/edge/m1" && sha256sum --quiet -c SHA256SUMS) || fail "sha256sum -c in the merged drop"
python3 - "$tmp/merged/edge/m1" <<'PY' || fail "provenance.json"
import json, os, sys
d = sys.argv[1]
p = json.load(open(os.path.join(d, "provenance.json")))
assert p["_type"] == "https://in-toto.io/Statement/v1", p["_type"]
assert p["predicateType"] == "https://slsa.dev/provenance/v1"
sums = dict(reversed(l.split("  ", 1)) for l in open(os.path.join(d, "SHA256SUMS")).read().splitlines())
subjects = {s["name"]: s["digest"]["sha256"] for s in p["subject"]}
arts = {n: h for n, h in sums.items() if n.endswith((".tar.zst", ".tar.gz"))}
assert subjects == arts, (subjects, arts)
bd = p["predicate"]["buildDefinition"]
assert bd["externalParameters"]["profile"] == "edge" and bd["externalParameters"]["drop_id"] == "m1"
assert len(bd["internalParameters"]["toolchains"]) == len(arts)
assert bd["resolvedDependencies"][0]["digest"]["gitCommit"]
PY
# Disagreeing parts: another optimization level.
"$CRC" build -q --profile edge --target "${targets%% *}" --drop-id m1 --set optimization.opt_level=s \
  --storage "$tmp/other" >/dev/null || fail "build with other settings"
st=0; "$CRC" merge "$tmp/other/edge/m1" "${parts[1]}" --storage "$tmp/bad" >/dev/null 2>"$tmp/err" || st=$?
[ "$st" = 3 ] || fail "merging disagreeing parts: exit $st, want 3"
grep -q "disagree on optimization" "$tmp/err" || grep -q "disagree on flags.txt" "$tmp/err" ||
  fail "no disagreement message: $(cat "$tmp/err")"
[ -e "$tmp/bad/edge/m1" ] && fail "a refused merge published a drop"
# Overlapping parts.
st=0; "$CRC" merge "${parts[0]}" "$tmp/one/edge/m1" --storage "$tmp/bad" >/dev/null 2>"$tmp/err" || st=$?
[ "$st" = 3 ] || fail "merging overlapping parts: exit $st, want 3"
grep -q "both hold target" "$tmp/err" || fail "no overlap message: $(cat "$tmp/err")"
# A tampered part.
cp -a "${parts[0]}" "$tmp/tampered"
a=$(cd "$tmp/tampered" && ls noa-*.tar.*)
printf '\x55' | dd of="$tmp/tampered/$a" bs=1 seek=500 conv=notrunc 2>/dev/null
st=0; "$CRC" merge "$tmp/tampered" "${parts[1]}" --storage "$tmp/bad" >/dev/null 2>"$tmp/err" || st=$?
[ "$st" = 1 ] || fail "merging a tampered part: exit $st, want 1"
grep -q "does not verify: nothing merged" "$tmp/err" || fail "no refusal: $(cat "$tmp/err")"
[ -e "$tmp/bad/edge/m1" ] && fail "a refused merge published a drop"
echo "ok: partial drops merged byte-identically to a one-machine build; bad parts refused"
