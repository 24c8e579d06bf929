#!/usr/bin/env bash
# crc push and crc pull against a real registry (Debian's docker-registry, the distribution registry) on
# 127.0.0.1 at free ports, with temporary storage: two drops pushed (the signed fixture drop and a server
# drop built here) and listed by skopeo; a second push skips every blob; chunked uploads; an OCI image
# layout pushed beside a drop and read back by skopeo; pulls into empty storage that crc verify --deep
# accepts, with the right key and (refused, nothing published) another one; an existing drop without and
# with --force; a blob tampered with in the registry's storage refused and never published; a registry
# with htpasswd basic auth (no credentials, a wrong password, the environment, a credentials file, a
# malformed one); Bearer tokens from a token endpoint (a proxy in front of a third registry); and a
# registry that dies in the middle of a blob download, leaving nothing behind.
# Usage: registry.sh CRC SOURCE_DIR
CRC=$1 SRC=$2
. "$SRC/tests/drop/lib.sh"
tmp=$(mktemp -d /tmp/crc-drop-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
unset CRC_REGISTRY_USERNAME CRC_REGISTRY_PASSWORD CRC_PUBKEY
export CRC_REGISTRY_AUTH= HOME="$tmp/home"
mkdir -p "$HOME"
KEYS=$SRC/tests/fixtures/keys

. "$SRC/tests/drop/registry-serve.sh"
# start_registry NAME [AUTH_YAML]: a registry with its storage in $tmp/NAME; sets port.
start_registry() {
  registry_serve "$tmp/$1" "${2:-}" || fail "registry $1 did not start"
  pids+=("$registry_pid")
  port=$registry_port
}
# no_leftovers STORAGE PROFILE ID: no drop directory and no hidden temporary directory.
no_leftovers() {
  [ ! -e "$1/$2/$3" ] || fail "$1/$2/$3 was published"
  [ "$(ls -a "$1/$2" 2>/dev/null | grep -c '^\.tmp-\|^\.old-')" = 0 ] || fail "leftovers in $1/$2: $(ls -a "$1/$2")"
}

start_registry a
A=127.0.0.1:$port

# The two drops: the signed fixture (edge/d2) and a server drop built for this machine's triple.
checkout "$tmp/s"
(cd "$tmp/s" && "$CRC" -q build --profile server --target x86_64-linux-gnu --drop-id s1 >/dev/null 2>"$tmp/err") ||
  { cat "$tmp/err"; fail "building the server drop"; }
S1=$tmp/s/storage/artifacts/server/s1
D2=$SRC/tests/fixtures/drops/d2

"$CRC" push "$D2" "$A/noa/edge:d2" >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "push d2"; }
grep -q "^pushed edge/d2 to $A/noa/edge:d2.drop (sha256:[0-9a-f]*): 5 files; blobs: 6 uploaded (0 in chunks), 0 already there" "$tmp/out" ||
  fail "push d2 output: $(cat "$tmp/out")"
"$CRC" push "$S1" "$A/noa/edge:s1" >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "push s1"; }
tags=$(skopeo list-tags "docker://$A/noa/edge" --tls-verify=false) || fail "skopeo list-tags"
python3 - "$tags" <<'PY' || fail "skopeo list-tags: $tags"
import json, sys
assert sorted(json.loads(sys.argv[1])["Tags"]) == ["d2.drop", "s1", "s1.drop"], sys.argv[1]
PY
skopeo inspect --raw --tls-verify=false "docker://$A/noa/edge:d2.drop" | grep -q '"artifactType":"application/vnd.crc.drop.v1"' ||
  fail "the artifact's manifest lacks its artifactType"

# A second push skips every blob (HEAD first).
"$CRC" push --json "$D2" "$A/noa/edge:d2" >"$tmp/json" || fail "second push"
python3 - "$tmp/json" <<'PY' || fail "second push: $(cat "$tmp/json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["schema"] == "crc.push/v1" and r["blobs_pushed"] == 0 and r["blobs_skipped"] == 6 and r["bytes_pushed"] == 0, r
PY

# Pulls into empty storage, verified deeply, with the fixture's key; crc verify --deep agrees.
"$CRC" --storage "$tmp/st1" pull "$A/noa/edge:d2" --pubkey "$KEYS/test.key.pub" >"$tmp/out" 2>&1 ||
  { cat "$tmp/out"; fail "pull d2"; }
grep -q "^pulled edge/d2 (sha256:.*) into $tmp/st1/edge/d2: 5 files, verified deeply, signed by key 02d8611a9bbbaed6" "$tmp/out" ||
  fail "pull output: $(cat "$tmp/out")"
"$CRC" --storage "$tmp/st1" verify --profile edge --drop-id d2 --deep --pubkey "$KEYS/test.key.pub" >/dev/null ||
  fail "crc verify --deep of the pulled d2"
cmp "$D2/noa-d2-x86_64-linux-gnu.tar.zst" "$tmp/st1/edge/d2/noa-d2-x86_64-linux-gnu.tar.zst" || fail "archive differs"
"$CRC" --storage "$tmp/st1" pull "$A/noa/edge:s1.drop" >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; fail "pull s1"; }
"$CRC" --storage "$tmp/st1" verify --profile server --drop-id s1 --deep >/dev/null || fail "crc verify --deep of s1"
# s1 was built with its image: pulled back byte for byte, and skopeo reads it from the pulled drop.
diff -r "$S1/image" "$tmp/st1/server/s1/image" || fail "the pulled image layout differs"
skopeo inspect --override-arch amd64 "oci:$tmp/st1/server/s1/image:s1" >/dev/null || fail "skopeo inspect of the pulled image"
# An existing drop: refused without --force, replaced with it.
"$CRC" --storage "$tmp/st1" pull "$A/noa/edge:d2" >"$tmp/out" 2>&1; rc=$?
[ "$rc" = 3 ] && grep -q "exists already (--force replaces it)" "$tmp/out" || fail "existing drop: exit $rc: $(cat "$tmp/out")"
"$CRC" --storage "$tmp/st1" pull --force --json "$A/noa/edge:d2" >"$tmp/json" || fail "pull --force"
grep -q '"replaced": true' "$tmp/json" || fail "pull --force: $(cat "$tmp/json")"
no_leftovers "$tmp/st1" edge none

# Another key: exit 1, nothing published.
"$CRC" --storage "$tmp/st2" pull "$A/noa/edge:d2" --pubkey "$KEYS/other.key.pub" >"$tmp/out" 2>&1; rc=$?
[ "$rc" = 1 ] || fail "pull with another key: exit $rc, want 1: $(cat "$tmp/out")"
grep -q "manifest.yaml.sig: signature does not match" "$tmp/out" && grep -q "does not verify: nothing published" "$tmp/out" ||
  fail "pull with another key: $(cat "$tmp/out")"
no_leftovers "$tmp/st2" edge d2
# What is not there, and what is not a drop.
"$CRC" --storage "$tmp/st2" pull "$A/noa/edge:nope" >"$tmp/out" 2>&1; rc=$?
[ "$rc" = 3 ] && grep -q "has no drop at nope.drop" "$tmp/out" || fail "missing tag: exit $rc: $(cat "$tmp/out")"
"$CRC" pull "noa/edge:d2" >"$tmp/out" 2>&1; rc=$?
[ "$rc" = 2 ] && grep -q "has no registry host" "$tmp/out" || fail "REF without host: exit $rc: $(cat "$tmp/out")"

# Chunked uploads, forced on small blobs; pulled back whole.
"$CRC" push --json --chunk-size 4096 "$S1" "$A/noa/chunky:s1" >"$tmp/json" || fail "chunked push"
python3 - "$tmp/json" <<'PY' || fail "chunked push: $(cat "$tmp/json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["blobs_chunked"] >= 1 and r["blobs_skipped"] == 0, r
PY
"$CRC" --storage "$tmp/st3" pull "$A/noa/chunky:s1" >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; fail "pull chunked"; }
cmp "$S1/noa-s1-x86_64-linux-gnu.tar.gz" "$tmp/st3/server/s1/noa-s1-x86_64-linux-gnu.tar.gz" || fail "chunked blob differs"

# An OCI image layout in the drop (image/): its index at the tag, the drop at <tag>.drop; skopeo copies the
# image back whole.
mkdir "$tmp/imgdrop" && cp -r "$D2" "$tmp/imgdrop/d2" # under its own id
python3 - "$tmp/imgdrop/d2/image" <<'PY' || fail "making the image layout"
import gzip, hashlib, io, json, os, sys, tarfile
root = sys.argv[1]
os.makedirs(os.path.join(root, "blobs", "sha256"))
def blob(data):
    h = hashlib.sha256(data).hexdigest()
    open(os.path.join(root, "blobs", "sha256", h), "wb").write(data)
    return "sha256:" + h
raw = io.BytesIO()
with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as t:
    info = tarfile.TarInfo("hello.txt"); data = b"hello from crc\n"; info.size = len(data); info.mtime = 0
    t.addfile(info, io.BytesIO(data))
layer = gzip.compress(raw.getvalue(), mtime=0)
config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                     "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(raw.getvalue()).hexdigest()]}}).encode()
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": blob(config), "size": len(config)},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": blob(layer), "size": len(layer)}]}).encode()
index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
    "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": blob(manifest), "size": len(manifest),
                   "platform": {"architecture": "amd64", "os": "linux"}}]}
open(os.path.join(root, "index.json"), "w").write(json.dumps(index))
open(os.path.join(root, "oci-layout"), "w").write('{"imageLayoutVersion": "1.0.0"}')
PY
"$CRC" push "$tmp/imgdrop/d2" "$A/noa/edge:img" >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "push with an image"; }
grep -q "^pushed image $A/noa/edge:img" "$tmp/out" || fail "push with an image: $(cat "$tmp/out")"
skopeo inspect --raw --tls-verify=false "docker://$A/noa/edge:img" >"$tmp/index" || fail "skopeo inspect the image"
cmp -s "$tmp/index" "$tmp/imgdrop/d2/image/index.json" || fail "the index at the tag differs from index.json"
skopeo copy --all --quiet --src-tls-verify=false "docker://$A/noa/edge:img" "oci:$tmp/back:img" >/dev/null 2>"$tmp/err" ||
  { cat "$tmp/err"; fail "skopeo copy of the pushed image"; }
"$CRC" --storage "$tmp/st4" pull "$A/noa/edge:img" >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; fail "pull img"; }

# A blob tampered with in the registry's storage: refused, nothing published.
flip_stored_blob() { # HEX: flips the middle byte of that blob in registry a's storage
  local data=$tmp/a/data/docker/registry/v2/blobs/sha256/${1:0:2}/$1/data
  [ -n "$1" ] && [ -f "$data" ] || fail "no blob $data in the registry's storage"
  python3 - "$data" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[len(b) // 2] ^= 0xff; open(p, "wb").write(bytes(b))
PY
}
hex=$(sha256sum "$D2/noa-d2-x86_64-linux-gnu.tar.zst" | cut -d' ' -f1)
flip_stored_blob "$hex"
"$CRC" --storage "$tmp/st5" pull "$A/noa/edge:d2" >"$tmp/out" 2>&1; rc=$?
[ "$rc" = 1 ] || fail "tampered blob: exit $rc, want 1: $(cat "$tmp/out")"
grep -q "noa-d2-x86_64-linux-gnu.tar.zst: blob sha256:$hex: sha256 mismatch" "$tmp/out" || fail "tampered blob: $(cat "$tmp/out")"
no_leftovers "$tmp/st5" edge d2
# ... and a blob of s1's image (its amd64 layer, which pull fetches by digest): the same.
hex=$(sed -n 's/^    layer_sha256: "\([0-9a-f]*\)"$/\1/p' "$S1/manifest.yaml" | head -1)
flip_stored_blob "$hex"
"$CRC" --storage "$tmp/st5" pull "$A/noa/edge:s1" >"$tmp/out" 2>&1; rc=$?
[ "$rc" = 1 ] || fail "tampered image layer: exit $rc, want 1: $(cat "$tmp/out")"
grep -q "image: blob sha256:$hex: sha256 mismatch" "$tmp/out" || fail "tampered image layer: $(cat "$tmp/out")"
no_leftovers "$tmp/st5" server s1

# Basic auth (htpasswd): no credentials, a wrong password, the environment, a credentials file.
htpasswd -Bbn noa s3cret >"$tmp/htpasswd" || fail "htpasswd"
start_registry b "auth:
  htpasswd:
    realm: crc-test
    path: $tmp/htpasswd"
B=127.0.0.1:$port
"$CRC" push "$D2" "$B/noa/edge:d2" >"$tmp/out" 2>&1; rc=$?
[ "$rc" = 5 ] && grep -q "registry $B asks for a user name and password: none given" "$tmp/out" ||
  fail "no credentials: exit $rc: $(cat "$tmp/out")"
CRC_REGISTRY_USERNAME=noa CRC_REGISTRY_PASSWORD=wrong "$CRC" push "$D2" "$B/noa/edge:d2" >"$tmp/out" 2>&1; rc=$?
[ "$rc" = 5 ] && grep -q "401 authentication failed" "$tmp/out" || fail "wrong password: exit $rc: $(cat "$tmp/out")"
CRC_REGISTRY_USERNAME=noa CRC_REGISTRY_PASSWORD=s3cret "$CRC" push "$D2" "$B/noa/edge:d2" >"$tmp/out" 2>&1 ||
  { cat "$tmp/out"; fail "push with credentials from the environment"; }
mkdir -p "$HOME/.config/crc"
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$B" "$(printf noa:s3cret | base64)" >"$HOME/.config/crc/auth.json"
"$CRC" --storage "$tmp/st6" pull "$B/noa/edge:d2" --pubkey "$KEYS/test.key.pub" >/dev/null 2>"$tmp/err" ||
  { cat "$tmp/err"; fail "pull with ~/.config/crc/auth.json"; }
printf '{"auths": {"%s": {"auth": "bm9h"}}}\n' "$B" >"$tmp/bad-auth.json"
CRC_REGISTRY_AUTH=$tmp/bad-auth.json "$CRC" --storage "$tmp/st7" pull "$B/noa/edge:d2" >"$tmp/out" 2>&1; rc=$?
[ "$rc" = 3 ] && grep -q "bad-auth.json: auths.$B.auth is not base64 of \"user:password\"" "$tmp/out" ||
  fail "malformed credentials file: exit $rc: $(cat "$tmp/out")"
CRC_REGISTRY_AUTH=$tmp/none.json "$CRC" --storage "$tmp/st7" pull "$B/noa/edge:d2" >"$tmp/out" 2>&1; rc=$?
[ "$rc" = 3 ] || fail "missing CRC_REGISTRY_AUTH file: exit $rc: $(cat "$tmp/out")"

# Bearer tokens: a proxy in front of a third registry that answers 401 with a Bearer challenge and hands out
# a token for noa:s3cret at its /token endpoint (a fresh registry, so the blobs really go up, in chunks).
start_registry c
C=$port
tport=$(free_port)
python3 - "$tport" "127.0.0.1:$C" >"$tmp/bearer.log" 2>&1 <<'PY' &
import base64, http.server, json, sys, urllib.request
port, upstream = int(sys.argv[1]), sys.argv[2]
TOKEN, CREDS = "tok-0123456789", base64.b64encode(b"noa:s3cret").decode()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def reply(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers: self.send_header(k, v)
        self.send_header("Content-Length", str(len(body))); self.end_headers()
        if self.command != "HEAD": self.wfile.write(body)
    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0); data = self.rfile.read(n) if n else None
        if self.path.startswith("/token"):
            ok = self.headers.get("Authorization") == "Basic " + CREDS and "scope=repository%3Anoa%2Fedge%3A" in self.path
            return self.reply(200 if ok else 401, json.dumps({"token": TOKEN}).encode() if ok else b"{}")
        if self.headers.get("Authorization") != "Bearer " + TOKEN:
            chal = 'Bearer realm="http://127.0.0.1:%d/token",service="crc-test",scope="repository:noa/edge:pull,push"' % port
            return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
                              [("WWW-Authenticate", chal), ("Content-Type", "application/json")])
        hdrs = {k: v for k, v in self.headers.items() if k.lower() in ("accept", "content-type", "content-range")}
        req = urllib.request.Request("http://" + upstream + self.path, data=data, method=self.command, headers=hdrs)
        try:
            r = urllib.request.urlopen(req); code = r.status
        except urllib.error.HTTPError as e:
            r = e; code = e.code
        body = r.read()
        keep = [(k, v) for k, v in r.headers.items() if k.lower() in ("location", "content-type", "docker-content-digest", "range")]
        self.reply(code, body, keep)
    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = handle_any
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
PY
pids+=($!)
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$tport/v2/" && break; sleep 0.1; done
T=127.0.0.1:$tport
"$CRC" --storage "$tmp/st9" pull "$T/noa/edge:d2" >"$tmp/out" 2>&1; rc=$?
[ "$rc" = 5 ] && grep -q "token endpoint http://$T/token refused an anonymous request" "$tmp/out" ||
  fail "bearer without credentials: exit $rc: $(cat "$tmp/out")"
CRC_REGISTRY_USERNAME=noa CRC_REGISTRY_PASSWORD=s3cret "$CRC" push --json --chunk-size 20000 "$D2" "$T/noa/edge:d2" >"$tmp/json" 2>"$tmp/err" ||
  { cat "$tmp/err"; fail "push through bearer tokens"; }
python3 - "$tmp/json" <<'PY' || fail "push through bearer tokens: $(cat "$tmp/json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["blobs_pushed"] == 6 and r["blobs_chunked"] >= 1, r
PY
CRC_REGISTRY_USERNAME=noa CRC_REGISTRY_PASSWORD=s3cret "$CRC" --storage "$tmp/st9" pull "$T/noa/edge:d2" --pubkey "$KEYS/test.key.pub" >/dev/null 2>"$tmp/err" ||
  { cat "$tmp/err"; fail "pull through bearer tokens"; }
CRC_REGISTRY_USERNAME=noa CRC_REGISTRY_PASSWORD=wrong "$CRC" --storage "$tmp/st10" pull "$T/noa/edge:d2" >"$tmp/out" 2>&1; rc=$?
[ "$rc" = 5 ] && grep -q "token endpoint http://$T/token refused the credentials" "$tmp/out" ||
  fail "bearer with a wrong password: exit $rc: $(cat "$tmp/out")"
no_leftovers "$tmp/st10" edge d2

# A registry that dies in the middle of a blob download (a proxy to registry a that sends half of the first
# large blob, then exits): a clear error, nothing published, no leftovers.
pport=$(free_port)
python3 - "$pport" "$A" >"$tmp/proxy.log" 2>&1 <<'PY' &
import http.server, os, sys, urllib.request
port, upstream = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        with urllib.request.urlopen(urllib.request.Request("http://" + upstream + self.path, headers={"Accept": self.headers.get("Accept", "*/*")})) as r:
            body = r.read(); ctype = r.headers.get("Content-Type", "")
        self.send_response(200)
        self.send_header("Content-Type", ctype); self.send_header("Content-Length", str(len(body))); self.end_headers()
        if "/blobs/" in self.path and len(body) > 10000:
            self.wfile.write(body[: len(body) // 2]); self.wfile.flush(); os._exit(0)
        self.wfile.write(body)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
PY
pids+=($!)
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$pport/v2/" && break; sleep 0.1; done
"$CRC" --storage "$tmp/st8" pull "127.0.0.1:$pport/noa/edge:s1" >"$tmp/out" 2>&1; rc=$?
[ "$rc" = 5 ] || fail "registry dying mid-pull: exit $rc, want 5: $(cat "$tmp/out")"
grep -q "registry 127.0.0.1:$pport: GET /v2/noa/edge/blobs/sha256:" "$tmp/out" || fail "registry dying mid-pull: $(cat "$tmp/out")"
no_leftovers "$tmp/st8" server s1
echo "ok: registry push and pull"
