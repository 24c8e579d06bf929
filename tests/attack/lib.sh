# Sourced by the attack tests (tests/attack/*.sh): a scratch directory, the signed fixture drop, the
# attacker's shim (shim.c, preloaded), and a runner that bounds every crc run in time and fails on a hang, a
# crash or a sanitizer report. Usage of every test: NAME.sh CRC SOURCE_DIR
set -u
CRC=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") SRC=$(cd "$2" && pwd)
KEY=$SRC/tests/fixtures/keys/test.key
PUB=$SRC/tests/fixtures/keys/test.key.pub
FIXTURE=$SRC/tests/fixtures/drops/d2
ART=noa-d2-x86_64-linux-gnu.tar.zst
tmp=$(mktemp -d /tmp/crc-attack-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# The time every crc run gets: a generous bound, enforced here, not a timing assertion.
BOUND=10

# run NAME CMD...: runs CMD (crc) within BOUND seconds; its exit code goes to $rc, its output to
# $tmp/NAME.out and $tmp/NAME.err. A run that hangs, dies of a signal or trips a sanitizer fails the test.
run() {
  local name=$1
  shift
  rc=0
  timeout -k 5 "$BOUND" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null || rc=$?
  case $rc in
  124 | 137) fail "$name: still running after $BOUND s (a hang): $*" ;;
  esac
  [ "$rc" -lt 128 ] || fail "$name: killed by signal $((rc - 128)): $*"
  if grep -q 'Sanitizer\|runtime error:' "$tmp/$name.err"; then
    cat "$tmp/$name.err" >&2
    fail "$name: sanitizer report"
  fi
}

# expect NAME RC [TEXT]: the run NAME exited with RC and, when given, its stderr holds TEXT (fixed string).
expect() {
  local name=$1 want=$2 text=${3:-}
  [ "$rc" = "$want" ] || fail "$name: exit $rc, want $want: $(head -c 2000 "$tmp/$name.err")"
  if [ -n "$text" ] && ! grep -qF -- "$text" "$tmp/$name.err"; then
    fail "$name: stderr lacks '$text': $(head -c 2000 "$tmp/$name.err")"
  fi
}

# drop DIR: a fresh copy of the signed fixture drop (edge, id d2) at DIR/d2; prints its path.
drop() {
  mkdir -p "$1" && rm -rf "$1/d2" && cp -a "$FIXTURE" "$1/d2" || fail "copying the fixture drop"
  printf '%s\n' "$1/d2"
}

# The shim, built once per test (without sanitizers: it is the attacker, not crc).
shim() {
  [ -f "$tmp/shim.so" ] || cc -shared -fPIC -O1 -o "$tmp/shim.so" "$SRC/tests/attack/shim.c" -ldl ||
    fail "compiling tests/attack/shim.c"
}

# attacked ON DO NAME CMD...: run with the shim preloaded: when crc makes the call ON (see shim.c), the
# shell command DO runs, with the path crc named as $1.
attacked() {
  local on=$1 what=$2
  shift 2
  shim
  CRC_ATTACK_ON=$on CRC_ATTACK_DO=$what LD_PRELOAD=$tmp/shim.so \
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 run "$@"
}

# repin DIR: what an attacker who can write the drop does after changing its archive: the artifacts' sizes
# and hashes in manifest.yaml, and SHA256SUMS, made to match the files again.
repin() {
  python3 - "$1" <<'PY' || fail "re-pinning $1"
import hashlib, os, re, sys
d = sys.argv[1]
def h(p):
    return hashlib.sha256(open(os.path.join(d, p), "rb").read()).hexdigest()
m = open(os.path.join(d, "manifest.yaml")).read()
def art(mo):
    p = mo.group(1)
    return "- path: %s\n%s  size: %d\n  sha256: \"%s\"" % (p, mo.group(2), os.path.getsize(os.path.join(d, p)), h(p))
m = re.sub(r"- path: (\S+)\n((?:  (?:target|format): .*\n)+)  size: \d+\n  sha256: \"[0-9a-f]{64}\"", art, m)
open(os.path.join(d, "manifest.yaml"), "w").write(m)
lines = open(os.path.join(d, "SHA256SUMS")).read().splitlines()
out = ["%s  %s" % (h(l.split("  ", 1)[1]), l.split("  ", 1)[1]) for l in lines]
open(os.path.join(d, "SHA256SUMS"), "w").write("\n".join(out) + "\n")
PY
}

# resign DIR: re-pins DIR and signs it again with the fixture's key, through openssl (an attacker holding
# the key, or a build that was itself compromised; crc sign would refuse a drop that does not verify): then
# only what the manifest says about the archive's insides can tell.
resign() {
  repin "$1"
  { openssl pkeyutl -sign -inkey "$KEY" -rawin -in "$1/manifest.yaml" | openssl base64 -A && echo; } \
    >"$1/manifest.yaml.sig" || fail "signing $1 with openssl"
}

# retar DIR PYTHON: rewrites DIR's archive through Python's tarfile: PYTHON is the body of a function
# edit(info, data) returning the (info, data) to write, called for every member.
retar() {
  local d=$1 body=$2
  zstd -qdc "$d/$ART" >"$tmp/in.tar" || fail "zstd -d"
  python3 - "$tmp/in.tar" "$tmp/out.tar" "$body" <<'PY' || fail "rewriting the archive"
import io, sys, tarfile
src, dst, body = sys.argv[1], sys.argv[2], sys.argv[3]
ns = {}
exec("def edit(info, data):\n" + "\n".join("    " + l for l in body.splitlines()), ns)
with tarfile.open(src) as t, tarfile.open(dst, "w", format=tarfile.PAX_FORMAT) as o:
    for info in t.getmembers():
        data = t.extractfile(info).read() if info.isfile() else None
        info, data = ns["edit"](info, data)
        if data is not None:
            info.size = len(data)
        o.addfile(info, io.BytesIO(data) if data is not None else None)
PY
  zstd -q -19 -f "$tmp/out.tar" -o "$d/$ART" || fail "zstd"
}
