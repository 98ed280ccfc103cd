#!/usr/bin/env bash
# test_board_not_visible.sh — issue 13 item 3, end to end: a call only the
# relay knows (its webhook is posted straight to calltop-relay; calltop-sim
# has no such id) is listed; when the board selects it, its GET answers 404,
# and the call stays on the board marked "hidden" / "NOT VISIBLE to this API
# key" instead of being removed, also after the channel reports it again.
# Arg 1: the build directory. Private HOME and tmux server; servers on
# loopback ephemeral ports, killed by pid in the trap.
set -u
BUILD=${1:?usage: test_board_not_visible.sh BUILD_DIR}
BIN=$BUILD/calltop
[ -x "$BIN" ] || BIN=$BUILD/app/calltop
SIM=$BUILD/sim/calltop-sim
RELAY=$BUILD/relay/calltop-relay
for b in "$BIN" "$SIM" "$RELAY"; do [ -x "$b" ] || { echo "FAIL: missing $b"; exit 1; }; done
command -v tmux >/dev/null || { echo "SKIP: tmux not installed"; exit 0; }
command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 0; }

TMP=$(mktemp -d /tmp/ct-e2e-notvis-XXXXXX)
T=(tmux -L "ct-$$")
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
KEY=e2e-notvis-key-3c1d
SECRET=e2e-notvis-secret-77e2
TOKEN=e2e-notvis-token-0b9f
export INTERACTLY_API_KEY=$KEY CALLTOP_WEBHOOK_SECRET=$SECRET CALLTOP_RELAY_TOKEN=$TOKEN

fails=0
S=none
screen() { "${T[@]}" capture-pane -p -t "$S" 2>/dev/null; }
fail() { echo "FAIL: $*"; echo "---- screen:"; screen; echo "----"; fails=$((fails + 1)); }
wait_for() {   # bounded poll: at most SECS (default 15) seconds
    local end=$((SECONDS + ${2:-15}))
    while :; do
        screen | grep -qF -- "$1" && return 0
        [ $SECONDS -ge $end ] && return 1
        sleep 0.1
    done
}
wait_re() {
    local end=$((SECONDS + ${2:-15}))
    while :; do
        screen | grep -qE -- "$1" && return 0
        [ $SECONDS -ge $end ] && return 1
        sleep 0.1
    done
}

"$RELAY" --listen 127.0.0.1:0 --heartbeat 1 >"$TMP/relay.out" 2>"$TMP/relay.log" &
PIDS+=($!)
RPORT=
for _ in $(seq 100); do
    RPORT=$(sed -n 's/^listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$TMP/relay.out" 2>/dev/null)
    [ -n "$RPORT" ] && break
    sleep 0.05
done
[ -n "$RPORT" ] || { echo "FAIL: relay did not start: $(cat "$TMP/relay.log")"; exit 1; }
# the simulator sends no webhooks: the relay knows only what this test posts
"$SIM" --port 0 --api-key "$KEY" --seed 5 --history 3 --calls 1 --rate 0 \
    >"$TMP/sim.out" 2>"$TMP/sim.log" &
PIDS+=($!)
URL=
for _ in $(seq 100); do
    URL=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$TMP/sim.out" 2>/dev/null)
    [ -n "$URL" ] && break
    sleep 0.05
done
[ -n "$URL" ] || { echo "FAIL: sim did not start: $(cat "$TMP/sim.log")"; exit 1; }

ID=relay-only-7f3a
WHO=+15550107788
post() {   # post BODY: a webhook straight to the relay
    curl -s -o /dev/null -w '%{http_code}' -H "X-Calltop-Secret: $SECRET" \
        -H 'Content-Type: application/json' --data "$1" "http://127.0.0.1:$RPORT/webhook"
}
now_ms() { echo $(( $(date +%s) * 1000 )); }

"${T[@]}" new-session -d -s keep "sleep 600"
S=board
"${T[@]}" new-session -d -x 160 -y 45 -s "$S" \
    "exec $BIN --base-url $URL --relay-url ws://127.0.0.1:$RPORT/monitor --log $TMP/board.log"
pid=$("${T[@]}" display-message -p -t "$S" '#{pane_pid}')
[ -n "$pid" ] && PIDS+=("$pid")
wait_re "LIVE" || fail "board never LIVE"
wait_re "Calls [1-9]" || fail "the list did not fill from REST"

start=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
code=$(post "{\"message\":{\"type\":\"status-update\",\"timestamp\":$(now_ms),\"call\":{\"id\":\"$ID\",\"status\":\"ongoing\",\"phoneCallStatus\":\"in-progress\",\"direction\":\"inbound\",\"startAt\":\"$start\",\"userNumber\":\"$WHO\"}}}")
[ "$code" = 200 ] || fail "the relay answered $code to the webhook"
wait_for "$WHO" || fail "the relay-only call is not listed"
# select it: the newest call sorts first; the board then GETs it (404)
"${T[@]}" send-keys -t "$S" g
wait_re "Details $ID" || fail "the relay-only call was not selected"
wait_re "hidden +in +\\$WHO" 20 || fail "the relay-only call is not marked hidden after its 404"
wait_for "NOT VISIBLE to this API key" || fail "the details do not say it is not visible"
# the channel keeps reporting it: still on the board, still marked
code=$(post "{\"message\":{\"type\":\"conversation-update\",\"timestamp\":$(now_ms),\"call\":{\"id\":\"$ID\"},\"messages\":[{\"messageId\":\"m1\",\"role\":\"user\",\"message\":\"is anyone there\",\"time\":$(now_ms)}]}}")
[ "$code" = 200 ] || fail "the relay answered $code to the second webhook"
sleep 1
screen | grep -qF "$WHO" || fail "the relay-only call was removed"
screen | grep -qE "hidden +in +\\$WHO" || fail "the mark went although REST still answers 404"
"${T[@]}" send-keys -t "$S" r   # refetch the list and the selected call: 404 again
sleep 1
screen | grep -qF "$WHO" || fail "a refresh removed the relay-only call"
screen | grep -qF "no longer exists" && fail "the board says the call no longer exists"

[ $fails -eq 0 ] && echo "ok: test_board_not_visible" || echo "$fails failure(s)"
exit $((fails > 0))
