#!/usr/bin/env bash
# crc build --profile server writes image/, an OCI image layout, checked here with the real tools. skopeo
# reads each architecture through the multi-architecture index (os, architecture, variant v8 for arm64,
# entrypoint, the labels: drop id, profile, triple, the commit and the creation time of manifest.yaml) and
# its one layer, config and manifest are the digests and sizes manifest.yaml records; skopeo copies the
# whole layout keeping every digest. umoci unpacks each architecture's manifest: usr/local is the
# target's archive (same files, same modes), and besides it the root holds exactly the toolchain's
# image_files, the host's own. The unpacked noa runs from its root alone (amd64 in a chroot, arm64 under
# qemu-aarch64, tests/image/run-root.sh) and names its triple. The Dockerfile's stage for each
# architecture ADDs that target's layer, and buildah (a Dockerfile builder without a daemon) builds from
# the Dockerfile, per platform, the file system umoci unpacked (modes and owners included) with the image
# config's architecture, entrypoint, PATH and labels. crc verify --deep and
# sha256sum -c pass; a flipped byte in a layer and an unlisted blob are refused (exit 1). (Two checkouts
# writing the same layout byte for byte: drop.reproducible.) A drop with no Linux target (edge's
# wasm32-wasi) has no image.
# Usage: image.sh CRC SOURCE_DIR
CRC=$1 SRC=$2
. "$SRC/tests/drop/lib.sh"
tmp=$(mktemp -d /tmp/crc-drop-XXXXXX); trap 'rm -rf "$tmp"' EXIT
checkout "$tmp/s"
cd "$tmp/s"
# The source's remote, as a CI checkout over SSH would name it: the images say where the source is, as an
# https URL without the user.
git remote add origin git@github.com:acme/noa.git || fail "git remote add"
"$CRC" -q build --profile server --drop-id i1 --storage "$tmp/st" >/dev/null 2>"$tmp/err" ||
  { cat "$tmp/err"; fail "server build"; }
d=$tmp/st/server/i1
[ -f "$d/image/oci-layout" ] && [ -f "$d/image/index.json" ] || fail "no image layout in $d: $(ls "$d")"
"$CRC" verify --deep "$d" >/dev/null || fail "crc verify --deep"
(cd "$d" && sha256sum --quiet -c SHA256SUMS) || fail "sha256sum -c"
grep -q '  image/index.json$' "$d/SHA256SUMS" || fail "SHA256SUMS lacks image/index.json"

# skopeo: each architecture through the index (i1), and each manifest by its own name (i1-<arch>).
for a in amd64 arm64; do
  skopeo inspect --override-arch "$a" "oci:$d/image:i1" >"$tmp/inspect-$a.json" 2>"$tmp/err" &&
    skopeo inspect --config --override-arch "$a" "oci:$d/image:i1" >"$tmp/config-$a.json" 2>"$tmp/err" &&
    skopeo inspect --raw "oci:$d/image:i1-$a" >"$tmp/manifest-$a.json" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "skopeo inspect $a"; }
done
python3 - "$d" "$tmp" <<'PY' || fail "what skopeo reads is not what manifest.yaml records"
import gzip, hashlib, json, os, sys, yaml
d, tmp = sys.argv[1], sys.argv[2]
m = yaml.safe_load(open(os.path.join(d, "manifest.yaml")))
blob = lambda h: open(os.path.join(d, "image", "blobs", "sha256", h), "rb").read()
refs = {e["annotations"]["org.opencontainers.image.ref.name"]: e
        for e in json.load(open(os.path.join(d, "image", "index.json")))["manifests"]}
assert sorted(refs) == ["i1", "i1-amd64", "i1-arm64"], sorted(refs)
assert refs["i1"]["mediaType"] == "application/vnd.oci.image.index.v1+json", refs["i1"]
triples = {"amd64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu"}
for a, triple in triples.items():
    t = [x for x in m["targets"] if x["triple"] == triple][0]
    im = t["image"]
    assert im["architecture"] == a and im.get("variant") == ("v8" if a == "arm64" else None), im
    labels = {"org.crc.drop-id": "i1", "org.crc.profile": "server", "org.crc.triple": triple,
              "org.opencontainers.image.created": m["created"],
              "org.opencontainers.image.revision": m["source"]["commit"],
              "org.opencontainers.image.source": "https://github.com/acme/noa",
              "org.opencontainers.image.title": "noa"}
    assert m["source"]["url"] == "https://github.com/acme/noa", m["source"]
    i = json.load(open(os.path.join(tmp, "inspect-%s.json" % a)))
    assert i["Architecture"] == a and i["Os"] == "linux", i
    assert i.get("Variant", im.get("variant")) == im.get("variant"), i
    assert i["Labels"] == labels, (i["Labels"], labels)
    assert i["Layers"] == ["sha256:" + im["layer_sha256"]], (i["Layers"], im)
    assert i["Digest"] == refs["i1"]["digest"], (i["Digest"], refs["i1"])
    c = json.load(open(os.path.join(tmp, "config-%s.json" % a)))
    assert c["architecture"] == a and c["os"] == "linux" and c.get("variant") == im.get("variant"), c
    assert c["created"] == m["created"], c["created"]
    assert c["config"]["Entrypoint"] == ["/usr/local/bin/noa"], c["config"]
    assert any(e.startswith("PATH=") and "/usr/local/bin" in e for e in c["config"]["Env"]), c["config"]
    assert c["config"]["Labels"] == labels, c["config"]["Labels"]
    assert c["rootfs"] == {"type": "layers", "diff_ids": ["sha256:" + im["diff_id"]]}, c["rootfs"]
    layer = blob(im["layer_sha256"])
    assert hashlib.sha256(gzip.decompress(layer)).hexdigest() == im["diff_id"], "diff_id is not the tar's"
    raw = open(os.path.join(tmp, "manifest-%s.json" % a), "rb").read()
    assert hashlib.sha256(raw).hexdigest() == im["manifest_sha256"] and len(raw) == im["manifest_size"], a
    assert refs["i1-" + a]["digest"] == "sha256:" + im["manifest_sha256"], refs["i1-" + a]
    mf = json.loads(raw)
    assert mf["config"]["digest"] == "sha256:" + im["config_sha256"], mf["config"]
    assert mf["config"]["size"] == im["config_size"] == len(blob(im["config_sha256"])), mf["config"]
    assert [(l["mediaType"], l["digest"], l["size"]) for l in mf["layers"]] == [
        ("application/vnd.oci.image.layer.v1.tar+gzip", "sha256:" + im["layer_sha256"], im["layer_size"])
    ], mf["layers"]
    assert len(layer) == im["layer_size"], (len(layer), im["layer_size"])
PY
skopeo copy -q --all --preserve-digests "oci:$d/image:i1" "oci:$tmp/copy:i1" 2>"$tmp/err" ||
  { cat "$tmp/err"; fail "skopeo copy --all"; }
cmp -s <(ls "$d/image/blobs/sha256") <(ls "$tmp/copy/blobs/sha256") ||
  fail "skopeo copy --all wrote other blobs: $(ls "$tmp/copy/blobs/sha256")"

# umoci unpacks each architecture; the root is the archive under usr/local plus the host's image files.
umoci_opts=()
buildah=(buildah --root "$tmp/buildah/root" --runroot "$tmp/buildah/run" --storage-driver vfs)
# buildah applies layers through a helper that makes / a private mount, which fails where / is no mount
# point (a chroot, as ../shared/tools/fresh-machine gives): there it runs in a mount namespace of its own,
# chrooted into a bind mount of /. That bind mount is made on a private mount of the empty directory
# itself, so that nothing propagates back out of the namespace (were the chroot's mount shared).
run_buildah() {
  if mountpoint -q /; then
    BUILDAH_ISOLATION=chroot "${buildah[@]}" "$@"
    return
  fi
  mkdir -p "$tmp/newroot"
  BUILDAH_ISOLATION=chroot unshare -m --propagation unchanged sh -c \
    'mount --bind "$0" "$0" && mount --make-private "$0" && mount --rbind / "$0" &&
      mount --make-rprivate "$0" && cd "$0" && exec chroot . "$@"' \
    "$tmp/newroot" "${buildah[@]}" "$@"
}
if [ "$(id -u)" != 0 ]; then
  echo "image.sh: not root: umoci unpack --rootless, and the amd64 chroot in a user namespace" >&2
  umoci_opts=(--rootless)
fi
for a in amd64 arm64; do
  case $a in amd64) t=x86_64-linux-gnu ;; arm64) t=aarch64-linux-gnu ;; esac
  umoci unpack "${umoci_opts[@]}" --image "$d/image:i1-$a" "$tmp/bundle-$a" >"$tmp/out" 2>&1 ||
    { cat "$tmp/out"; fail "umoci unpack i1-$a"; }
  r=$tmp/bundle-$a/rootfs x=$tmp/x-$a
  mkdir "$x" && tar -xzf "$d/noa-i1-$t.tar.gz" -C "$x" || fail "extracting noa-i1-$t.tar.gz"
  cmp -s "$r/usr/local/bin/noa" "$x/bin/noa" || fail "$a: usr/local/bin/noa is not the archive's bin/noa"
  diff -r "$r/usr/local" "$x" >"$tmp/diff" 2>&1 || { head -20 "$tmp/diff"; fail "$a: usr/local is not the archive"; }
  (cd "$r/usr/local" && find . -mindepth 1 -printf '%p %y %m\n' | sort) >"$tmp/modes-image"
  (cd "$x" && find . -mindepth 1 -printf '%p %y %m\n' | sort) >"$tmp/modes-archive"
  diff "$tmp/modes-archive" "$tmp/modes-image" >"$tmp/diff" || { cat "$tmp/diff"; fail "$a: modes under usr/local"; }
  python3 -c 'import sys, yaml; print("\n".join(sorted(yaml.safe_load(open(sys.argv[1]))["image_files"])))' \
    "templates/toolchains/$t.yaml" >"$tmp/want-files" || fail "image_files of $t"
  (cd "$r" && find . -path ./usr/local -prune -o ! -type d -print | cut -c2- | sort) >"$tmp/got-files"
  diff "$tmp/want-files" "$tmp/got-files" >"$tmp/diff" ||
    { cat "$tmp/diff"; fail "$a: the root outside usr/local is not the toolchain's image_files"; }
  while read -r f; do cmp -s "$r$f" "$f" || fail "$a: $f is not the host's"; done <"$tmp/want-files"
  v=$(sh "$SRC/tests/image/run-root.sh" "$a" "$r" /usr/local/bin/noa version --json 2>"$tmp/err") ||
    { cat "$tmp/err"; fail "$a: noa version from the unpacked root"; }
  for want in "\"target\": \"$t\"" '"profile": "server"' '"gpu-offload"'; do
    printf '%s' "$v" | grep -qF "$want" || fail "$a: noa version --json lacks $want: $v"
  done
  sh "$SRC/tests/image/run-root.sh" "$a" "$r" /usr/local/bin/noa target --json >"$tmp/out" 2>&1 &&
    grep -qF '"schema": "noa.target/v1"' "$tmp/out" || { cat "$tmp/out"; fail "$a: noa target --json"; }
  # The Dockerfile's stage for this architecture ADDs this target's layer at /, and buildah (a Dockerfile
  # builder without a daemon) builds from it the file system umoci unpacked from image/, modes and owners
  # included, with the image config's entrypoint, PATH and labels.
  src=$(awk -v a="$a" '$1 == "FROM" { s = ($2 == "scratch" && $3 == "AS" && $4 == a) } s && $1 == "ADD" && $3 == "/" { print $2 }' "$d/Dockerfile")
  [ "$(printf '%s\n' "$src" | grep -c .)" = 1 ] || fail "$a: the Dockerfile's stage does not ADD one layer: $src"
  [ "$src" = "image/blobs/sha256/$(python3 -c 'import sys, yaml
print([t for t in yaml.safe_load(open(sys.argv[1]))["targets"] if t["triple"] == sys.argv[2]][0]["image"]["layer_sha256"])' "$d/manifest.yaml" "$t")" ] ||
    fail "$a: the Dockerfile ADDs $src, not the target's layer"
  run_buildah build --platform "linux/$a" -t "noa-$a" "$d" >"$tmp/out" 2>&1 ||
    { cat "$tmp/out"; fail "$a: buildah build of the drop's Dockerfile"; }
  run_buildah push "noa-$a" "oci:$tmp/buildah-$a:noa" >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "$a: buildah push"; }
  umoci unpack "${umoci_opts[@]}" --image "$tmp/buildah-$a:noa" "$tmp/bbundle-$a" >"$tmp/out" 2>&1 ||
    { cat "$tmp/out"; fail "$a: umoci unpack of buildah's image"; }
  diff -r --no-dereference "$r" "$tmp/bbundle-$a/rootfs" >"$tmp/diff" 2>&1 ||
    { head -20 "$tmp/diff"; fail "$a: the Dockerfile's file system differs from the image's"; }
  (cd "$r" && find . -printf '%p %y %m %U %G\n' | sort) >"$tmp/modes-image"
  (cd "$tmp/bbundle-$a/rootfs" && find . -printf '%p %y %m %U %G\n' | sort) >"$tmp/modes-docker"
  diff "$tmp/modes-image" "$tmp/modes-docker" >"$tmp/diff" || { cat "$tmp/diff"; fail "$a: modes of the Dockerfile's file system"; }
  skopeo inspect --config "oci:$tmp/buildah-$a:noa" >"$tmp/config-docker" || fail "$a: buildah's config"
  skopeo inspect --config --override-arch "$a" "oci:$d/image:i1" >"$tmp/config-image" || fail "$a: the image's config"
  python3 - "$tmp/config-image" "$tmp/config-docker" "$a" <<'PY' || fail "$a: buildah's config differs from the image's"
import json, sys
i, k = (json.load(open(p)) for p in sys.argv[1:3])
assert k["architecture"] == i["architecture"] == sys.argv[3] and k["os"] == "linux", (i, k)
for key in ("Entrypoint", "Env"):
    assert k["config"][key] == i["config"][key], (key, i["config"][key], k["config"][key])
labels = {n: v for n, v in k["config"]["Labels"].items() if not n.startswith("io.buildah.")}
assert labels == i["config"]["Labels"], (i["config"]["Labels"], labels)
PY
done
# The Dockerfile's last stage picks the platform's stage.
grep -qx 'FROM ${TARGETARCH}' "$d/Dockerfile" || fail "the Dockerfile's last stage is not FROM \${TARGETARCH}"

# Tampering: a flipped byte in a layer, an unlisted blob.
layer=$(python3 -c 'import sys, yaml
print([t for t in yaml.safe_load(open(sys.argv[1]))["targets"] if t["triple"] == "aarch64-linux-gnu"][0]["image"]["layer_sha256"])' \
  "$d/manifest.yaml") || fail "layer_sha256 of aarch64-linux-gnu"
# Copies under the drop's own id: a drop is valid only in a directory of its name.
id=$(basename "$d")
mkdir "$tmp/flipped" "$tmp/extra"
cp -a "$d" "$tmp/flipped/$id"
b=$(od -An -tu1 -j1000 -N1 "$d/image/blobs/sha256/$layer" | tr -d ' ')
printf "\\$(printf %o $((b ^ 1)))" | dd of="$tmp/flipped/$id/image/blobs/sha256/$layer" bs=1 seek=1000 conv=notrunc 2>/dev/null
cmp -s "$d/image/blobs/sha256/$layer" "$tmp/flipped/$id/image/blobs/sha256/$layer" && fail "the byte was not flipped"
st=0; "$CRC" verify "$tmp/flipped/$id" >/dev/null 2>"$tmp/err" || st=$?
[ "$st" = 1 ] || fail "verify with a flipped layer byte: exit $st, want 1: $(cat "$tmp/err")"
grep -q "image/blobs/sha256/$layer: sha256 mismatch" "$tmp/err" || fail "message: $(cat "$tmp/err")"
cp -a "$d" "$tmp/extra/$id"
h=$(printf 'extra\n' | sha256sum | cut -c1-64)
printf 'extra\n' >"$tmp/extra/$id/image/blobs/sha256/$h"
st=0; "$CRC" verify "$tmp/extra/$id" >/dev/null 2>"$tmp/err" || st=$?
[ "$st" = 1 ] || fail "verify with an unlisted blob: exit $st, want 1: $(cat "$tmp/err")"
grep -q "image/blobs/sha256/$h: not listed in manifest.yaml" "$tmp/err" || fail "message: $(cat "$tmp/err")"

# Two checkouts at different paths writing the same layouts byte for byte: drop.reproducible (edge).

# No Linux target, no image.
"$CRC" -q build --profile edge --target wasm32-wasi --drop-id w1 --storage "$tmp/st" >/dev/null 2>"$tmp/err" ||
  { cat "$tmp/err"; fail "wasm32-wasi build"; }
[ -e "$tmp/st/edge/w1/image" ] && fail "a wasm32-wasi drop has image/"
grep -q '^files:' "$tmp/st/edge/w1/manifest.yaml" && fail "a wasm32-wasi manifest.yaml lists files"
grep -q '  image/' "$tmp/st/edge/w1/SHA256SUMS" && fail "a wasm32-wasi SHA256SUMS lists image files"
"$CRC" verify "$tmp/st/edge/w1" >/dev/null || fail "crc verify of the wasm32-wasi drop"
echo "ok: server drop's OCI image read by skopeo and umoci, runs from its root, verifies, reproduces"
