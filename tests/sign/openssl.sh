#!/usr/bin/env bash
# What crc signs, the openssl command line verifies alone: `crc keygen` makes a key pair (modes 0600 and
# 0644 whatever the umask), `crc sign` signs a drop (the fixture drop d2, unsigned: crc sign verifies a drop
# before it signs it), and `openssl base64 -d -A` then
# `openssl pkeyutl -verify -pubin -rawin` (the commands README.md gives) accept the signature, and refuse
# it after one byte of manifest.yaml changes, and with another key. Also: openssl's own signature of the
# manifest with crc's key is byte for byte crc's (Ed25519 is deterministic).
# Usage: openssl.sh CRC_BINARY SCRATCH_DIR SOURCE_DIR
set -u
crc=$1 scratch=$2 src=$3
rm -rf "$scratch" && mkdir -p "$scratch" && cd "$scratch" || exit 1
fail() { echo "FAIL: $*"; exit 1; }
verify() { # verify DROP PUBKEY: the README's two commands
  openssl base64 -d -A -in "$1/manifest.yaml.sig" -out sig.bin &&
    openssl pkeyutl -verify -pubin -inkey "$2" -rawin -in "$1/manifest.yaml" -sigfile sig.bin
}

(umask 000 && "$crc" keygen --out k) >keygen.out || fail "crc keygen --out k: exit $?"
grep -q '^key id: *[0-9a-f]\{16\}$' keygen.out || fail "no key id in: $(cat keygen.out)"
[ "$(stat -c %a k)" = 600 ] || fail "private key mode $(stat -c %a k), expected 600"
[ "$(stat -c %a k.pub)" = 644 ] || fail "public key mode $(stat -c %a k.pub), expected 644"
head -n 1 k | grep -qx -- '-----BEGIN PRIVATE KEY-----' || fail "k is not PKCS#8 PEM"
head -n 1 k.pub | grep -qx -- '-----BEGIN PUBLIC KEY-----' || fail "k.pub is not SubjectPublicKeyInfo PEM"
# openssl reads both and agrees they are one Ed25519 pair.
openssl pkey -in k -noout -text | grep -q 'ED25519 Private-Key' || fail "openssl does not read k as Ed25519"
[ "$(openssl pkey -in k -pubout)" = "$(cat k.pub)" ] || fail "k.pub is not the public half of k"

cp -a "$src/tests/fixtures/drops/d2" d2 && rm d2/manifest.yaml.sig || fail "copying the fixture drop"
"$crc" sign d2 --key k >sign.out || fail "crc sign d2 --key k: exit $?"
grep -q '^signed d2/manifest.yaml (key [0-9a-f]\{16\})$' sign.out || fail "crc sign said: $(cat sign.out)"
[ "$(wc -c <d2/manifest.yaml.sig)" = 89 ] || fail "manifest.yaml.sig is not 89 bytes"
verify d2 k.pub >verify.out 2>&1 || fail "openssl does not verify crc's signature: $(cat verify.out)"
# The fixture's key gives the fixture's own signature, byte for byte (Ed25519 is deterministic).
mkdir golden && cp -a "$src/tests/fixtures/drops/d2" golden/ || fail "copying the fixture drop"
rm golden/d2/manifest.yaml.sig
"$crc" sign golden/d2 --key "$src/tests/fixtures/keys/test.key" >/dev/null || fail "crc sign golden/d2: exit $?"
cmp -s golden/d2/manifest.yaml.sig "$src/tests/fixtures/drops/d2/manifest.yaml.sig" ||
  fail "the fixture key's signature of d2 is not the fixture's manifest.yaml.sig"

# The same signature from openssl itself, byte for byte.
openssl pkeyutl -sign -inkey k -rawin -in d2/manifest.yaml -out own.bin || fail "openssl pkeyutl -sign failed"
cmp -s own.bin sig.bin || fail "openssl's signature differs from crc's"

# One byte of the manifest changed: refused.
cp d2/manifest.yaml manifest.orig
printf 'x' | dd of=d2/manifest.yaml bs=1 seek=3 conv=notrunc status=none
if verify d2 k.pub >verify.out 2>&1; then fail "openssl verified a changed manifest"; fi
cp manifest.orig d2/manifest.yaml
verify d2 k.pub >verify.out 2>&1 || fail "the restored manifest does not verify"

# Another key: refused.
"$crc" keygen --out other >/dev/null || fail "crc keygen --out other: exit $?"
if verify d2 other.pub >verify.out 2>&1; then fail "openssl verified with another key"; fi

# Signed again with the other key: the signature is replaced, and now only that key verifies it.
"$crc" sign d2/manifest.yaml --key other >/dev/null || fail "crc sign d2/manifest.yaml: exit $?"
verify d2 other.pub >verify.out 2>&1 || fail "the new signature does not verify: $(cat verify.out)"
if verify d2 k.pub >verify.out 2>&1; then fail "the replaced signature still verifies"; fi
echo "openssl verifies crc's Ed25519 signatures"
