# Sourced by the drop tests: scratch checkouts of the source tree and small assertions.
# checkout DIR: copies the working tree's files (tracked and untracked, not ignored) to DIR and commits
# them there with a fixed author, committer, date and message, so that two checkouts in different places
# hold the same commit id.
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
checkout() {
  local dir=$1
  mkdir -p "$dir"
  (cd "$SRC" && git ls-files -co --exclude-standard -z | grep -zv '^storage/artifacts/' |
    xargs -0 cp -P --parents -t "$dir" 2>/dev/null) || fail "copying the source tree to $dir"
  (cd "$dir" && git init -q && git add -A &&
    GIT_AUTHOR_NAME=crc GIT_AUTHOR_EMAIL=crc@test GIT_COMMITTER_NAME=crc GIT_COMMITTER_EMAIL=crc@test \
    GIT_AUTHOR_DATE='2026-11-01T12:00:00Z' GIT_COMMITTER_DATE='2026-11-01T12:00:00Z' \
    git commit -q -m 'drop test') || fail "committing in $dir"
}
# The one drop directory of a profile under a checkout's storage.
drop_of() {
  local d
  d=$(ls -d "$1/storage/artifacts/$2"/*/ 2>/dev/null) || true
  [ "$(printf '%s\n' "$d" | grep -c .)" = 1 ] || fail "expected one drop in $1/storage/artifacts/$2, got: $d"
  printf '%s\n' "${d%/}"
}
