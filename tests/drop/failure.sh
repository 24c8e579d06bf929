#!/usr/bin/env bash
# A build that fails: crc names the target and the failing command, prints the end of its log, exits 4
# and leaves no drop (and no temporary directory) behind. A smoke test that finds the wrong gates fails
# the same way, and so does the optimize step (wasm_opt) when wasm-opt fails.
# Usage: failure.sh CRC SOURCE_DIR
CRC=$1 SRC=$2
. "$SRC/tests/drop/lib.sh"
tmp=$(mktemp -d /tmp/crc-drop-XXXXXX); trap 'rm -rf "$tmp"' EXIT
checkout "$tmp/f"
cd "$tmp/f"
"$CRC" build --profile server --target aarch64-linux-gnu --drop-id bad \
  --set 'per_target={aarch64-linux-gnu: {cflags: [-fno-such-flag]}}' >"$tmp/out" 2>"$tmp/err"; rc=$?
[ "$rc" = 4 ] || fail "exit $rc, want 4: $(cat "$tmp/err")"
grep -q '^crc: build: aarch64-linux-gnu: configure failed (exit 1): cmake ' "$tmp/err" || fail "no target/command line: $(cat "$tmp/err")"
grep -q -- '--- last lines of build/crc/server/aarch64-linux-gnu/crc-build.log ---' "$tmp/err" || fail "no log tail: $(cat "$tmp/err")"
grep -q 'no-such-flag' "$tmp/err" || fail "the log tail does not show the compiler's complaint"
[ -f build/crc/server/aarch64-linux-gnu/crc-build.log ] || fail "the log was not kept"
[ -z "$(ls -A storage/artifacts/server 2>/dev/null)" ] || fail "something left in storage: $(ls -A storage/artifacts/server)"

# The runtime declares the gate, but this build turns it off behind crc's back: the smoke test sees it.
"$CRC" build --profile edge --target x86_64-linux-gnu --drop-id gates \
  --set 'extra.cmake={NOA_BUILD_PROFILE: other}' >"$tmp/out" 2>"$tmp/err"; rc=$?
[ "$rc" = 4 ] || fail "smoke mismatch: exit $rc, want 4: $(cat "$tmp/err")"
grep -q "x86_64-linux-gnu: smoke test failed: noa reports profile 'other', not 'edge'" "$tmp/err" || fail "smoke message: $(cat "$tmp/err")"
[ -z "$(ls -A storage/artifacts/edge 2>/dev/null)" ] || fail "something left in storage after the smoke failure"

# The optimize step fails like the others: a wasm-opt that refuses, first on PATH (clang's own post-link
# wasm-opt run never reaches it: the toolchain's -B directory holds a no-op one).
mkdir -p "$tmp/bin"
printf '#!/bin/sh\necho "wasm-opt: simulated failure" >&2\nexit 1\n' >"$tmp/bin/wasm-opt"
chmod +x "$tmp/bin/wasm-opt"
PATH="$tmp/bin:$PATH" "$CRC" build --profile edge --target wasm32-wasi --drop-id opt \
  --set optimization.lto=off >"$tmp/out" 2>"$tmp/err"; rc=$?
[ "$rc" = 4 ] || fail "optimize failure: exit $rc, want 4: $(cat "$tmp/err")"
grep -q '^crc: build: wasm32-wasi: optimize failed (exit 1): wasm-opt -O3 ' "$tmp/err" || fail "optimize message: $(cat "$tmp/err")"
grep -q 'wasm-opt: simulated failure' "$tmp/err" || fail "the log tail does not show wasm-opt's complaint"
[ -z "$(ls -A storage/artifacts/edge 2>/dev/null)" ] || fail "something left in storage after the optimize failure"
echo "ok: failures leave no drop"
