#!/usr/bin/env bash
# Something other than a regular file at every path crc reads: a FIFO (which would block an open or a
# read forever), a UNIX socket, and a character device (when this user may make one). Every run must end
# within the bound, with one line naming the path and a documented exit code: in a drop, a verification
# failure (1) or a malformed manifest (3); a key, auth file, profile, lock or state file, an input error (3).
# Usage: fifo.sh CRC SOURCE_DIR
. "$(dirname "$0")/lib.sh"

kinds="fifo socket"
if [ "$(id -u)" = 0 ] && mknod "$tmp/probe" c 1 3 2>/dev/null; then
  kinds="$kinds device"
  rm -f "$tmp/probe"
else
  echo "note: this user cannot make device nodes; devices are not planted here"
fi

# plant KIND PATH: replaces PATH by a FIFO, a listening UNIX socket, or /dev/null's device.
plant() {
  rm -rf "$2"
  case $1 in
  fifo) mkfifo "$2" ;;
  socket) python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$2" ;;
  device) mknod "$2" c 1 3 ;;
  esac || fail "planting a $1 at $2"
}

# The word crc uses for each kind.
word() {
  case $1 in
  fifo) echo "a fifo" ;;
  socket) echo "a socket" ;;
  device) echo "a character device" ;;
  esac
}

for k in $kinds; do
  w=$(word "$k")
  # The drop's own files.
  for f in manifest.yaml SHA256SUMS flags.txt "$ART" manifest.yaml.sig; do
    d=$(drop "$tmp/$k")
    plant "$k" "$d/$f"
    for how in plain deep signed; do
      case $how in
      plain) set -- ;;
      deep) set -- --deep ;;
      signed) set -- --deep --pubkey "$PUB" ;;
      esac
      run "$k-$f-$how" "$CRC" verify "$@" "$d"
      case $f in
      manifest.yaml) expect "$k-$f-$how" 3 "manifest.yaml: is $w, not a regular file" ;;
      manifest.yaml.sig)
        if [ "$how" = signed ]; then
          expect "$k-$f-$how" 1 "manifest.yaml.sig: is $w, not a regular file"
        else
          expect "$k-$f-$how" 1 "manifest.yaml.sig: not a regular file (a signature is a file)"
        fi
        ;;
      *) expect "$k-$f-$how" 1 "$f: is $w, not a regular file" ;;
      esac
    done
    run "$k-$f-deploy" "$CRC" deploy "$d" --to "$tmp/$k-dep" --target x86_64-linux-gnu --pubkey "$PUB"
    [ "$rc" = 1 ] || [ "$rc" = 3 ] || fail "$k at $f: deploy exit $rc: $(cat "$tmp/$k-$f-deploy.err")"
    grep -qF "is $w, not a regular file" "$tmp/$k-$f-deploy.err" || fail "$k at $f: $(cat "$tmp/$k-$f-deploy.err")"
    [ -e "$tmp/$k-dep/current" ] && fail "$k at $f: deploy installed something"
  done

  # Keys: --pubkey, $CRC_PUBKEY, sign --key.
  d=$(drop "$tmp/$k-keys")
  plant "$k" "$tmp/$k.pub"
  run "$k-pubkey" "$CRC" verify --pubkey "$tmp/$k.pub" "$d"
  expect "$k-pubkey" 3 "$tmp/$k.pub: not a regular file"
  CRC_PUBKEY=$tmp/$k.pub run "$k-env-pubkey" "$CRC" verify --require-signature "$d"
  expect "$k-env-pubkey" 3 "$tmp/$k.pub: not a regular file"
  run "$k-deploy-pubkey" "$CRC" deploy "$d" --to "$tmp/$k-dk" --target x86_64-linux-gnu --pubkey "$tmp/$k.pub"
  expect "$k-deploy-pubkey" 3 "$tmp/$k.pub: not a regular file"
  run "$k-sign-key" "$CRC" sign "$d" --key "$tmp/$k.pub"
  expect "$k-sign-key" 3 "$tmp/$k.pub: not a regular file"

  # The deploy directory's state and lock files.
  for f in .crc-deploy.state .crc-deploy.lock; do
    d=$(drop "$tmp/$k-dd")
    rm -rf "$tmp/$k-dd-dep"
    run "$k-first" "$CRC" deploy "$d" --to "$tmp/$k-dd-dep" --target x86_64-linux-gnu
    expect "$k-first" 0
    plant "$k" "$tmp/$k-dd-dep/$f"
    run "$k-deploy-$f" "$CRC" deploy "$d" --to "$tmp/$k-dd-dep" --target x86_64-linux-gnu
    expect "$k-deploy-$f" 3 "is $w, not a regular file"
    run "$k-rollback-$f" "$CRC" rollback --to "$tmp/$k-dd-dep"
    expect "$k-rollback-$f" 3 "is $w, not a regular file"
  done

  # The storage: its lock file and a profile's pin file.
  st=$tmp/$k-st
  mkdir -p "$st/edge" && cp -a "$FIXTURE" "$st/edge/d2"
  plant "$k" "$st/edge/.pins"
  run "$k-list-pins" "$CRC" --storage "$st" list
  expect "$k-list-pins" 3 "is $w, not a regular file"
  run "$k-gc-pins" "$CRC" --storage "$st" gc --keep 1 --dry-run
  expect "$k-gc-pins" 3 "is $w, not a regular file"
  rm -f "$st/edge/.pins"
  plant "$k" "$st/.crc.lock"
  run "$k-pin-lock" "$CRC" --storage "$st" pin --profile edge --drop-id d2
  expect "$k-pin-lock" 3 "lock file is $w, not a regular file"
  run "$k-gc-lock" "$CRC" --storage "$st" gc --keep 1
  expect "$k-gc-lock" 3 "lock file is $w, not a regular file"
  run "$k-list-lock" "$CRC" --storage "$st" list
  expect "$k-list-lock" 0

  # A registry credentials file: refused before any connection (nothing listens on port 9).
  plant "$k" "$tmp/$k-auth.json"
  CRC_REGISTRY_AUTH=$tmp/$k-auth.json run "$k-auth" "$CRC" pull "127.0.0.1:9/noa/x:y"
  expect "$k-auth" 3 "credentials file $tmp/$k-auth.json: not a regular file"

  # A profile of the project.
  proj=$tmp/$k-proj
  mkdir -p "$proj/runtime" && cp -a "$SRC/profiles" "$SRC/templates" "$proj/" &&
    cp "$SRC/runtime/features.yaml" "$proj/runtime/" || fail "copying the project's profiles"
  plant "$k" "$proj/profiles/edge.yaml"
  (cd "$proj" && run "$k-profile" "$CRC" profile show edge) || exit 1
  expect "$k-profile" 3 "not a regular file"
done
echo "ok: FIFOs, sockets and devices ($kinds) at every path crc reads refused within the bound"
