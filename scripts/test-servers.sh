#!/usr/bin/env bash
# Start/stop the local authorization servers used by pas's integration tests:
#   * pas-devserver  (this repo's local PAS, Rust)        -> PAS_DEVSERVER_URL
#   * oidc-provider  (independent certified AS, Node)      -> OIDC_AS_URL
# both on 127.0.0.1 ephemeral ports.
#
# Usage:
#   scripts/test-servers.sh start          # build, start both, write $ENV_FILE, record PIDs
#   scripts/test-servers.sh stop           # stop both, verify nothing is left
#   scripts/test-servers.sh status
#   scripts/test-servers.sh run -- CMD...  # start, run CMD with the env exported, always stop
#
# Env file (default target/test-servers.env, override with TEST_SERVERS_ENV):
#   PAS_DEVSERVER_URL, PAS_DEVSERVER_CONTROL_URL, PAS_DEVSERVER_ISSUER, PAS_DEVSERVER_PID,
#   OIDC_AS_URL, OIDC_AS_PID
# Knobs: PAS_DEVSERVER_ARGS (extra flags, e.g. "--seed 1 --rotate-refresh-tokens"),
#   SKIP_OIDC_AS=1 (only pas-devserver), READY_TIMEOUT (seconds, default 60),
#   CARGO_TARGET_DIR (where the binary is built).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
STATE_DIR="$TARGET_DIR/test-servers"
ENV_FILE="${TEST_SERVERS_ENV:-$TARGET_DIR/test-servers.env}"
PID_FILE="$STATE_DIR/pids"
READY_TIMEOUT="${READY_TIMEOUT:-60}"
AS_DIR="$ROOT/tests/oidc-as"

log() { echo "test-servers: $*" >&2; }

# wait_ready LOGFILE PREFIX PID -> prints the JSON after PREFIX
wait_ready() {
  local file="$1" prefix="$2" pid="$3" i line
  for ((i = 0; i < READY_TIMEOUT * 10; i++)); do
    line="$(grep -m1 "^$prefix " "$file" 2>/dev/null || true)"
    if [[ -n "$line" ]]; then
      echo "${line#"$prefix "}"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      log "process $pid exited before it was ready; its log:"
      sed 's/^/  | /' "$file" "$file.err" >&2 2>/dev/null || true
      return 1
    fi
    sleep 0.1
  done
  log "timed out after ${READY_TIMEOUT}s waiting for $prefix"
  return 1
}

# json_get JSON KEY (flat string/number values only; no jq needed)
json_get() {
  sed -n "s/.*\"$2\":\"\{0,1\}\([^\",}]*\)\"\{0,1\}.*/\1/p" <<<"$1"
}

stop_servers() {
  [[ -f "$PID_FILE" ]] || { rm -f "$ENV_FILE"; return 0; }
  local pid left=""
  while read -r pid; do
    [[ -n "$pid" ]] && kill -TERM "$pid" 2>/dev/null || true
  done <"$PID_FILE"
  for _ in $(seq 1 50); do
    left=""
    while read -r pid; do
      [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && left="$left $pid"
    done <"$PID_FILE"
    [[ -z "$left" ]] && break
    sleep 0.1
  done
  if [[ -n "$left" ]]; then
    log "still alive after SIGTERM:$left; sending SIGKILL"
    for pid in $left; do kill -KILL "$pid" 2>/dev/null || true; done
    sleep 0.2
    for pid in $left; do
      if kill -0 "$pid" 2>/dev/null; then log "could not stop $pid"; return 1; fi
    done
  fi
  rm -f "$PID_FILE" "$ENV_FILE"
  log "stopped"
}

start_servers() {
  if [[ -f "$PID_FILE" ]]; then
    log "already started (PIDs in $PID_FILE); stopping the old ones first"
    stop_servers
  fi
  mkdir -p "$STATE_DIR"
  : >"$PID_FILE"
  # If anything below fails, stop whatever was started.
  trap 'rc=$?; if [[ $rc -ne 0 ]]; then log "start failed ($rc)"; stop_servers || true; fi' EXIT

  log "building pas-devserver"
  (cd "$ROOT" && cargo build -q -p pas-devserver)
  local bin="$TARGET_DIR/debug/pas-devserver"
  [[ -x "$bin" ]] || { log "no binary at $bin"; return 1; }

  local ds_log="$STATE_DIR/pas-devserver.log"
  # shellcheck disable=SC2086 # PAS_DEVSERVER_ARGS is a flag list on purpose
  "$bin" --port 0 ${PAS_DEVSERVER_ARGS:-} >"$ds_log" 2>"$ds_log.err" &
  local ds_pid=$!
  echo "$ds_pid" >>"$PID_FILE"
  local ds_json
  ds_json="$(wait_ready "$ds_log" PAS_DEVSERVER_READY "$ds_pid")"
  {
    echo "PAS_DEVSERVER_URL=$(json_get "$ds_json" base_url)"
    echo "PAS_DEVSERVER_CONTROL_URL=$(json_get "$ds_json" control_url)"
    echo "PAS_DEVSERVER_ISSUER=$(json_get "$ds_json" issuer)"
    echo "PAS_DEVSERVER_PID=$ds_pid"
  } >"$ENV_FILE.tmp"
  log "pas-devserver ready: $(json_get "$ds_json" base_url) (pid $ds_pid)"

  if [[ "${SKIP_OIDC_AS:-0}" != 1 ]]; then
    if [[ ! -d "$AS_DIR/node_modules/oidc-provider" ]]; then
      log "npm ci in tests/oidc-as"
      (cd "$AS_DIR" && npm ci --no-audit --no-fund --loglevel=error >&2)
    fi
    local as_log="$STATE_DIR/oidc-as.log"
    (cd "$AS_DIR" && PORT=0 exec node server.mjs >"$as_log" 2>"$as_log.err") &
    local as_pid=$!
    echo "$as_pid" >>"$PID_FILE"
    local as_json
    as_json="$(wait_ready "$as_log" OIDC_AS_READY "$as_pid")"
    {
      echo "OIDC_AS_URL=$(json_get "$as_json" base_url)"
      echo "OIDC_AS_PID=$as_pid"
    } >>"$ENV_FILE.tmp"
    log "oidc-provider ready: $(json_get "$as_json" base_url) (pid $as_pid)"
  fi
  mv "$ENV_FILE.tmp" "$ENV_FILE"
  trap - EXIT
  log "env written to $ENV_FILE"
  cat "$ENV_FILE"
}

case "${1:-}" in
  start) start_servers ;;
  stop) stop_servers ;;
  status)
    if [[ -f "$PID_FILE" ]]; then
      while read -r pid; do
        if kill -0 "$pid" 2>/dev/null; then echo "running $pid"; else echo "gone $pid"; fi
      done <"$PID_FILE"
      [[ -f "$ENV_FILE" ]] && cat "$ENV_FILE"
    else
      echo "not started"
    fi
    ;;
  run)
    shift
    [[ "${1:-}" == "--" ]] && shift
    [[ $# -gt 0 ]] || { log "run needs a command"; exit 2; }
    start_servers
    trap 'stop_servers' EXIT
    trap 'exit 130' INT TERM
    set -a
    # shellcheck disable=SC1090
    source "$ENV_FILE"
    set +a
    "$@"
    ;;
  *)
    sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
