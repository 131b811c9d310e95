#!/usr/bin/env bash
# A local Label Studio for linesift: start | stop | status.
#
# A server is known by its data folder and its port. One folder holds one server's data
# (LABEL_STUDIO_DIR, default .labelstudio/ of this checkout): its SQLite database under data/,
# the admin's credentials in credentials.env (mode 600, the one file that holds the token), the
# log server.log and the record server.env (pid, port, URL) of the server this script started.
# Which server serves which folder on which port is read from the running processes, so a
# server started elsewhere, by hand or by an older version of this script, is seen too (paths
# with spaces are not: keep the folder's path free of them).
#
# start   create .venv-labelstudio if missing, start label-studio on 127.0.0.1:$PORT for the
#         folder, wait for /health. Reuse the folder's server when it already runs on that
#         port; refuse, with a message, when it runs on another port (two servers on one
#         database corrupt it) or when the port is taken.
# stop    stop the server this script started for the folder (by its process group).
# status  say which server serves the folder, at which URL; list the other Label Studio
#         servers on this machine; exit 1 if the folder has none.
#
# Environment: LABEL_STUDIO_PORT (8080 for start; status and stop find the folder's own port),
#              LABEL_STUDIO_DIR (.labelstudio), LABEL_STUDIO_VERSION (1.23.2),
#              LABEL_STUDIO_START_TIMEOUT (180 s), PYTHON (python3.11, else python3).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEFAULT_PORT=8080
ASKED_PORT="${LABEL_STUDIO_PORT:-}"
VERSION="${LABEL_STUDIO_VERSION:-1.23.2}"
TIMEOUT="${LABEL_STUDIO_START_TIMEOUT:-180}"
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
VENV="$ROOT/.venv-labelstudio"
STATE="${LABEL_STUDIO_DIR:-$ROOT/.labelstudio}"
mkdir -p "$STATE"
STATE="$(cd "$STATE" && pwd)"
DATA="$STATE/data"
CREDS="$STATE/credentials.env"
RECORD="$STATE/server.env"
LEGACY_PIDFILE="$STATE/server.pid"
LOG="$STATE/server.log"

# Label Studio refuses ML backends and webhooks on private and loopback addresses. Lift the
# ban for loopback only, so `linesift annotate serve` on 127.0.0.1 can be connected: the
# list below is Label Studio's own default list (core/utils/io.py) without 127.0.0.0/8 and ::1.
BANNED_SUBNETS="0.0.0.0/8,10.0.0.0/8,100.64.0.0/10,169.254.0.0/16,172.16.0.0/12,192.0.0.0/24"
BANNED_SUBNETS+=",192.0.2.0/24,192.88.99.0/24,192.168.0.0/16,198.18.0.0/15,198.51.100.0/24"
BANNED_SUBNETS+=",203.0.113.0/24,224.0.0.0/4,233.252.0.0/24,240.0.0.0/4,255.255.255.255/32"
BANNED_SUBNETS+=",::/128,::ffff:0:0/96,::ffff:0:0:0/96,64:ff9b::/96,64:ff9b:1::/48,100::/64"
BANNED_SUBNETS+=",2001:0000::/32,2001:20::/28,2001:db8::/32,2002::/16,fc00::/7,fe80::/10,ff00::/8"

say() { echo "labelstudio: $*" >&2; }
die() { say "$*"; exit 1; }
url_of() { echo "http://127.0.0.1:$1"; }
healthy() { curl -fs -o /dev/null --max-time 5 "$(url_of "$1")/health"; }

# Every running label-studio server on this machine, one per line: "pid port data-dir".
servers() {
    local pid args port data
    while read -r pid args; do
        [[ "$args" == *"label-studio start"* ]] || continue
        [[ "$args" =~ --port\ ([0-9]+) ]] && port="${BASH_REMATCH[1]}" || port="$DEFAULT_PORT"
        [[ "$args" =~ --data-dir\ ([^ ]+) ]] && data="${BASH_REMATCH[1]}" || data="?"
        echo "$pid $port $data"
    done < <(ps -eo pid=,args= 2>/dev/null)
}

# "pid port" of the server whose data folder is $DATA, if one runs.
folder_server() { servers | awk -v d="$DATA" '$3 == d { print $1, $2; exit }'; }
# "pid data" of the label-studio server listening on port $1, if one does.
port_server() { servers | awk -v p="$1" '$2 == p { print $1, $3; exit }'; }

# True when something listens on 127.0.0.1:$1, answering or not.
port_taken() {
    "$PYTHON" - "$1" <<'PY'
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

# The pid this script started for the folder (server.env, or server.pid of older versions).
recorded_pid() {
    if [[ -f "$RECORD" ]]; then
        sed -n 's/^PID=//p' "$RECORD"
    elif [[ -f "$LEGACY_PIDFILE" ]]; then
        cat "$LEGACY_PIDFILE"
    fi
}

write_record() {
    local pid="$1" port="$2"
    cat > "$RECORD" <<RECORD
# Written by scripts/labelstudio.sh: the server it started for this folder.
PID=$pid
PORT=$port
URL=$(url_of "$port")
DATA=$DATA
RECORD
    rm -f "$LEGACY_PIDFILE"
}

ensure_venv() {
    [[ -x "$VENV/bin/label-studio" ]] && return 0
    say "installing label-studio==$VERSION into $VENV (about 1 GB, a few minutes)"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "label-studio==$VERSION"
}

ensure_credentials() {
    local url="$1"
    chmod 700 "$STATE"
    if [[ -f "$CREDS" ]]; then
        chmod 600 "$CREDS"
        # The folder's server may have moved to another port: linesift reads the URL here.
        (umask 077; sed "s|^LABEL_STUDIO_URL=.*|LABEL_STUDIO_URL=$url|" "$CREDS" > "$CREDS.new")
        mv "$CREDS.new" "$CREDS"
        return 0
    fi
    [[ -d "$DATA" ]] && die "$CREDS is missing but $DATA exists, so its admin's password and" \
        "token are unknown. Remove $STATE to start afresh."
    local password token
    password="$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(18))')"
    token="$("$PYTHON" -c 'import secrets; print(secrets.token_hex(20))')"
    (umask 077; cat > "$CREDS" <<CREDENTIALS
# Written by scripts/labelstudio.sh for the local Label Studio; keep it private.
LABEL_STUDIO_URL=$url
LABEL_STUDIO_API_KEY=$token
LABEL_STUDIO_USERNAME=admin@linesift.local
LABEL_STUDIO_PASSWORD=$password
CREDENTIALS
    )
}

cred() { sed -n "s/^$1=//p" "$CREDS"; }

launch() {
    local port="$1" url
    url="$(url_of "$port")"
    mkdir -p "$DATA"
    # Credentials go through the environment, not argv, so `ps` does not show them.
    # setsid: the server gets its own process group, which `stop` ends by id.
    env LABEL_STUDIO_USERNAME="$(cred LABEL_STUDIO_USERNAME)" \
        LABEL_STUDIO_PASSWORD="$(cred LABEL_STUDIO_PASSWORD)" \
        LABEL_STUDIO_USER_TOKEN="$(cred LABEL_STUDIO_API_KEY)" \
        LABEL_STUDIO_BASE_DATA_DIR="$DATA" \
        USE_DEFAULT_BANNED_SUBNETS=false USER_ADDITIONAL_BANNED_SUBNETS="$BANNED_SUBNETS" \
        LATEST_VERSION_CHECK=false COLLECT_ANALYTICS=false SENTRY_DSN= FRONTEND_SENTRY_DSN= \
        setsid "$VENV/bin/label-studio" start --no-browser --data-dir "$DATA" \
            --internal-host 127.0.0.1 --port "$port" --host "$url" \
            --enable-legacy-api-token </dev/null >"$LOG" 2>&1 &
    write_record $! "$port"
}

wait_healthy() {
    local pid="$1" port="$2" waited=0
    while ! healthy "$port"; do
        kill -0 "$pid" 2>/dev/null || die "label-studio exited while starting; see $LOG"
        (( waited >= TIMEOUT )) && die "label-studio did not answer $(url_of "$port")/health" \
            "within ${TIMEOUT} s; see $LOG (raise LABEL_STUDIO_START_TIMEOUT on a slow machine)"
        sleep 2
        waited=$((waited + 2))
    done
}

refuse_second_server() {
    local pid="$1" port="$2" port_hint=""
    [[ "$port" != "$DEFAULT_PORT" ]] && port_hint="LABEL_STUDIO_PORT=$port "
    die "the data folder $DATA is already served by pid $pid at $(url_of "$port"); a second" \
        "server on the same data would corrupt it. Use that one, stop it first" \
        "(${port_hint}make labelstudio-stop), or give another folder with LABEL_STUDIO_DIR."
}

start() {
    local port="${ASKED_PORT:-$DEFAULT_PORT}" found pid other
    found="$(folder_server)"
    if [[ -n "$found" ]]; then
        read -r pid other <<<"$found"
        [[ -n "$ASKED_PORT" && "$other" != "$ASKED_PORT" ]] && refuse_second_server "$pid" "$other"
        port="$other"
        ensure_credentials "$(url_of "$port")"
        say "already running at $(url_of "$port") (pid $pid, data $DATA)"
        wait_healthy "$pid" "$port"
        report "$port"
        return 0
    fi
    found="$(port_server "$port")"
    if [[ -n "$found" ]]; then
        read -r pid other <<<"$found"
        die "port $port is taken by the Label Studio of $other (pid $pid); stop that one or" \
            "set LABEL_STUDIO_PORT to another port"
    fi
    port_taken "$port" && die "port $port is taken by a process that is not Label Studio; stop" \
        "it or set LABEL_STUDIO_PORT"
    ensure_venv
    ensure_credentials "$(url_of "$port")"
    launch "$port"
    pid="$(recorded_pid)"
    say "starting at $(url_of "$port") (pid $pid, data $DATA, log $LOG); this takes 30-60 s"
    wait_healthy "$pid" "$port"
    report "$port"
}

report() {
    say "ready at $(url_of "$1"); user $(cred LABEL_STUDIO_USERNAME); URL, API token and" \
        "password in $CREDS"
}

wrong_port() {
    local port="$1" found
    found="$(port_server "$ASKED_PORT")"
    say "the server of $DATA listens on port $port, not $ASKED_PORT" \
        "${found:+(port $ASKED_PORT is served by pid ${found% *} for ${found#* })}"
}

stop() {
    local found pid port mine
    found="$(folder_server)"
    if [[ -z "$found" ]]; then
        say "not running (data $DATA)"
        rm -f "$RECORD" "$LEGACY_PIDFILE"
        return 0
    fi
    read -r pid port <<<"$found"
    if [[ -n "$ASKED_PORT" && "$ASKED_PORT" != "$port" ]]; then
        wrong_port "$port"
        die "nothing stopped; run LABEL_STUDIO_PORT=$port make labelstudio-stop to stop it"
    fi
    mine="$(recorded_pid)"
    [[ "$mine" == "$pid" ]] || die "pid $pid serves $DATA on port $port but was not started by" \
        "this script; stop it yourself (kill $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
    for _ in $(seq 1 30); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null
    rm -f "$RECORD" "$LEGACY_PIDFILE"
    say "stopped $(url_of "$port") (pid $pid, data $DATA)"
}

status() {
    local found pid port others rc=0
    found="$(folder_server)"
    if [[ -n "$found" ]]; then
        read -r pid port <<<"$found"
        if healthy "$port"; then
            say "running at $(url_of "$port") (pid $pid, data $DATA)"
        else
            say "starting or not answering at $(url_of "$port") (pid $pid, data $DATA); see $LOG"
        fi
        [[ -n "$ASKED_PORT" && "$ASKED_PORT" != "$port" ]] && { wrong_port "$port"; rc=1; }
    else
        say "not running (data $DATA)"
        rc=1
    fi
    others="$(servers | awk -v d="$DATA" '$3 != d { printf "  %s (pid %s, data %s)\n", \
        "http://127.0.0.1:" $2, $1, $3 }')"
    [[ -n "$others" ]] && say "other Label Studio servers on this machine:" && echo "$others" >&2
    return "$rc"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
