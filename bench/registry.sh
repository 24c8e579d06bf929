#!/usr/bin/env bash
# Times crc push and crc pull of a drop holding a 256 MiB artifact against `skopeo copy` of the same bytes,
# in one run, on Debian's docker-registry (the distribution registry) on 127.0.0.1:
#   crc push DROP HOST/bench/crc:tN                     the drop, as crc's OCI artifact (one layer per file)
#   skopeo copy dir:D docker://HOST/bench/skopeo:tN     the same artifact: D is a skopeo dir: layout holding
#                                                      the manifest crc pushed and the drop's files as blobs
#   crc --storage EMPTY pull HOST/bench/crc:tN          download, digest checks, deep verification, publish
#   skopeo copy docker://HOST/bench/skopeo:tN dir:OUT   download with digest checks
#   crc verify --deep PULLED                            the verification part of crc pull, on its own
# Every run starts a fresh registry (new storage, new port), so no blob is ever already there, and runs crc
# and skopeo interleaved (which goes first alternates). It prints, per operation, the median wall time of
# RUNS runs, the range, MB/s, CPU time and peak RSS (GNU time's %M), and the ratios crc / skopeo for push
# and pull (goal: <= 1, crc no slower). Not a test: run it by hand; the machine may be shared, so read the
# ratios, not one absolute time.
#
# Usage: bench/registry.sh [MB]
#   MB   size in MiB of the large artifact's data (default 255: a tar.zst of 256.0 MiB, with its 1 MiB
#        bin/noa); the drop also holds one small artifact (2 MiB), flags.txt, manifest.yaml and SHA256SUMS.
# Environment: BUILD (crc's build directory, default build/, built with ./scripts/build when it has no
# bin/crc; CRC names a binary instead), RUNS (default 5), KEEP=1 keeps the scratch directory in /tmp.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
runs=${RUNS:-5}
mb=${1:-255}
build=${BUILD:-$src/build}

# need TOOL PACKAGE: the tool must be on PATH (or an existing file), else say which Debian package has it.
need() {
  command -v "$1" >/dev/null 2>&1 || [ -e "$1" ] ||
    { echo "bench/registry.sh: '$1' not found (Debian package $2)" >&2; exit 1; }
}
need docker-registry docker-registry
need skopeo skopeo
need curl curl
need python3 python3
need openssl openssl
need zstd zstd
need /usr/bin/time time

if [ -n "${CRC:-}" ]; then
  crc=$CRC
else
  crc=$build/bin/crc
  if [ ! -x "$crc" ]; then
    [ -z "${BUILD:-}" ] || { echo "bench/registry.sh: $crc not found (BUILD=$BUILD)" >&2; exit 1; }
    echo "bench: building crc (./scripts/build)"
    "$src/scripts/build" >/dev/null
  fi
fi
[ -x "$crc" ] || { echo "bench/registry.sh: $crc not found; build crc first (./scripts/build)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/crc-registry-bench-XXXXXX)
reg_pid=
stop_registry() {
  if [ -n "$reg_pid" ]; then
    kill "$reg_pid" 2>/dev/null || true
    wait "$reg_pid" 2>/dev/null || true
    reg_pid=
  fi
}
cleanup() {
  stop_registry
  if [ "${KEEP:-0}" = 1 ]; then echo "bench: kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
unset CRC_REGISTRY_USERNAME CRC_REGISTRY_PASSWORD CRC_PUBKEY
export CRC_REGISTRY_AUTH=

. "$src/tests/drop/registry-serve.sh"
# start_registry NAME: a registry with fresh storage in $tmp/NAME at a free port; sets reg and reg_pid.
start_registry() {
  stop_registry
  rm -rf "${tmp:?}/$1"
  registry_serve "$tmp/$1" || { echo "bench/registry.sh: the registry did not start" >&2; exit 1; }
  reg_pid=$registry_pid
  reg=127.0.0.1:$registry_port
}

# The drop (fixed seed: the same bytes every time) and crc's check of it.
drop=$tmp/bench-1 # named by its drop id: a drop is valid only under its own id
echo "bench: writing a synthetic drop (${mb} MiB + 1 MiB, 2 MiB artifacts) to $drop"
python3 "$here/verify_drop.py" "$drop" "$mb" 1
"$crc" verify --deep "$drop" >/dev/null || { echo "bench/registry.sh: the synthetic drop does not verify" >&2; exit 1; }
bytes=$(cat "$drop"/* | wc -c)
big=$(cd "$drop" && ls -S | head -1)
big_bytes=$(stat -c %s "$drop/$big")

# The skopeo side: a dir: layout (manifest.json, version, blobs named by hex digest) holding the manifest crc
# pushes, taken from a first push to a scratch registry, and the drop's files, hard-linked.
start_registry setup
"$crc" push "$drop" "$reg/bench/crc:setup" >/dev/null
sk=$tmp/skopeo-dir
mkdir -p "$sk"
curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
  "http://$reg/v2/bench/crc/manifests/setup.drop" -o "$sk/manifest.json"
printf 'Directory Transport Version: 1.1\n' >"$sk/version"
python3 - "$sk" "$drop" <<'PY'
import hashlib, json, os, sys
sk, drop = sys.argv[1], sys.argv[2]
m = json.load(open(os.path.join(sk, "manifest.json")))
assert m["artifactType"] == "application/vnd.crc.drop.v1", m
open(os.path.join(sk, m["config"]["digest"].split(":")[1]), "wb").write(b"{}")
for layer in m["layers"]:
    name, hexd = layer["annotations"]["org.opencontainers.image.title"], layer["digest"].split(":")[1]
    h = hashlib.sha256()
    with open(os.path.join(drop, name), "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    assert h.hexdigest() == hexd, name
    os.link(os.path.join(drop, name), os.path.join(sk, hexd))
PY
layers=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["layers"]))' "$sk/manifest.json")
# Warm up both tools (page cache, skopeo's first start) on the scratch registry; not timed.
skopeo copy --quiet --dest-tls-verify=false "dir:$sk" "docker://$reg/bench/skopeo:setup" >/dev/null
skopeo copy --quiet --src-tls-verify=false "docker://$reg/bench/skopeo:setup" "dir:$tmp/warm-sk" >/dev/null
"$crc" --storage "$tmp/warm-st" pull "$reg/bench/crc:setup" >/dev/null
rm -rf "$tmp/warm-sk" "$tmp/warm-st"
stop_registry

results=$tmp/results.txt
: >"$results"
# timed NAME RUN CMD...: runs CMD (output to $tmp/out), appends "NAME RUN wall_s rss_kib cpu_s" to results.
timed() {
  local name=$1 run=$2 t0 t1 rss u s
  shift 2
  t0=$(date +%s.%N)
  /usr/bin/time -o "$tmp/time" -f '%M %U %S' "$@" >"$tmp/out" 2>&1 ||
    { cat "$tmp/out" >&2; echo "bench/registry.sh: $name failed in run $run" >&2; exit 1; }
  t1=$(date +%s.%N)
  read -r rss u s <"$tmp/time"
  awk -v n="$name" -v r="$run" -v a="$t0" -v b="$t1" -v m="$rss" -v u="$u" -v s="$s" \
    'BEGIN { printf "%s %s %.6f %s %.2f\n", n, r, b - a, m, u + s }' >>"$results"
}

for ((i = 1; i <= runs; i++)); do
  echo "bench: run $i of $runs"
  start_registry "reg-$i"
  rm -rf "$tmp/st" "$tmp/sk-out"
  crc_push() { timed crc_push "$i" "$crc" push "$drop" "$reg/bench/crc:t$i"; }
  sk_push() { timed skopeo_push "$i" skopeo copy --quiet --dest-tls-verify=false "dir:$sk" "docker://$reg/bench/skopeo:t$i"; }
  crc_pull() { timed crc_pull "$i" "$crc" --storage "$tmp/st" pull "$reg/bench/crc:t$i"; }
  sk_pull() { timed skopeo_pull "$i" skopeo copy --quiet --src-tls-verify=false "docker://$reg/bench/skopeo:t$i" "dir:$tmp/sk-out"; }
  if ((i % 2)); then crc_push; sk_push; crc_pull; sk_pull; else sk_push; crc_push; sk_pull; crc_pull; fi
  cmp -s "$tmp/st/edge/bench-1/$big" "$drop/$big" || { echo "bench/registry.sh: crc pulled other bytes" >&2; exit 1; }
  cmp -s "$tmp/sk-out/$(sha256sum "$drop/$big" | cut -d' ' -f1)" "$drop/$big" ||
    { echo "bench/registry.sh: skopeo pulled other bytes" >&2; exit 1; }
  timed crc_verify_deep "$i" "$crc" verify --deep "$tmp/st/edge/bench-1"
  timed crc_verify "$i" "$crc" verify "$tmp/st/edge/bench-1"
  stop_registry
done

python3 - "$results" "$bytes" "$big_bytes" "$layers" "$runs" "$(nproc)" \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" <<'PY'
import statistics, sys
path, nbytes, big, layers, runs, cpus, model = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), *sys.argv[4:]
rows = {}
for line in open(path):
    name, _, wall, rss, cpu = line.split()
    rows.setdefault(name, []).append((float(wall), int(rss), float(cpu)))
med = lambda name, k: statistics.median(r[k] for r in rows[name])
mb = nbytes / 1e6
print(f"drop: {nbytes / 2**20:.1f} MiB in {layers} layers (largest artifact {big / 2**20:.1f} MiB); "
      f"{cpus} CPUs ({model}); docker-registry on 127.0.0.1, fresh storage each run; median of {runs} runs")
print()
print("| operation | median s | min-max s | MB/s | CPU s | peak RSS MiB |")
print("|---|---:|---:|---:|---:|---:|")
labels = [("crc_push", "crc push"), ("skopeo_push", "skopeo copy dir: -> docker:"),
          ("crc_pull", "crc pull (incl. deep verify)"), ("skopeo_pull", "skopeo copy docker: -> dir:"),
          ("crc_verify_deep", "crc verify --deep (pulled drop)"), ("crc_verify", "crc verify (pulled drop)")]
for name, label in labels:
    w = [r[0] for r in rows[name]]
    m = statistics.median(w)
    print(f"| {label} | {m:.3f} | {min(w):.3f}-{max(w):.3f} | {mb / m:.0f} | {med(name, 2):.2f} | "
          f"{med(name, 1) / 1024:.1f} |")
print()
push = med("crc_push", 0) / med("skopeo_push", 0)
pull = med("crc_pull", 0) / med("skopeo_pull", 0)
net = (med("crc_pull", 0) - med("crc_verify_deep", 0)) / med("skopeo_pull", 0)
print("| ratio | value | goal |")
print("|---|---:|---|")
print(f"| push: crc / skopeo | {push:.2f} | <= 1 {'ok' if push <= 1 else 'MISSED'} |")
print(f"| pull: crc / skopeo | {pull:.2f} | <= 1 {'ok' if pull <= 1 else 'MISSED'} |")
print(f"| pull less deep verify: (crc pull - crc verify --deep) / skopeo | {net:.2f} | (for reading) |")
PY
