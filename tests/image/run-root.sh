#!/bin/sh
# Runs a program from an unpacked image root, so that what runs is what the root holds.
#   run-root.sh arm64 ROOT PROG [ARGS...]   qemu-aarch64 -L ROOT, with the host's arm64 multiarch
#       directories hidden under tmpfs in a user and mount namespace of its own (qemu would otherwise
#       fall back on them for a library the root lacks). Where namespaces or mounts are not allowed (some
#       chroots and containers), it says so on stderr and runs with -L ROOT alone: the program and the
#       loader then still come from the root, but a missing library could come from the host.
#   run-root.sh amd64 ROOT PROG [ARGS...]   chroot ROOT: directly as root, else in a user namespace.
# PROG is the program's path inside the root.
set -u
arch=$1 root=$2 prog=$3
shift 3
case $arch in
arm64)
  if unshare -rm true 2>/dev/null &&
     unshare -rm sh -c 'mount -t tmpfs none /lib/aarch64-linux-gnu' 2>/dev/null; then
    exec unshare -rm sh -c 'mount -t tmpfs none /lib/aarch64-linux-gnu &&
      mount -t tmpfs none /usr/lib/aarch64-linux-gnu &&
      p=$1 && shift && exec qemu-aarch64 -L "$0" "$0$p" "$@"' \
      "$root" "$prog" "$@"
  fi
  echo "run-root.sh: no user/mount namespace here: qemu-aarch64 -L $root without hiding the host's arm64 libraries" >&2
  exec qemu-aarch64 -L "$root" "$root$prog" "$@" ;;
amd64)
  if [ "$(id -u)" = 0 ]; then exec chroot "$root" "$prog" "$@"; fi
  exec unshare -r chroot "$root" "$prog" "$@" ;;
*)
  echo "run-root.sh: unknown architecture $arch" >&2; exit 2 ;;
esac
