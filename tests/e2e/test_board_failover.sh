#!/usr/bin/env bash
# test_board_failover.sh — the board with relay-url listing two relays on
# one redis-server (issue 17 item 4): it shows "LIVE relay 1/2"; kill -9 of
# that relay -> "LIVE relay 2/2" within a bound, never POLLING, the message
# log says where it went, and new calls keep arriving over the relay (the
# REST reconcile is set far away, so they can only come through it).
# `calltop config` shows the list; `calltop doctor` checks both relays, and
# fails the dead one while the other passes. Skips without redis-server or a
# relay built without hiredis. Arg 1: the build directory. Private HOME and
# tmux server; every server on loopback, killed by pid in the trap.
set -u
BUILD=${1:?usage: test_board_failover.sh BUILD_DIR}
BIN=$BUILD/calltop
[ -x "$BIN" ] || BIN=$BUILD/app/calltop
SIM=$BUILD/sim/calltop-sim
RELAY=$BUILD/relay/calltop-relay
for b in "$BIN" "$SIM" "$RELAY"; do [ -x "$b" ] || { echo "FAIL: missing $b"; exit 1; }; done
command -v tmux >/dev/null || { echo "SKIP: tmux not installed"; exit 0; }
command -v jq >/dev/null || { echo "FAIL: jq is needed (tools/install-deps installs it)"; exit 1; }
command -v redis-server >/dev/null || { echo "SKIP: redis-server is not installed"; exit 0; }
"$RELAY" --help 2>&1 | grep -q -- "--redis" || { echo "SKIP: calltop-relay built without hiredis"; exit 0; }

TMP=$(mktemp -d /tmp/ct-e2e-failover-XXXXXX)
SOCK=ct-fo-$$
T=(tmux -L "$SOCK")
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    "${T[@]}" kill-server 2>/dev/null
    # the board (not our child: no wait) may still be writing its files
    rm -rf "$TMP" 2>/dev/null || { sleep 0.5; rm -rf "$TMP"; }
}
trap cleanup EXIT
export HOME=$TMP/home
mkdir -p "$HOME"
unset XDG_CONFIG_HOME CALLTOP_BASE_URL CALLTOP_RELAY_URL CALLTOP_LOG CALLTOP_READ_ONLY NO_COLOR \
      CALLTOP_REDIS_PASSWORD
export LANG=C.UTF-8 LC_ALL=C.UTF-8
KEY=e2e-failover-key-3f1a
SECRET=e2e-failover-secret-77b0
TOKEN=e2e-failover-token-c41d
export INTERACTLY_API_KEY=$KEY CALLTOP_WEBHOOK_SECRET=$SECRET CALLTOP_RELAY_TOKEN=$TOKEN \
       CALLTOP_SIM_WEBHOOK_SECRET=$SECRET

fails=0
S=none
screen() { "${T[@]}" capture-pane -p -t "$S" 2>/dev/null; }
fail() { echo "FAIL: $*"; echo "---- screen:"; screen; echo "----"; fails=$((fails + 1)); }
status_bar() { screen | head -1; }
wait_status() {   # wait_status TEXT [SECS]: bounded poll of the status bar
    local end=$((SECONDS + ${2:-15}))
    while :; do
        status_bar | grep -qF -- "$1" && return 0
        [ $SECONDS -ge $end ] && return 1
        sleep 0.1
    done
}
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
listening_port() {   # listening_port FILE: the port of its "listening on ..." line
    for _ in $(seq 100); do
        p=$(sed -n 's/^listening on [a-z]*:\/\/[^ ]*:\([0-9]*\)$/\1/p' "$1" 2>/dev/null)
        [ -n "$p" ] && { echo "$p"; return 0; }
        sleep 0.05
    done
    return 1
}

# ---- redis-server (no persistence files outside TMP) and two relays on it ----------
REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$TMP" --save "" --appendonly no \
    >"$TMP/redis.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT") 2>/dev/null && break
    sleep 0.05
done
start_relay() {   # start_relay NAME: sets PORT_<NAME> and PID_<NAME>
    "$RELAY" --listen 127.0.0.1:0 --heartbeat 1 --redis "redis://127.0.0.1:$REDIS_PORT" \
        >"$TMP/$1.out" 2>"$TMP/$1.log" &
    local pid=$!
    PIDS+=($pid)
    local port
    port=$(listening_port "$TMP/$1.out") || { echo "FAIL: relay $1 did not start: $(cat "$TMP/$1.log")"; exit 1; }
    printf -v "PORT_$1" '%s' "$port"
    printf -v "PID_$1" '%s' "$pid"
}
start_relay A
start_relay B
WS_A=ws://127.0.0.1:$PORT_A/monitor
WS_B=ws://127.0.0.1:$PORT_B/monitor
LIST="$WS_A,$WS_B"

# the simulator posts its webhooks to B: while the board follows A, they reach
# it through the shared log; after A dies, through B itself
"$SIM" --port 0 --api-key "$KEY" --seed 17 --history 10 --calls 3 --rate 0.5 \
    --webhook-url "http://127.0.0.1:$PORT_B/webhook" >"$TMP/sim.out" 2>"$TMP/sim.log" &
PIDS+=($!)
SIM_PORT=$(listening_port "$TMP/sim.out") || { echo "FAIL: sim did not start: $(cat "$TMP/sim.log")"; exit 1; }
URL=http://127.0.0.1:$SIM_PORT

# ---- calltop config shows the list ----------------------------------------------------
cfg=$("$BIN" --relay-url "$LIST" config 2>&1)
grep -qF -- "$LIST" <<<"$cfg" || fail "calltop config does not show the list: $cfg"
bad=$("$BIN" --relay-url "$WS_A,https://x.example/monitor" config 2>&1)
grep -qF "relay-url entry 2 of 2 'https://x.example/monitor'" <<<"$bad" ||
    fail "a bad second entry is not named: $bad"

# ---- calltop doctor checks each relay --------------------------------------------------
out=$("$BIN" --base-url "$URL" --relay-url "$LIST" doctor -o json 2>"$TMP/doctor.err")
status_of() { jq -r --arg n "$1" '.checks[] | select(.name == $n) | .status' <<<"$out"; }
for c in "relay 1/2" "relay 1/2 token" "relay 2/2" "relay 2/2 token" "round trip 1/2" "round trip 2/2"; do
    [ "$(status_of "$c")" = ok ] || fail "doctor: check '$c' is '$(status_of "$c")': $out"
done

# ---- the board: LIVE relay 1/2 ---------------------------------------------------------
"${T[@]}" new-session -d -s keep "sleep 600"
S=board
"${T[@]}" new-session -d -x 200 -y 45 -s board \
    "exec $BIN --base-url $URL --relay-url $LIST --reconcile-interval 3600 --log $TMP/board.log"
bpid=$("${T[@]}" display-message -p -t board '#{pane_pid}')
[ -n "$bpid" ] && PIDS+=("$bpid")
wait_status "LIVE relay 1/2" 20 || fail "board never LIVE relay 1/2: $(status_bar)"

# ---- kill -9 the followed relay: LIVE relay 2/2 within a bound, never POLLING -----------
calls_before=$(jq '.conversations | length' <<<"$("$BIN" --base-url "$URL" calls list --json 2>/dev/null)")
t0=$(date +%s%N)
kill -9 "$PID_A"
wait "$PID_A" 2>/dev/null
saw_polling=0
end=$((SECONDS + 10))
while :; do
    bar=$(status_bar)
    grep -q POLLING <<<"$bar" && saw_polling=1
    grep -qF "LIVE relay 2/2" <<<"$bar" && break
    [ $SECONDS -ge $end ] && break
    sleep 0.05
done
ms=$((($(date +%s%N) - t0) / 1000000))
grep -qF "LIVE relay 2/2" <<<"$(status_bar)" || fail "not LIVE relay 2/2 within 10 s of kill -9: $(status_bar)"
echo "failover: LIVE relay 2/2 on the board ${ms} ms after kill -9 of relay 1"
[ $saw_polling -eq 0 ] || fail "the board showed POLLING during the failover"
grep -qF "relay $WS_A lost; now on $WS_B" "$TMP/board.log" ||
    fail "the log does not say where the channel went: $(grep monitor "$TMP/board.log" | tail -5)"

# ---- new calls keep arriving, through the relay (REST reconcile is an hour away) -------
end=$((SECONDS + 20))
new_id=
while [ $SECONDS -lt $end ]; do
    list=$("$BIN" --base-url "$URL" calls list --json 2>/dev/null)
    if [ "$(jq '.conversations | length' <<<"$list")" -gt "$calls_before" ]; then
        new_who=$(jq -r '.conversations[0].userNumber' <<<"$list")
        new_id=$(jq -r '.conversations[0].id' <<<"$list")
        break
    fi
    sleep 0.2
done
if [ -z "$new_id" ]; then
    fail "the simulator started no new call in 20 s"
else
    end=$((SECONDS + 15))
    while ! screen | grep -qF -- "$new_who" && [ $SECONDS -lt $end ]; do sleep 0.1; done
    screen | grep -qF -- "$new_who" || fail "new call $new_id ($new_who) never reached the board after the failover"
fi
status_bar | grep -qF "LIVE relay 2/2" || fail "not LIVE relay 2/2 at the end: $(status_bar)"

# ---- doctor now: the dead relay fails, the live one passes ------------------------------
out=$("$BIN" --base-url "$URL" --relay-url "$LIST" doctor -o json 2>"$TMP/doctor2.err")
[ "$(status_of "relay 1/2")" = fail ] || fail "doctor: dead relay 1/2 is '$(status_of "relay 1/2")'"
[ "$(status_of "relay 2/2 token")" = ok ] || fail "doctor: live relay 2/2 token is '$(status_of "relay 2/2 token")'"

# ---- secrets stay off the screen and out of the log -----------------------------------
screen | grep -qF "$TOKEN" && fail "relay token on screen"
grep -qF "$TOKEN" "$TMP/board.log" && fail "relay token in the log"
grep -qF "$KEY" "$TMP/board.log" && fail "API key in the log"

[ $fails -eq 0 ] && echo "ok: test_board_failover" || echo "$fails failure(s)"
exit $((fails > 0))
