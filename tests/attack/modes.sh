#!/usr/bin/env bash
# Hostile entry modes: an archive whose entries carry setuid, setgid or sticky bits, a world-writable file
# or directory, while the manifest lists the modes crc writes. The archive is re-pinned and the drop signed
# again (an attacker holding the key, or a compromised build): the signature and the archive's hash hold,
# so a plain verify passes, and only the deep check can tell. verify --deep compares every entry's whole
# mode (exit 1 naming the entry and both modes); deploy, which verifies deeply first, installs nothing. A
# manifest that itself lists such a mode is malformed (exit 3).
# Usage: modes.sh CRC SOURCE_DIR
. "$(dirname "$0")/lib.sh"

# case NAME MEMBER MODE WANT: the archive's MEMBER gets MODE (octal); the deep check must say WANT.
case_() {
  local name=$1 member=$2 mode=$3 want=$4
  local d
  d=$(drop "$tmp/$name")
  retar "$d" "if info.name in ('$member', './$member'):
    info.mode = 0o$mode
return info, data"
  resign "$d"
  run "$name-plain" "$CRC" verify --pubkey "$PUB" "$d"
  expect "$name-plain" 0
  run "$name-deep" "$CRC" verify --deep --pubkey "$PUB" "$d"
  expect "$name-deep" 1 "$ART: entry '$member': mode mismatch: expected $want got $mode"
  run "$name-deploy" "$CRC" deploy "$d" --to "$tmp/$name-dep" --target x86_64-linux-gnu --pubkey "$PUB"
  expect "$name-deploy" 1 "entry '$member': mode mismatch: expected $want got $mode"
  [ -e "$tmp/$name-dep/current" ] && fail "$name: deploy installed an archive with mode $mode"
  return 0
}

case_ setuid bin/noa 4755 0755
case_ setgid bin/noa 2755 0755
case_ sticky-dir share 1755 0755
case_ world-writable-file README 0666 0644
case_ world-writable-dir bin 0777 0755

# The manifest may not list such modes at all.
d=$(drop "$tmp/listed")
python3 - "$d/manifest.yaml" <<'PY' || fail "editing the manifest"
import re, sys
p = sys.argv[1]
m = open(p).read()
m, n = re.subn(r'(  - path: bin/noa\n    type: file\n    mode: )"0755"', r'\1"4755"', m)
assert n == 1
open(p, "w").write(m)
PY
resign "$d"
run listed "$CRC" verify --pubkey "$PUB" "$d"
expect listed 3 'mode must be a quoted octal mode from "0000" to "0777"'
echo "ok: setuid, setgid, sticky and world-writable entries refused by verify --deep and deploy"
