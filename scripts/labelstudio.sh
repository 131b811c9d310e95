#!/usr/bin/env bash
# A local Label Studio for linesift: start | stop | status.
#
# start   create .venv-labelstudio if missing, start label-studio on 127.0.0.1:$PORT with its
#         data under .labelstudio/data, wait for /health; reuse the server if it already runs.
#         The admin's email, password and 40-hex API token are generated once and kept in
#         .labelstudio/credentials.env (mode 600), the one file that holds the token.
# stop    stop the server started by `start` (by the process group in .labelstudio/server.pid).
# status  say whether it runs; exit 1 if not.
#
# Environment: LABEL_STUDIO_PORT (8080), LABEL_STUDIO_VERSION (1.23.2),
#              LABEL_STUDIO_START_TIMEOUT (180 s), PYTHON (python3.11, else python3).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${LABEL_STUDIO_PORT:-8080}"
VERSION="${LABEL_STUDIO_VERSION:-1.23.2}"
TIMEOUT="${LABEL_STUDIO_START_TIMEOUT:-180}"
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
VENV="$ROOT/.venv-labelstudio"
STATE="$ROOT/.labelstudio"
DATA="$STATE/data"
CREDS="$STATE/credentials.env"
PIDFILE="$STATE/server.pid"
LOG="$STATE/server.log"
URL="http://127.0.0.1:$PORT"

say() { echo "labelstudio: $*" >&2; }
die() { say "$*"; exit 1; }

healthy() { curl -fs -o /dev/null --max-time 5 "$URL/health"; }

# True when something already listens on 127.0.0.1:$PORT, answering or not (a server left
# over from another checkout would otherwise serve the requests meant for ours).
port_taken() {
    "$PYTHON" - "$PORT" <<'PY'
import socket, sys
with socket.socket() as s:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", int(sys.argv[1])))
    except OSError:
        sys.exit(0)
sys.exit(1)
PY
}

running_pid() {
    [[ -f "$PIDFILE" ]] || return 1
    local pid; pid="$(cat "$PIDFILE")"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

ensure_venv() {
    [[ -x "$VENV/bin/label-studio" ]] && return 0
    say "installing label-studio==$VERSION into $VENV (about 1 GB, a few minutes)"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "label-studio==$VERSION"
}

ensure_credentials() {
    mkdir -p "$STATE"
    chmod 700 "$STATE"
    if [[ -f "$CREDS" ]]; then
        chmod 600 "$CREDS"
        return 0
    fi
    [[ -d "$DATA" ]] && die "$CREDS is missing but $DATA exists, so its admin's password and" \
        "token are unknown. Remove $STATE to start afresh."
    local password token
    password="$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(18))')"
    token="$("$PYTHON" -c 'import secrets; print(secrets.token_hex(20))')"
    (umask 077; cat > "$CREDS" <<CREDENTIALS
# Written by scripts/labelstudio.sh for the local Label Studio; keep it private.
LABEL_STUDIO_URL=$URL
LABEL_STUDIO_API_KEY=$token
LABEL_STUDIO_USERNAME=admin@linesift.local
LABEL_STUDIO_PASSWORD=$password
CREDENTIALS
    )
}

cred() { sed -n "s/^$1=//p" "$CREDS"; }

launch() {
    mkdir -p "$DATA"
    # Credentials go through the environment, not argv, so `ps` does not show them.
    # setsid: the server gets its own process group, which `stop` ends by id.
    env LABEL_STUDIO_USERNAME="$(cred LABEL_STUDIO_USERNAME)" \
        LABEL_STUDIO_PASSWORD="$(cred LABEL_STUDIO_PASSWORD)" \
        LABEL_STUDIO_USER_TOKEN="$(cred LABEL_STUDIO_API_KEY)" \
        LABEL_STUDIO_BASE_DATA_DIR="$DATA" \
        LATEST_VERSION_CHECK=false COLLECT_ANALYTICS=false SENTRY_DSN= FRONTEND_SENTRY_DSN= \
        setsid "$VENV/bin/label-studio" start --no-browser --data-dir "$DATA" \
            --internal-host 127.0.0.1 --port "$PORT" --host "$URL" \
            --enable-legacy-api-token </dev/null >"$LOG" 2>&1 &
    echo $! > "$PIDFILE"
}

wait_healthy() {
    local pid="$1" waited=0
    while ! healthy; do
        kill -0 "$pid" 2>/dev/null || die "label-studio exited while starting; see $LOG"
        (( waited >= TIMEOUT )) && die "label-studio did not answer $URL/health within" \
            "${TIMEOUT} s; see $LOG (raise LABEL_STUDIO_START_TIMEOUT on a slow machine)"
        sleep 2
        waited=$((waited + 2))
    done
}

start() {
    local pid
    if pid="$(running_pid)" && healthy; then
        say "already running at $URL (pid $pid)"
        report
        return 0
    fi
    healthy && die "something else answers at $URL; stop it or set LABEL_STUDIO_PORT"
    port_taken && die "port $PORT is taken by a process this checkout did not start; stop it" \
        "or set LABEL_STUDIO_PORT"
    ensure_venv
    ensure_credentials
    launch
    pid="$(cat "$PIDFILE")"
    say "starting at $URL (pid $pid, log $LOG); this takes 30-60 s"
    wait_healthy "$pid"
    report
}

report() {
    say "ready at $URL; user $(cred LABEL_STUDIO_USERNAME); URL, API token and password in $CREDS"
}

stop() {
    local pid
    if ! pid="$(running_pid)"; then
        say "not running"
        rm -f "$PIDFILE"
        return 0
    fi
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
    for _ in $(seq 1 30); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null
    rm -f "$PIDFILE"
    say "stopped (pid $pid)"
}

status() {
    local pid
    if pid="$(running_pid)" && healthy; then
        say "running at $URL (pid $pid)"
        return 0
    fi
    say "not running"
    return 1
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
