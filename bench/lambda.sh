#!/usr/bin/env bash
# The design's Lambda figures, measured against a fake Runtime API on loopback, for the runtime built for
# x86_64 (native) and for aarch64 (cross-built, run under qemu-aarch64: emulated, so never a Graviton
# figure). Per architecture, in one run:
#   1. model handler creation, one warm inference and a batch of 100, from `noa bench --json`, beside the
#      design's seeds (handler creation ~110 us on x86_64 and ~100 us on ARM64, a warm inference
#      ~35-45 ns, a batch of 100 ~3.8-4.5 us);
#   2. bootstrap answering EVENTS {"action":"infer","seed":7} events served by lambda_api.py (a one-thread,
#      plain-socket fake Runtime API that starts the runtime and times it): start-up to the first /next,
#      the per-invocation round trip (event handed to the kernel -> its /response read) median and p99,
#      invocations per second, and CPU time per invocation of the runtime and of the fake API itself;
#   3. the standard tool on the same fake API: the shell custom runtime of AWS's tutorial
#      (lambda_shell_bootstrap.sh, whose handler lambda_shell_function.sh echoes the event), run natively
#      (bash and curl are x86_64 programs here), SHELL_EVENTS events per run; and the ratios
#      shell / bootstrap for the round trip and bootstrap / shell for invocations per second.
# Runs are interleaved (each run measures every architecture and the shell runtime), every figure is the
# median of RUNS runs, with the range of the runs beside it. Not a test: run it by hand; the machine is
# shared, so read the ratios, not one absolute time.
#
# Usage: bench/lambda.sh
# Environment:
#   RUNS          runs of each measurement (default 5)
#   EVENTS        events bootstrap answers per run (default 1000)
#   SHELL_EVENTS  events the shell runtime answers per run (default 50: it takes ~0.1-0.2 s each)
#   ARCHES        "x86_64 aarch64" (default), or one of them
#   WORK          scratch and build directory (default /tmp/noa-lambda-bench; kept, so reruns rebuild
#                 incrementally); the raw figures are written to WORK/results.jsonl
#   X86_64_BUILD, AARCH64_BUILD   an existing runtime build directory (holding noa and bootstrap, built
#                 with -DNOA_FEATURE_LAMBDA=ON) to use instead of building one under WORK
#   CMAKE_ARGS    extra configure options for the builds under WORK, e.g. other -DNOA_FEATURE_*=ON
#                 (default none: a Release build with the lambda gate only; the lambda profile adds throughput)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
runs=${RUNS:-5}
events=${EVENTS:-1000}
shell_events=${SHELL_EVENTS:-50}
arches=${ARCHES:-x86_64 aarch64}
work=${WORK:-/tmp/noa-lambda-bench}
emulator=(qemu-aarch64 -L /usr/aarch64-linux-gnu -E LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib)

# need TOOL PACKAGE: the tool must be on PATH (or an existing file), else say which Debian package has it.
need() {
  command -v "$1" >/dev/null 2>&1 || [ -e "$1" ] ||
    { echo "bench/lambda.sh: '$1' not found (Debian package $2)" >&2; exit 1; }
}
need python3 python3
need curl curl
need bash bash
for arch in $arches; do
  case $arch in
  x86_64)
    [ -n "${X86_64_BUILD:-}" ] || { need cmake cmake; need ninja ninja-build; need cc gcc
      need /usr/lib/x86_64-linux-gnu/libyaml.a libyaml-dev; } ;;
  aarch64)
    need qemu-aarch64 qemu-user
    need /usr/aarch64-linux-gnu/lib/libc.so.6 libc6-arm64-cross
    [ -n "${AARCH64_BUILD:-}" ] || { need cmake cmake; need ninja ninja-build
      need aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu
      need /usr/lib/aarch64-linux-gnu/libyaml.a libyaml-dev:arm64; } ;;
  *) echo "bench/lambda.sh: ARCHES: unknown architecture '$arch' (x86_64, aarch64)" >&2; exit 2 ;;
  esac
done
[ "$(uname -m)" = x86_64 ] || { echo "bench/lambda.sh: runs on an x86_64 host" >&2; exit 2; }

# build ARCH: prints the build directory of ARCH, configuring and building it under WORK if not given.
build() {
  local arch=$1 dir given toolchain=()
  given=$([ "$arch" = x86_64 ] && echo "${X86_64_BUILD:-}" || echo "${AARCH64_BUILD:-}")
  if [ -n "$given" ]; then
    dir=$(cd "$given" && pwd)
  else
    dir=$work/build-$arch
    [ "$arch" = aarch64 ] &&
      toolchain=(-DCMAKE_TOOLCHAIN_FILE="$src/runtime/cmake/toolchains/aarch64-linux-gnu.cmake")
    # shellcheck disable=SC2086 # CMAKE_ARGS is a list of options
    if ! { cmake -S "$src/runtime" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNOA_FEATURE_LAMBDA=ON \
             -DNOA_BUILD_TESTS=OFF "${toolchain[@]}" ${CMAKE_ARGS:-} &&
           cmake --build "$dir"; } >"$work/build-$arch.log" 2>&1; then
      tail -n 30 "$work/build-$arch.log" >&2
      echo "bench/lambda.sh: building the runtime for $arch failed (log: $work/build-$arch.log)" >&2
      exit 1
    fi
  fi
  for f in noa bootstrap; do
    [ -x "$dir/$f" ] || { echo "bench/lambda.sh: $dir/$f not found (configure with -DNOA_FEATURE_LAMBDA=ON)" >&2; exit 1; }
  done
  echo "$dir"
}

mkdir -p "$work"
declare -A dir
for arch in $arches; do
  echo "bench: building the runtime for $arch (Release, lambda gate) ..." >&2
  dir[$arch]=$(build "$arch")
done
scratch=$(mktemp -d "$work/run-XXXXXX")
trap 'rm -rf "$scratch"' EXIT
results=$work/results.jsonl
: >"$results"

# record KIND ARCH RUN JSON: appends one measurement to the results.
record() {
  python3 -c 'import json,sys; d=json.loads(sys.argv[4]); d.update(kind=sys.argv[1], arch=sys.argv[2], run=int(sys.argv[3])); print(json.dumps(d))' \
    "$@" >>"$results"
}
# fail WHAT OUTPUT: a measurement went wrong; show what it said.
fail() { echo "bench/lambda.sh: $1 failed:" >&2; echo "$2" >&2; exit 1; }

load=$(cut -d' ' -f1-3 /proc/loadavg)
for ((run = 1; run <= runs; run++)); do
  echo "bench: run $run of $runs" >&2
  for arch in $arches; do
    emu=()
    [ "$arch" = aarch64 ] && emu=("${emulator[@]}")
    out=$("${emu[@]}" "${dir[$arch]}/noa" bench --json) || fail "noa bench ($arch)" "$out"
    record noa_bench "$arch" "$run" "$(python3 -c 'import json,sys; d=json.load(sys.stdin); m=d["model"]; m.update(threads=d["threads"], threaded=d["threaded"], kernel=d["chosen"]["matvec"]); print(json.dumps(m))' <<<"$out")"
    out=$(python3 "$here/lambda_api.py" --events "$events" --expect noa.infer/v1 -- \
      "${emu[@]}" "${dir[$arch]}/bootstrap") || fail "bootstrap ($arch)" "$out"
    record bootstrap "$arch" "$run" "$out"
  done
  mkdir -p "$scratch/tmp"
  out=$(TMPDIR=$scratch/tmp LAMBDA_TASK_ROOT=$here _HANDLER=lambda_shell_function.handler \
    python3 "$here/lambda_api.py" --events "$shell_events" --expect '"seed":7' -- \
    bash "$here/lambda_shell_bootstrap.sh") || fail "the shell runtime" "$out"
  rm -rf "$scratch/tmp"
  record shell x86_64 "$run" "$out"
done

machine="$(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(uname -sr), load average at start $load"
qemu=$(qemu-aarch64 --version 2>/dev/null | head -1 || true)
python3 - "$results" "$machine" "$qemu" "$runs" "$events" "$shell_events" "$arches" <<'PY'
import json, statistics, sys

path, machine, qemu, runs, events, shell_events, arches = sys.argv[1:]
arches = arches.split()
rows = [json.loads(l) for l in open(path)]

def vals(kind, arch, key):
    return [r[key] for r in rows if r["kind"] == kind and r["arch"] == arch and r.get(key) is not None]

def med(kind, arch, key):
    v = vals(kind, arch, key)
    return statistics.median(v) if v else None

def fmt(v, unit):
    if v is None:
        return "—"
    if unit == "/s":
        return f"{v:,.0f}/s" if v >= 100 else f"{v:.3g}/s"
    for small, big in (("ns", "µs"), ("µs", "ms")):
        if unit == small and v >= 1000:
            v, unit = v / 1000, big
    return f"{v:.3g} {unit}" if v < 100 else f"{v:.0f} {unit}"

def times(r):
    return f"{r:.2g}×" if r < 100 else f"{r:,.0f}×"

def cell(kind, arch, key, unit):
    v = vals(kind, arch, key)
    if not v:
        return "—"
    return f"{fmt(statistics.median(v), unit)} ({fmt(min(v), unit)} – {fmt(max(v), unit)})"

label = {"x86_64": "x86_64 (native)", "aarch64": "aarch64 (qemu-aarch64, emulated)"}
seeds = {"handler_creation_us": {"x86_64": 110, "aarch64": 100}, "warm_inference_ns": 40, "batch100_us": 4.15}
print(f"machine: {machine}")
if "aarch64" in arches:
    print(f"aarch64: {qemu}; emulated, not a Graviton figure")
for a in arches:
    b = next(r for r in rows if r["kind"] == "noa_bench" and r["arch"] == a)
    batch = f"{b['threads']} threads" if b["threaded"] else "one thread"
    print(f"{a}: kernel {b['kernel']}, batch on {batch}")
print(f"median of {runs} runs (range in brackets); bootstrap answers {events} infer events per run, "
      f"the shell runtime {shell_events}")
print()
print("| figure | seed | " + " | ".join(label[a] for a in arches) + " |")
print("|---|---|" + "---|" * len(arches))
def seed_ratio(key, a):
    s = seeds[key][a] if isinstance(seeds[key], dict) else seeds[key]
    m = med("noa_bench", a, key)
    return "" if m is None else f"; {times(m / s)} seed"
for key, name, unit, seed in [("handler_creation_us", "model handler creation (`noa bench`)", "µs",
                               "~110 µs x86_64, ~100 µs ARM64"),
                              ("warm_inference_ns", "warm inference (`noa bench`)", "ns", "~35–45 ns"),
                              ("batch100_us", "batch of 100 (`noa bench`)", "µs", "~3.8–4.5 µs")]:
    print(f"| {name} | {seed} | " + " | ".join(cell("noa_bench", a, key, unit) + seed_ratio(key, a)
                                               for a in arches) + " |")
for key, name, unit in [("init_ms", "bootstrap start → first /next", "ms"),
                        ("rtt_median_us", "invocation round trip, median", "µs"),
                        ("rtt_p99_us", "invocation round trip, p99", "µs"),
                        ("invocations_per_s", "invocations per second", "/s"),
                        ("runtime_cpu_per_invocation_us", "bootstrap CPU per invocation", "µs"),
                        ("server_cpu_per_invocation_us", "fake API's own CPU per invocation", "µs")]:
    print(f"| {name} | — | " + " | ".join(cell("bootstrap", a, key, unit) for a in arches) + " |")
print()
print(f"standard tool: AWS's tutorial shell runtime (bash + curl, echo handler), x86_64 native, same fake API:")
print()
print("| figure | shell runtime | " + " | ".join(f"ratio, bootstrap {a}" for a in arches) + " |")
print("|---|---|" + "---|" * len(arches))
for key, name, unit, better in [("init_ms", "start → first /next", "ms", "shell/ours"),
                                ("rtt_median_us", "round trip, median", "µs", "shell/ours"),
                                ("rtt_p99_us", "round trip, p99", "µs", "shell/ours"),
                                ("invocations_per_s", "invocations per second", "/s", "ours/shell"),
                                ("runtime_cpu_per_invocation_us", "runtime CPU per invocation", "µs", "shell/ours")]:
    s = med("shell", "x86_64", key)
    ratios = []
    for a in arches:
        o = med("bootstrap", a, key)
        if s is None or o is None or o == 0 or s == 0:
            ratios.append("—")
        else:
            ratios.append(f"{times(o / s if better == 'ours/shell' else s / o)} ({better})")
    print(f"| {name} | {cell('shell', 'x86_64', key, unit)} | " + " | ".join(ratios) + " |")
PY
