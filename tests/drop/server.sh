#!/usr/bin/env bash
# crc build --profile server: a complete tar.gz drop (gzip headers without time or name), --json output,
# the aarch64 program reporting the server gates; then the input errors: an existing drop id built from
# other inputs (exit 3 without --force), a bad --drop-id (exit 2), and --force replacing the drop whole.
# Usage: server.sh CRC SOURCE_DIR
CRC=$1 SRC=$2
. "$SRC/tests/drop/lib.sh"
tmp=$(mktemp -d /tmp/crc-drop-XXXXXX); trap 'rm -rf "$tmp"' EXIT
checkout "$tmp/s"
cd "$tmp/s"
"$CRC" -q build --profile server --drop-id ci-7 --json >"$tmp/json" 2>"$tmp/err" || { cat "$tmp/err"; fail "server build"; }
d=storage/artifacts/server/ci-7
[ -d "$d" ] || fail "no drop at $d"
python3 - "$tmp/json" "$d" <<'PY' || fail "--json result"
import json, sys, hashlib, os
r = json.load(open(sys.argv[1]))
assert r["schema"] == "crc.build/v1" and r["drop_id"] == "ci-7" and r["up_to_date"] is False, r
assert [a["target"] for a in r["artifacts"]] == ["x86_64-linux-gnu", "aarch64-linux-gnu"], r
for a in r["artifacts"]:
    p = os.path.join(sys.argv[2], a["path"])
    assert a["path"].endswith(".tar.gz") and os.path.getsize(p) == a["size"], a
    assert hashlib.sha256(open(p, "rb").read()).hexdigest() == a["sha256"], a
PY
(cd "$d" && sha256sum --quiet -c SHA256SUMS) || fail "sha256sum -c"
for f in "$d"/*.tar.gz; do
  gzip -t "$f" || fail "gzip -t $f"
  [ "$(od -An -tx1 -j3 -N5 "$f" | tr -d ' \n')" = 0000000000 ] || fail "$f: gzip header holds a name or a time"
done
mkdir "$tmp/x" && tar -xzf "$d/noa-ci-7-aarch64-linux-gnu.tar.gz" -C "$tmp/x"
v=$(qemu-aarch64 -L /usr/aarch64-linux-gnu -E LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib "$tmp/x/bin/noa" version --json) || fail "aarch64 noa"
for want in '"throughput"' '"gpu-offload"' '"opt_level": "3"' '"lto": "thin"' '"profile": "server"'; do
  printf '%s' "$v" | grep -qF "$want" || fail "noa version --json lacks $want: $v"
done
grep -q '^  drop_id: \|^drop_id: ' "$d/manifest.yaml" || fail "manifest.yaml: no drop_id"

# The same id from other inputs: refused, and the drop stays.
"$CRC" build --profile server --drop-id ci-7 --set optimization.opt_level=2 >"$tmp/out" 2>&1; rc=$?
[ "$rc" = 3 ] || fail "rebuilding ci-7 from other inputs: exit $rc, want 3: $(cat "$tmp/out")"
grep -q "exists and is not this build's" "$tmp/out" || fail "message: $(cat "$tmp/out")"
(cd "$d" && sha256sum --quiet -c SHA256SUMS) || fail "the refused build touched the drop"
"$CRC" build --profile server --drop-id ../x >"$tmp/out" 2>&1; rc=$?
[ "$rc" = 2 ] || fail "--drop-id ../x: exit $rc, want 2"
# --force replaces it whole.
"$CRC" -q build --profile server --drop-id ci-7 --set optimization.opt_level=2 --force >/dev/null 2>"$tmp/err" ||
  { cat "$tmp/err"; fail "--force"; }
grep -q '^  opt_level: "2"\|opt_level: "2"' "$d/manifest.yaml" || fail "--force did not replace the drop: $(grep opt_level "$d/manifest.yaml")"
(cd "$d" && sha256sum --quiet -c SHA256SUMS) || fail "sha256sum -c after --force"
[ "$(ls -a storage/artifacts/server | grep -c '^\.tmp-\|^\.old-')" = 0 ] || fail "leftovers after --force"
echo "ok: server drop"
