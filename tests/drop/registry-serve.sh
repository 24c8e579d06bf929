# Sourced by tests/drop/registry.sh and bench/registry.sh: a local distribution registry (Debian's
# docker-registry) on 127.0.0.1.
# free_port: a TCP port free on 127.0.0.1 now.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# registry_serve DIR [AUTH_YAML]: writes DIR/config.yml (storage in DIR/data, the auth section given, if
# any), starts the registry at a free port with its log in DIR/log, and waits until /v2/ answers (200, or
# 401 with auth). Sets registry_port and registry_pid; returns 1, with the registry's log on stderr, when
# it does not come up within 10 s.
registry_serve() {
  local dir=$1 auth=${2:-} code
  registry_port=$(free_port)
  mkdir -p "$dir/data"
  cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $dir/data
http:
  addr: 127.0.0.1:$registry_port
$auth
EOF
  docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
  registry_pid=$!
  for _ in $(seq 100); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$registry_port/v2/") || true
    case $code in 200 | 401) return 0 ;; esac
    sleep 0.1
  done
  cat "$dir/log" >&2
  return 1
}
