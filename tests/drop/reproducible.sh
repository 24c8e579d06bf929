#!/usr/bin/env bash
# crc build --profile edge in two checkouts of the same commit at different paths: the drops (archives,
# flags.txt, manifest.yaml, SHA256SUMS, the Dockerfile and the OCI image layout under image/, every digest)
# must be byte-identical, with the same default drop id. Then, in
# the first: sha256sum -c passes; the aarch64 program runs under qemu-aarch64 and reports the profile's
# gates, the wasm32 one under Node and is the module binaryen's wasm-opt made (manifest: wasm_opt with
# size_after < size_before, smoke ok); a second build is a no-op ("up to date") that leaves the drop as it
# was; --force rebuilds the same bytes; flags.txt is what crc plan --flags-txt prints.
# Usage: reproducible.sh CRC SOURCE_DIR
CRC=$1 SRC=$2
. "$SRC/tests/drop/lib.sh"
tmp=$(mktemp -d /tmp/crc-drop-XXXXXX); trap 'rm -rf "$tmp"' EXIT
checkout "$tmp/a"
checkout "$tmp/nested/path/b"
(cd "$tmp/a" && "$CRC" -q build --profile edge >"$tmp/out-a" 2>"$tmp/err-a") || { cat "$tmp/err-a"; fail "build in a"; }
(cd "$tmp/nested/path/b" && "$CRC" -q build --profile edge >"$tmp/out-b" 2>"$tmp/err-b") || { cat "$tmp/err-b"; fail "build in b"; }
a=$(drop_of "$tmp/a" edge) b=$(drop_of "$tmp/nested/path/b" edge)
[ "$(basename "$a")" = "$(basename "$b")" ] || fail "drop ids differ: $a $b"
case $(basename "$a") in 20261101-[0-9a-f]*-[0-9a-f]*) ;; *) fail "default drop id $(basename "$a")" ;; esac
ls "$a" >"$tmp/ls-a"; ls "$b" >"$tmp/ls-b"
cmp -s "$tmp/ls-a" "$tmp/ls-b" || fail "the drops hold different files"
[ "$(wc -l <"$tmp/ls-a")" = 9 ] ||
  fail "expected 3 archives, Dockerfile, flags.txt, image, provenance.json, manifest.yaml, SHA256SUMS: $(cat "$tmp/ls-a")"
(cd "$a" && find image -type f | sort) >"$tmp/image-a"
(cd "$b" && find image -type f | sort) >"$tmp/image-b"
cmp -s "$tmp/image-a" "$tmp/image-b" || fail "the image layouts hold different files"
[ "$(grep -c '^image/blobs/sha256/' "$tmp/image-a")" = 7 ] ||
  fail "expected 7 blobs (layer, config, manifest of amd64 and arm64; the index): $(cat "$tmp/image-a")"
for f in $(grep -vx image "$tmp/ls-a") $(cat "$tmp/image-a"); do
  if ! cmp -s "$a/$f" "$b/$f"; then
    diffoscope "$a/$f" "$b/$f" | head -60
    fail "$f differs between the two checkouts"
  fi
done
# diffoscope (scripts/setup installs it) is what explains a difference; it must be able to read the archives.
arch=$(ls "$a" | grep '\.tar\.' | head -1)
diffoscope "$a/$arch" "$b/$arch" >"$tmp/diffoscope" 2>&1 || { cat "$tmp/diffoscope"; fail "diffoscope on $arch"; }
grep -q "$tmp" "$a/manifest.yaml" "$a/flags.txt" && fail "a path of the build machine in the metadata"
(cd "$a" && sha256sum --quiet -c SHA256SUMS) || fail "sha256sum -c SHA256SUMS"

# The programs run and report what the profile asked for.
id=$(basename "$a")
x=$tmp/x; mkdir -p "$x/arm" "$x/wasm"
tar -xf "$a/noa-$id-aarch64-linux-gnu.tar.zst" -C "$x/arm" || fail "extracting the aarch64 archive"
file "$x/arm/bin/noa" | grep -q 'ARM aarch64' || fail "bin/noa is not an aarch64 ELF: $(file "$x/arm/bin/noa")"
v=$(qemu-aarch64 -L /usr/aarch64-linux-gnu -E LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib "$x/arm/bin/noa" version --json) ||
  fail "the aarch64 noa does not run under qemu-aarch64"
for want in '"low-power"' '"quantized-kernels"' '"opt_level": "z"' '"lto": "fat"' '"profile": "edge"'; do
  printf '%s' "$v" | grep -qF "$want" || fail "noa version --json lacks $want: $v"
done
grep -qx 'prefer_gpu: false' "$x/arm/share/noa/policy.yaml" || fail "share/noa/policy.yaml: $(cat "$x/arm/share/noa/policy.yaml")"
[ -f "$x/arm/lib/libnoa.a" ] && [ -f "$x/arm/include/noa/hardware.h" ] && [ -f "$x/arm/README" ] || fail "installed tree incomplete"
tar -xf "$a/noa-$id-wasm32-wasi.tar.zst" -C "$x/wasm" || fail "extracting the wasm32 archive"
node "$SRC/runtime/cmake/wasi-run.mjs" "$x/wasm/bin/noa.wasm" version --json | grep -qF '"quantized-kernels"' ||
  fail "the wasm32 noa does not run under Node"
# edge asks for wasm_opt: O3. The wasm32 target (only) records it, the module shrank, and the optimized
# module is the one that passed the smoke run and was packed.
python3 - "$a/manifest.yaml" "$x/wasm/bin/noa.wasm" >"$tmp/wasm-opt" 2>&1 <<'PY' || { cat "$tmp/wasm-opt"; fail "wasm_opt in manifest.yaml"; }
import os, sys, yaml
m = yaml.safe_load(open(sys.argv[1]))
t = {x["triple"]: x for x in m["targets"]}
w = t["wasm32-wasi"].get("wasm_opt")
assert w and w["level"] == "O3", "wasm32-wasi has no wasm_opt O3: %r" % (w,)
assert 0 < w["size_after"] < w["size_before"], "not smaller: %r" % (w,)
assert t["wasm32-wasi"]["smoke"]["ok"] is True, "the optimized module's smoke run did not pass"
assert os.path.getsize(sys.argv[2]) == w["size_after"], "the packed noa.wasm is not the optimized one"
assert all("wasm_opt" not in x for k, x in t.items() if k != "wasm32-wasi"), "wasm_opt on another target"
print("wasm_opt O3: %d -> %d bytes" % (w["size_before"], w["size_after"]))
PY
cat "$tmp/wasm-opt"
grep -qx 'optimize wasm-opt -O3 .*' "$a/flags.txt" || fail "flags.txt has no optimize line"
grep -q '^crc: optimized ' "$tmp/a/build/crc/edge/wasm32-wasi/crc-build.log" || fail "the optimize step is not in the log"
tar -tvf "$a/noa-$id-x86_64-linux-gnu.tar.zst" >"$tmp/tv"
awk '{print $2}' "$tmp/tv" | sort -u | grep -qvx '0/0' && fail "an entry not owned by 0/0: $(cat "$tmp/tv")"
grep -q '2026-11-01 12:00' "$tmp/tv" || fail "mtime is not SOURCE_DATE_EPOCH (the commit time): $(head -3 "$tmp/tv")"

# flags.txt is the plan's.
(cd "$tmp/a" && "$CRC" plan --profile edge --flags-txt) | cmp -s - "$a/flags.txt" || fail "flags.txt differs from crc plan --flags-txt"

# No-op, then --force.
find "$a" -exec stat -c '%n %Y %i' {} + | sort >"$tmp/stat-1"
(cd "$tmp/a" && "$CRC" build --profile edge >"$tmp/out-noop" 2>&1) || fail "no-op build: $(cat "$tmp/out-noop")"
grep -q '^up to date: ' "$tmp/out-noop" || fail "the second build is not a no-op: $(cat "$tmp/out-noop")"
find "$a" -exec stat -c '%n %Y %i' {} + | sort | cmp -s - "$tmp/stat-1" || fail "the no-op touched the drop"
cp -r "$a" "$tmp/before"
(cd "$tmp/a" && "$CRC" -q build --profile edge --force >/dev/null 2>"$tmp/err-force") || { cat "$tmp/err-force"; fail "--force"; }
diff -r "$a" "$tmp/before" >/dev/null || fail "--force rebuilt the drop differently: $(diff -rq "$a" "$tmp/before")"
ls -a "$tmp/a/storage/artifacts/edge" | grep -q '^\.tmp-\|^\.old-' && fail "leftovers after --force"
echo "ok: edge drop $id is reproducible across checkouts and verifies"
