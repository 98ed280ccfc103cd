# tests/e2e/lib/common.sh — helpers every e2e script needs; source it after
# setting BUILD (the build directory) and NAME (a short tag for this script):
#
#   BUILD=${1:?usage: ...}; NAME=truth
#   . "$(dirname "$0")/lib/common.sh"
#
# It sets BIN, SIM, RELAY (the binaries under BUILD), TMP (a private
# directory), HOME (inside TMP), T (tmux on a socket of this run alone: each
# test has its own tmux server, so two tests can run side by side), PIDS (every
# process to stop, by pid, at exit), fails (the count of failed checks) and S
# (the tmux session the screen helpers read). The EXIT trap resumes, stops and
# reaps every pid in PIDS, kills the tmux server and removes TMP.
#
# Every wait is a bounded poll (check, sleep 0.1 s, at most SECS seconds,
# default 15): a test waits for the condition it needs, never a fixed time.
# A wait must look for something that is not on the screen yet: text already
# shown (a flash, the previous state) satisfies it at once.

BIN=$BUILD/calltop
[ -x "$BIN" ] || BIN=$BUILD/app/calltop
SIM=$BUILD/sim/calltop-sim
RELAY=$BUILD/relay/calltop-relay
E2E_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

TMP=$(mktemp -d "/tmp/ct-e2e-${NAME:-test}-XXXXXX")
T=(tmux -L "ct-${NAME:-test}-$$")
PIDS=()
fails=0
S=none
e2e_cleanup() {
    local p
    for p in "${PIDS[@]}"; do
        kill -CONT "$p" 2>/dev/null
        kill "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    "${T[@]}" kill-server 2>/dev/null
    rm -rf "$TMP"
}
trap e2e_cleanup EXIT
export HOME=$TMP/home
mkdir -p "$HOME"
export LANG=C.UTF-8 LC_ALL=C.UTF-8

# need_bins FILE...: fail at once when a binary is missing
need_bins() {
    local b
    for b in "$@"; do [ -x "$b" ] || { echo "FAIL: missing $b"; exit 1; }; done
}

screen() { "${T[@]}" capture-pane -p -t "$S" 2>/dev/null; }
status_bar() { screen | head -1; }
# fail MESSAGE: count a failed check; show the screen when there is one
fail() {
    echo "FAIL: $*"
    if [ "$S" != none ]; then
        echo "---- screen:"
        screen
        echo "----"
    fi
    fails=$((fails + 1))
}
keys() { "${T[@]}" send-keys -t "$S" "$@"; }
text() { "${T[@]}" send-keys -t "$S" -l -- "$1"; }
ms() { date +%s%3N; }

# poll_until SECS CMD...: bounded poll until CMD succeeds
poll_until() {
    local end=$((SECONDS + $1))
    shift
    while :; do
        "$@" && return 0
        [ $SECONDS -ge $end ] && return 1
        sleep 0.1
    done
}
screen_has() { screen | grep -qF -- "$1"; }
screen_has_re() { screen | grep -qE -- "$1"; }
screen_lacks() { ! screen | grep -qF -- "$1"; }
# wait_for TEXT [SECS], wait_re REGEX [SECS], wait_gone TEXT [SECS]
wait_for() { poll_until "${2:-15}" screen_has "$1"; }
wait_re() { poll_until "${2:-15}" screen_has_re "$1"; }
wait_gone() { poll_until "${2:-15}" screen_lacks "$1"; }
# wait_file_re FILE REGEX [SECS]: until a line of FILE matches
file_has_re() { grep -qE -- "$2" "$1" 2>/dev/null; }
wait_file_re() { poll_until "${3:-15}" file_has_re "$1" "$2"; }

# start_session NAME COLS ROWS CMD: a new session on this run's tmux server;
# S is set to it and its pane's pid joins PIDS
start_session() {
    S=$1
    "${T[@]}" new-session -d -x "$2" -y "$3" -s "$S" "$4"
    local pid
    pid=$("${T[@]}" display-message -p -t "$S" '#{pane_pid}')
    [ -n "$pid" ] && PIDS+=("$pid")
}

# listen_line FILE SED_EXPR: the first thing SED_EXPR prints from FILE, polled
# for at most 5 s (a server prints its address once it listens)
listen_line() {
    local v= _
    for _ in $(seq 100); do
        v=$(sed -n "$2" "$1" 2>/dev/null | head -1)
        [ -n "$v" ] && break
        sleep 0.05
    done
    printf '%s' "$v"
}

# start_sim NAME ARGS...: calltop-sim on 127.0.0.1, an ephemeral port, with
# $KEY as its API key; sets SIM_URL, SIM_PORT and SIM_PID. Output in
# TMP/NAME.out, log in TMP/NAME.log.
start_sim() {
    local name=$1
    shift
    "$SIM" --port 0 --api-key "$KEY" "$@" >"$TMP/$name.out" 2>"$TMP/$name.log" &
    SIM_PID=$!
    PIDS+=("$SIM_PID")
    SIM_URL=$(listen_line "$TMP/$name.out" 's/^listening on \(http:[^ ]*\).*/\1/p')
    [ -n "$SIM_URL" ] || { echo "FAIL: sim did not start: $(cat "$TMP/$name.log")"; exit 1; }
    SIM_PORT=${SIM_URL##*:}
}

# A process the test freezes (kill -STOP) runs in a session of its own
# (setsid; without job control bash's background jobs are no group leaders,
# so setsid does not fork and $! is the program). In the test's process
# group, a stopped member makes the group "have stopped jobs": if the group
# is orphaned (ctest's parent gone, as in a detached CI step), the kernel
# sends every member SIGHUP then SIGCONT when another process exits. That
# killed a frozen tap and would end a relay's freeze early, under load only.
# FREEZABLE: the prefix for such a process.
FREEZABLE=()
command -v setsid >/dev/null && FREEZABLE=(setsid)

# start_relay NAME ARGS...: calltop-relay on 127.0.0.1, an ephemeral port,
# in its own session (FREEZABLE); sets RELAY_PORT and RELAY_PID
start_relay() {
    local name=$1
    shift
    "${FREEZABLE[@]}" "$RELAY" --listen 127.0.0.1:0 "$@" >"$TMP/$name.out" 2>"$TMP/$name.log" &
    RELAY_PID=$!
    PIDS+=("$RELAY_PID")
    RELAY_PORT=$(listen_line "$TMP/$name.out" 's/^listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p')
    [ -n "$RELAY_PORT" ] || { echo "FAIL: relay did not start: $(cat "$TMP/$name.log")"; exit 1; }
}

# relay_metric NAME: a counter or gauge from the relay's /metrics (needs
# RELAY_PORT and TOKEN, the relay's client token); empty when unreachable
relay_metric() {
    curl -s -m 5 -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$RELAY_PORT/metrics" |
        awk -v k="$1" '$1 == k {print $2; exit}'
}
# wait_relay_clients N [SECS]: until the relay has sent N snapshots in all,
# i.e. N monitor clients (since it started) said hello and are subscribed:
# a webhook posted after that reaches each of them
relay_snapshots_ge() { [ "$(relay_metric calltop_relay_snapshots_total)" -ge "$1" ] 2>/dev/null; }
wait_relay_clients() { poll_until "${2:-15}" relay_snapshots_ge "$1"; }

# finish NAME: the verdict line and exit status
finish() {
    if [ "$fails" -eq 0 ]; then echo "ok: $1"; else echo "$fails failure(s)"; fi
    exit $((fails > 0))
}
