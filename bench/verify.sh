#!/usr/bin/env bash
# Times `crc verify` against the standard tools on the same drop, in one run:
#   sha256sum -c SHA256SUMS           coreutils, one file after another
#   crc verify DROP                   every file pinned by the manifest, hashed in parallel (-j = CPUs)
#   openssl dgst -sha256 FILES...     OpenSSL's SHA-256 over the same bytes, one core
#   crc verify -j 1 DROP              crc on one core, to compare with openssl
#   crc verify --deep DROP            also decompresses every archive and checks every entry
# and the peak resident memory (GNU time's %M) of crc verify and crc verify --deep. It prints the median
# of RUNS runs of each, GB/s, and the ratios the design asks for (sha256sum / crc >= 3; crc -j1 /
# openssl <= 1.3; peak RSS < 64 MiB). The files are read from the page cache (a first run warms it), so
# the figures measure hashing, not the disk. Not a test: run it by hand after building crc.
#
# Usage: bench/verify.sh [MB...]
#   MB   sizes in MiB of the drop's artifacts (one tar.zst each, incompressible data); default
#        "2048 512 512": a multi-GB drop whose largest artifact is 2 GiB.
# Environment: CRC (default build/bin/crc), RUNS (default 5), KEEP=1 keeps the drop in /tmp, CRC_BASE: another
# crc binary (an earlier revision, say) whose verify and verify --deep are timed in the same runs,
# interleaved with CRC's, and compared (goal: CRC within 10 % of it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
crc=${CRC:-$src/build/bin/crc}
runs=${RUNS:-5}
[ $# -ge 1 ] || set -- 2048 512 512
for tool in sha256sum openssl zstd python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench: '$tool' not found" >&2; exit 1; }
done
[ -x "$crc" ] || { echo "bench: $crc not found; build crc first (./scripts/build)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/crc-verify-bench-XXXXXX)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$tmp"' EXIT
drop=$tmp/bench-1 # named by its drop id: a drop is valid only under its own id
echo "bench: writing a synthetic drop of $* MiB to $drop"
python3 "$here/verify_drop.py" "$drop" "$@"
"$crc" verify --deep "$drop" >/dev/null || { echo "bench: the synthetic drop does not verify" >&2; exit 1; }
files=$(cd "$drop" && ls | grep -v '^SHA256SUMS$' | tr '\n' ' ')
bytes=$(cd "$drop" && cat $files | wc -c)
cd "$drop"
cat $files >/dev/null # warm the page cache

# median CMD...: the median wall time of RUNS runs, in seconds.
median() {
  local i
  for ((i = 0; i < runs; i++)); do
    python3 -c 'import time,subprocess,sys; t=time.monotonic(); subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True); print(time.monotonic()-t)' "$@"
  done | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
# pair A B ARGS...: the median wall times of A ARGS and B ARGS over RUNS turns each, taken in turn.
pair() {
  python3 - "$runs" "$@" <<'PY'
import statistics, subprocess, sys, time
runs, a, b, args = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
ta, tb = [], []
for _ in range(runs):
    for prog, out in ((a, ta), (b, tb)):
        t = time.monotonic()
        subprocess.run([prog] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        out.append(time.monotonic() - t)
print(statistics.median(ta), statistics.median(tb))
PY
}

sha=$(median sha256sum --quiet -c SHA256SUMS)
crcp=$(median "$crc" verify .)
ossl=$(median openssl dgst -sha256 $files)
crc1=$(median "$crc" verify -j 1 .)
deep=$(median "$crc" verify --deep .)
rss_crc=$(rss "$crc" verify .)
rss_deep=$(rss "$crc" verify --deep .)
base_p=0 base_d=0 new_p=0 new_d=0
if [ -n "${CRC_BASE:-}" ]; then
  [ -x "$CRC_BASE" ] || { echo "bench: CRC_BASE=$CRC_BASE is not a program" >&2; exit 1; }
  # Interleaved: the two binaries take turns, so that both see the same machine load.
  read -r base_p new_p < <(pair "$CRC_BASE" "$crc" verify .)
  read -r base_d new_d < <(pair "$CRC_BASE" "$crc" verify --deep .)
fi
python3 - "$bytes" "$sha" "$crcp" "$ossl" "$crc1" "$deep" "$rss_crc" "$rss_deep" "$(nproc)" "$runs" \
  "$base_p" "$new_p" "$base_d" "$new_d" <<'PY'
import sys
b, sha, crcp, ossl, crc1, deep = int(sys.argv[1]), *map(float, sys.argv[2:7])
rss, rss_deep, cpus, runs = int(sys.argv[7]), int(sys.argv[8]), sys.argv[9], sys.argv[10]
base_p, new_p, base_d, new_d = map(float, sys.argv[11:15])
gb = b / 1e9
print(f"drop: {gb:.2f} GB in the files SHA256SUMS lists; {cpus} CPUs; median of {runs} runs")
for name, t in [("sha256sum -c SHA256SUMS", sha), ("crc verify", crcp),
                ("openssl dgst -sha256 (1 core)", ossl), ("crc verify -j 1", crc1),
                ("crc verify --deep", deep)]:
    print(f"  {name:32s} {t:8.3f} s  {gb / t:6.2f} GB/s")
r1, r2 = sha / crcp, crc1 / ossl
print(f"sha256sum / crc verify        = {r1:5.2f}x  (goal >= 3)  {'ok' if r1 >= 3 else 'MISSED'}")
print(f"crc verify -j 1 / openssl     = {r2:5.2f}x  (goal <= 1.3) {'ok' if r2 <= 1.3 else 'MISSED'}")
for name, k in [("crc verify", rss), ("crc verify --deep", rss_deep)]:
    print(f"peak RSS {name:21s} = {k / 1024:5.1f} MiB (goal < 64) {'ok' if k < 64 * 1024 else 'MISSED'}")
if base_p:
    for name, old, new in [("crc verify", base_p, new_p), ("crc verify --deep", base_d, new_d)]:
        r = new / old
        print(f"{name:18s} CRC / CRC_BASE = {new:.3f} s / {old:.3f} s = {r:5.3f}x (goal <= 1.10) "
              f"{'ok' if r <= 1.10 else 'MISSED'}")
PY
