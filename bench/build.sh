#!/usr/bin/env bash
# Benchmarks of crc build, run by hand (never by the tests), from the project root after scripts/build:
#   1. a no-op rebuild (the drop exists and is up to date): crc checks the inputs and re-hashes the drop,
#      side by side with `sha256sum -c SHA256SUMS` on the same drop (the standard tool's floor for
#      reading every file once);
#   2. a full build of the edge and of the server profile from a clean build tree.
# Timings use hyperfine when it is installed (Debian package hyperfine), else the median of N runs of a
# shell loop. The machine is shared: compare the ratio, not the absolute times.
# Usage: bench/build.sh [RUNS]     (default 10)
set -eu
runs=${1:-10}
crc=${CRC:-./build/bin/crc}
[ -x "$crc" ] || { echo "bench/build.sh: build crc first (scripts/build)" >&2; exit 2; }
median() { # command... -> median milliseconds over $runs runs
  local t=()
  for _ in $(seq "$runs"); do
    local s e
    s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N)
    t+=($(( (e - s) / 1000 )))
  done
  printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.1f\n", m / 1000}'
}
storage=$(mktemp -d /tmp/crc-bench-XXXXXX); trap 'rm -rf "$storage"' EXIT
for profile in edge server; do
  rm -rf "build/crc/$profile"
  s=$(date +%s%N)
  "$crc" -q build --profile "$profile" --storage "$storage" >/dev/null
  e=$(date +%s%N)
  printf 'full build, %-6s (clean build tree): %.1f s\n' "$profile" "$(echo "($e - $s) / 1000000000" | bc -l)"
done
drop=$(ls -d "$storage"/edge/*/)
if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 2 --runs "$runs" "$crc -q build --profile edge --storage $storage" \
    "sha256sum -c --quiet ${drop}SHA256SUMS"
else
  a=$(median "$crc" -q build --profile edge --storage "$storage")
  b=$(cd "$drop" && median sha256sum -c --quiet SHA256SUMS)
  echo "no-op rebuild (edge): median ${a} ms; sha256sum -c on the same drop: median ${b} ms; ratio $(echo "$a / $b" | bc -l | cut -c1-5)"
fi
