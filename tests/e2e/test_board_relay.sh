#!/usr/bin/env bash
# test_board_relay.sh — the board against the real calltop-sim and
# calltop-relay binaries: the board fills from REST and goes LIVE over the
# relay; killing the relay shows RECONNECTING, restarting it on the same
# port brings LIVE back, and a call ended while it was down does not stay
# live; without a relay the board polls (POLLING) and still
# fills and updates. Arg 1: the build directory. Private HOME and tmux
# server; servers on loopback ephemeral ports, killed by pid in the trap.
set -u
BUILD=${1:?usage: test_board_relay.sh BUILD_DIR}
BIN=$BUILD/calltop
[ -x "$BIN" ] || BIN=$BUILD/app/calltop
SIM=$BUILD/sim/calltop-sim
RELAY=$BUILD/relay/calltop-relay
for b in "$BIN" "$SIM" "$RELAY"; do [ -x "$b" ] || { echo "FAIL: missing $b"; exit 1; }; done
command -v tmux >/dev/null || { echo "SKIP: tmux not installed"; exit 0; }

TMP=$(mktemp -d /tmp/ct-e2e-relay-XXXXXX)
SOCK=ct-$$
T=(tmux -L "$SOCK")
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    "${T[@]}" kill-server 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
export HOME=$TMP/home
mkdir -p "$HOME"
unset XDG_CONFIG_HOME CALLTOP_BASE_URL CALLTOP_RELAY_URL CALLTOP_LOG CALLTOP_READ_ONLY NO_COLOR
export LANG=C.UTF-8 LC_ALL=C.UTF-8
KEY=e2e-board-key-51c2
SECRET=e2e-webhook-secret-9a8b
TOKEN=e2e-relay-token-77aa
export INTERACTLY_API_KEY=$KEY CALLTOP_WEBHOOK_SECRET=$SECRET CALLTOP_RELAY_TOKEN=$TOKEN \
       CALLTOP_SIM_WEBHOOK_SECRET=$SECRET

fails=0
S=none
screen() { "${T[@]}" capture-pane -p -t "$S" 2>/dev/null; }
fail() { echo "FAIL: $*"; echo "---- screen:"; screen; echo "----"; fails=$((fails + 1)); }
# Every wait is a bounded poll: check, then sleep 0.1 s, for at most SECS
# seconds (default 15: generous for a loaded machine, instant when ready).
wait_for() {
    local end=$((SECONDS + ${2:-15}))
    while :; do
        screen | grep -qF -- "$1" && return 0
        [ $SECONDS -ge $end ] && return 1
        sleep 0.1
    done
}
status_bar() { screen | head -1; }
wait_status() {
    local end=$((SECONDS + ${2:-15}))
    while :; do
        status_bar | grep -qF -- "$1" && return 0
        [ $SECONDS -ge $end ] && return 1
        sleep 0.1
    done
}
# start_session NAME W H COMMAND: a board in its own tmux session, its pid
# recorded for the trap
start_session() {
    S=$1
    "${T[@]}" new-session -d -x "$2" -y "$3" -s "$S" "$4"
    local pid
    pid=$("${T[@]}" display-message -p -t "$S" '#{pane_pid}')
    [ -n "$pid" ] && PIDS+=("$pid")
}

# start_relay [PORT]: sets RPORT and RPID
start_relay() {
    "$RELAY" --listen "127.0.0.1:${1:-0}" --heartbeat 1 >"$TMP/relay.out" 2>"$TMP/relay.log" &
    RPID=$!
    PIDS+=($RPID)
    for _ in $(seq 100); do
        RPORT=$(sed -n 's/^listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$TMP/relay.out" 2>/dev/null)
        [ -n "$RPORT" ] && return 0
        sleep 0.05
    done
    echo "FAIL: relay did not start: $(cat "$TMP/relay.log")"; exit 1
}

start_relay
"$SIM" --port 0 --api-key "$KEY" --seed 11 --history 20 --calls 4 --rate 0.3 \
    --webhook-url "http://127.0.0.1:$RPORT/webhook" >"$TMP/sim.out" 2>"$TMP/sim.log" &
PIDS+=($!)
URL=
for _ in $(seq 100); do
    URL=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$TMP/sim.out" 2>/dev/null)
    [ -n "$URL" ] && break
    sleep 0.05
done
[ -n "$URL" ] || { echo "FAIL: sim did not start: $(cat "$TMP/sim.log")"; exit 1; }

"${T[@]}" new-session -d -s keep "sleep 600"

# ---- push: LIVE, and the board fills ---------------------------------------------
start_session push 160 45 \
    "exec $BIN --base-url $URL --relay-url ws://127.0.0.1:$RPORT/monitor --log $TMP/push.log"
wait_status "LIVE" || fail "push board never LIVE"
wait_for "● live" || fail "push board shows no live call"
screen | grep -qE "Calls (2[0-9]|[3-9][0-9])/" || fail "push board did not fill from REST"

# ---- the relay goes away: RECONNECTING; it comes back: LIVE -------------------------
kill "$RPID"; wait "$RPID" 2>/dev/null
wait_status "RECONNECTING" || wait_status "STALE" 1 || fail "no RECONNECTING after the relay died"
status_bar | grep -qE "RECONNECTING|STALE|POLLING" || fail "status bar: $(status_bar)"
# a call ended while the relay is down: the webhooks of its end are lost to
# the relay, so the restarted relay's snapshot does not have them
live_json=$("$BIN" --base-url "$URL" calls list --live --json 2>/dev/null)
# the oldest ongoing call: not the selected one (the board fetches a newly
# selected call by itself, which would hide a stale row)
pick='[.conversations[] | select(.status == "ongoing")] | last // empty'
END_ID=$(jq -r "$pick | .id" <<<"$live_json")
END_WHO=$(jq -r "$pick | .userNumber" <<<"$live_json")
row_of() { screen | grep -F -- "$1" | head -1; }
if [ -n "$END_ID" ] && [ -n "$END_WHO" ] && row_of "$END_WHO" | grep -q "● live"; then
    "$BIN" --base-url "$URL" calls end "$END_ID" >/dev/null 2>"$TMP/end.err" ||
        fail "calls end $END_ID: $(cat "$TMP/end.err")"
else
    # the oldest call may have just ended by itself: nothing to check then
    echo "note: no ongoing call shown live on the board to end; check skipped"
    END_WHO=
fi
start_relay "$RPORT"
wait_status "LIVE" 20 || fail "LIVE did not come back after the relay restarted"
# back LIVE without a replay (a new relay run): the call ended meanwhile is
# not left live (the board reads the list again: tests/tui board_refresh_
# after_lost_channel; the simulator's later end-of-call report may also heal it)
if [ -n "$END_WHO" ]; then
    end=$((SECONDS + 15))
    while row_of "$END_WHO" | grep -q "● live" && [ $SECONDS -lt $end ]; do sleep 0.1; done
    row_of "$END_WHO" | grep -q "● live" &&
        fail "the call ended while the relay was down still shows live: $(row_of "$END_WHO")"
fi

# ---- no relay: POLLING, still fills and ticks ------------------------------------------
start_session poll 120 30 \
    "exec env -u CALLTOP_RELAY_TOKEN $BIN --base-url $URL --log $TMP/poll.log"
wait_status "POLLING" || fail "board without a relay does not say POLLING"
wait_for "● live" || fail "polling board shows no live call"
before=$(screen | grep -c "● live")
[ "$before" -ge 1 ] || fail "polling board: no live rows"

# ---- a refused key: the empty list says why and what to do --------------------------
start_session badkey 120 30 \
    "exec env INTERACTLY_API_KEY=not-the-key $BIN --base-url $URL --log $TMP/badkey.log"
wait_for "No calls: list calls: HTTP 401" || fail "a refused key does not say so in the list"
wait_for "check INTERACTLY_API_KEY" || fail "a refused key gives no hint"

# ---- secrets stay off the screen and out of the logs -------------------------------
for s in push poll; do
    S=$s
    screen | grep -qF "$KEY" && fail "API key on screen ($s)"
    screen | grep -qF "$TOKEN" && fail "relay token on screen ($s)"
done
grep -qF "$KEY" "$TMP/push.log" "$TMP/poll.log" && fail "API key in a log"
grep -qF "$TOKEN" "$TMP/push.log" "$TMP/poll.log" && fail "relay token in a log"

[ $fails -eq 0 ] && echo "ok: test_board_relay" || echo "$fails failure(s)"
exit $((fails > 0))
