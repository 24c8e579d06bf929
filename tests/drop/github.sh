#!/usr/bin/env bash
# Under GITHUB_ACTIONS: each target's build log inside ::group::/::endgroup:: on stderr, a Markdown table
# of the artifacts appended to $GITHUB_STEP_SUMMARY, and stdout still exactly the --json result.
# Usage: github.sh CRC SOURCE_DIR
CRC=$1 SRC=$2
. "$SRC/tests/drop/lib.sh"
tmp=$(mktemp -d /tmp/crc-drop-XXXXXX); trap 'rm -rf "$tmp"' EXIT
checkout "$tmp/g"
cd "$tmp/g"
echo "# earlier step" >"$tmp/summary"
GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY="$tmp/summary" "$CRC" build --profile edge --target wasm32-wasi \
  --drop-id gh-1 --json >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "build under GITHUB_ACTIONS"; }
python3 -c 'import json,sys; r = json.load(open(sys.argv[1])); assert r["drop_id"] == "gh-1", r' "$tmp/out" ||
  fail "stdout is not the JSON result: $(head -5 "$tmp/out")"
grep -qx '::group::wasm32-wasi build log' "$tmp/err" || fail "no ::group:: for the target: $(head -5 "$tmp/err")"
grep -qx '::endgroup::' "$tmp/err" || fail "no ::endgroup::"
grep -q '^\$ cmake --build ' "$tmp/err" || fail "the group does not hold the build log"
head -1 "$tmp/summary" | grep -qx '# earlier step' || fail "the step summary was overwritten, not appended to"
grep -q '^| `noa-gh-1-wasm32-wasi.tar.zst` | wasm32-wasi | [0-9]* | `[0-9a-f]\{64\}` |$' "$tmp/summary" ||
  fail "no artifact row in the step summary: $(cat "$tmp/summary")"
echo "ok: GitHub Actions groups and step summary"
