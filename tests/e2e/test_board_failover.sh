#!/usr/bin/env bash
# test_board_failover.sh — the board with relay-url listing two relays on
# one redis-server (issue 17 item 4): it shows "LIVE relay 1/2"; kill -9 of
# that relay -> "LIVE relay 2/2" within a bound, never POLLING, the message
# log says where it went, and new calls keep arriving over the relay (the
# REST reconcile is set far away, so they can only come through it).
# `calltop config` shows the list; `calltop doctor` checks both relays, and
# fails the dead one while the other passes. Skips without redis-server or a
# relay built without hiredis. Arg 1: the build directory. Private HOME and
# tmux server (lib/common.sh); every server on loopback, killed by pid in the trap.
set -u
BUILD=${1:?usage: test_board_failover.sh BUILD_DIR}
NAME=failover
. "$(dirname "$0")/lib/common.sh"
need_bins "$BIN" "$SIM" "$RELAY"
command -v tmux >/dev/null || { echo "SKIP: tmux not installed"; exit 0; }
command -v jq >/dev/null || { echo "FAIL: jq is needed (tools/install-deps installs it)"; exit 1; }
command -v redis-server >/dev/null || { echo "SKIP: redis-server is not installed"; exit 0; }
"$RELAY" --help 2>&1 | grep -q -- "--redis" || { echo "SKIP: calltop-relay built without hiredis"; exit 0; }

# the board (not our child: no wait) may still be writing its files when
# e2e_cleanup removes TMP: then once more, a moment later
trap 'e2e_cleanup 2>/dev/null; [ ! -d "$TMP" ] || { sleep 0.5; rm -rf "$TMP"; }' EXIT
unset XDG_CONFIG_HOME CALLTOP_BASE_URL CALLTOP_RELAY_URL CALLTOP_LOG CALLTOP_READ_ONLY NO_COLOR \
      CALLTOP_REDIS_PASSWORD
KEY=e2e-failover-key-3f1a
SECRET=e2e-failover-secret-77b0
TOKEN=e2e-failover-token-c41d
export INTERACTLY_API_KEY=$KEY CALLTOP_WEBHOOK_SECRET=$SECRET CALLTOP_RELAY_TOKEN=$TOKEN \
       CALLTOP_SIM_WEBHOOK_SECRET=$SECRET

status_has() { status_bar | grep -qF -- "$1"; }
wait_status() { poll_until "${2:-15}" status_has "$1"; }   # wait_status TEXT [SECS]
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# ---- redis-server (no persistence files outside TMP) and two relays on it ----------
REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$TMP" --save "" --appendonly no \
    >"$TMP/redis.log" 2>&1 &
PIDS+=($!)
redis_up() { (exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT") 2>/dev/null; }
poll_until 5 redis_up
start_relay A --heartbeat 1 --redis "redis://127.0.0.1:$REDIS_PORT"
PORT_A=$RELAY_PORT PID_A=$RELAY_PID
start_relay B --heartbeat 1 --redis "redis://127.0.0.1:$REDIS_PORT"
PORT_B=$RELAY_PORT
WS_A=ws://127.0.0.1:$PORT_A/monitor
WS_B=ws://127.0.0.1:$PORT_B/monitor
LIST="$WS_A,$WS_B"

# the simulator posts its webhooks to B: while the board follows A, they reach
# it through the shared log; after A dies, through B itself
start_sim sim --seed 17 --history 10 --calls 3 --rate 0.5 \
    --webhook-url "http://127.0.0.1:$PORT_B/webhook"
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
start_session board 200 45 \
    "exec $BIN --base-url $URL --relay-url $LIST --reconcile-interval 3600 --log $TMP/board.log"
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
    wait_for "$new_who" 15 || fail "new call $new_id ($new_who) never reached the board after the failover"
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

finish test_board_failover
