#!/usr/bin/env bash
# test_board_truth.sh — issue 11: the board never shows stale data as live.
# The board reaches calltop-sim through a logging TCP tap (lib/http_tap.py)
# that the test freezes (SIGSTOP) or kills, so the API goes away for the
# board alone while the CLI still reaches the simulator directly:
#  1. API frozen -> "API NOT ANSWERING" banner and unconfirmed rows ("live?",
#     "~" durations) within the stated time; a call ended meanwhile (CLI) is
#     settled when the API returns, within one hot-window cycle: no ghost.
#  2. API refused (tap killed) -> "API DOWN" banner; back -> banner gone.
#  3. a 429 storm -> one shared pause shown, no burst of requests after it.
#  4. the relay frozen 40 s while the simulator's webhook queue holds 8 ->
#     webhooks are lost; after SIGCONT the board equals REST's truth within
#     the reconcile interval (set to 10 s here) without a key press.
#  5. the relay frozen 15 s (the board stays LIVE: under two missed
#     heartbeats): only the reconcile read corrects the lost webhooks.
# Arg 1: the build directory. Private HOME and tmux server; every server on
# 127.0.0.1, every wait bounded, every process stopped by its pid.
set -u
BUILD=${1:?usage: test_board_truth.sh BUILD_DIR}
BIN=$BUILD/calltop
[ -x "$BIN" ] || BIN=$BUILD/app/calltop
SIM=$BUILD/sim/calltop-sim
RELAY=$BUILD/relay/calltop-relay
HERE=$(cd "$(dirname "$0")" && pwd)
TAP=$HERE/lib/http_tap.py
for b in "$BIN" "$SIM" "$RELAY"; do [ -x "$b" ] || { echo "FAIL: missing $b"; exit 1; }; done
command -v tmux >/dev/null || { echo "SKIP: tmux not installed"; exit 0; }
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 0; }
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 0; }

TMP=$(mktemp -d /tmp/ct-e2e-truth-XXXXXX)
SOCK=ct-truth-$$
T=(tmux -L "$SOCK")
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    "${T[@]}" kill-server 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
export HOME=$TMP/home
mkdir -p "$HOME"
unset XDG_CONFIG_HOME CALLTOP_BASE_URL CALLTOP_RELAY_URL CALLTOP_LOG CALLTOP_READ_ONLY NO_COLOR
unset CALLTOP_POLL_INTERVAL CALLTOP_FULL_REFRESH_INTERVAL CALLTOP_RECONCILE_INTERVAL
export LANG=C.UTF-8 LC_ALL=C.UTF-8
KEY=e2e-truth-key-3f1d
SECRET=e2e-truth-secret-88ab
TOKEN=e2e-truth-token-19cc
export INTERACTLY_API_KEY=$KEY CALLTOP_WEBHOOK_SECRET=$SECRET CALLTOP_RELAY_TOKEN=$TOKEN \
       CALLTOP_SIM_WEBHOOK_SECRET=$SECRET

fails=0
S=none
screen() { "${T[@]}" capture-pane -p -t "$S" 2>/dev/null; }
status_bar() { screen | head -1; }
fail() { echo "FAIL: $*"; echo "---- screen:"; screen; echo "----"; fails=$((fails + 1)); }
# wait_for TEXT [SECS]: bounded poll of the screen
wait_for() {
    local end=$((SECONDS + ${2:-15}))
    while :; do
        screen | grep -qF -- "$1" && return 0
        [ $SECONDS -ge $end ] && return 1
        sleep 0.1
    done
}
wait_gone() {
    local end=$((SECONDS + ${2:-15}))
    while :; do
        screen | grep -qF -- "$1" || return 0
        [ $SECONDS -ge $end ] && return 1
        sleep 0.1
    done
}
ms() { date +%s%3N; }
start_session() {
    S=$1
    "${T[@]}" new-session -d -x "$2" -y "$3" -s "$S" "$4"
    local pid
    pid=$("${T[@]}" display-message -p -t "$S" '#{pane_pid}')
    [ -n "$pid" ] && PIDS+=("$pid")
}
# start_sim NAME ARGS...: sets SIM_URL and SIM_PORT
start_sim() {
    local name=$1; shift
    "$SIM" --port 0 --api-key "$KEY" "$@" >"$TMP/$name.out" 2>"$TMP/$name.log" &
    PIDS+=($!)
    SIM_URL=
    for _ in $(seq 100); do
        SIM_URL=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$TMP/$name.out" 2>/dev/null)
        [ -n "$SIM_URL" ] && break
        sleep 0.05
    done
    [ -n "$SIM_URL" ] || { echo "FAIL: sim did not start: $(cat "$TMP/$name.log")"; exit 1; }
    SIM_PORT=${SIM_URL##*:}
}
# start_tap LISTEN TARGET LOG: sets TAP_PID and TAP_PORT
TAPS=0
start_tap() {
    # a fresh file per tap: the previous tap's line must never be read
    TAPS=$((TAPS + 1))
    local out=$TMP/tap.out.$TAPS
    python3 "$TAP" "$1" "$2" "$3" >"$out" 2>>"$TMP/tap.err" &
    TAP_PID=$!
    PIDS+=($TAP_PID)
    TAP_PORT=
    for _ in $(seq 100); do
        TAP_PORT=$(sed -n 's/^listening on \([0-9]*\)/\1/p' "$out" 2>/dev/null)
        [ -n "$TAP_PORT" ] && break
        sleep 0.05
    done
    [ -n "$TAP_PORT" ] || { echo "FAIL: tap did not start: $(cat "$TMP/tap.err")"; exit 1; }
}
rest() { "$BIN" --base-url "$SIM_URL" "$@" 2>/dev/null; }
# The board's rows that say live (confirmed or not) and REST's ongoing calls,
# as sorted customer numbers.
board_live() { screen | grep -E '^(● live|◔ ringing|○ (live|ringing)\?)' | awk '{print $4}' | sort; }
rest_live() {
    rest calls list --live --json | jq -r '.conversations[] | select(.status == "ongoing") | .userNumber' | sort
}
# wait_truth SECS: until the board's live rows equal REST's ongoing calls
# (two reads of REST around the screen, so a call changing meanwhile waits).
# TRUTH_RECONCILE_S=3600 shows part 5 failing without the reconcile read.
wait_truth() {
    local end=$((SECONDS + $1)) a b r
    while :; do
        a=$(rest_live); b=$(board_live); r=$(rest_live)
        [ "$a" = "$b" ] && [ "$b" = "$r" ] && return 0
        [ $SECONDS -ge $end ] && { echo "REST: $(echo $r)"; echo "board: $(echo $b)"; return 1; }
        sleep 0.2
    done
}

"${T[@]}" new-session -d -s keep "sleep 900"

# ---- 1. POLLING through the tap: the API freezes, a call ends, it returns ------
start_sim sim1 --seed 21 --history 30 --calls 4 --rate 0
start_tap 0 "$SIM_PORT" "$TMP/tap1.log"
TAP_URL=http://127.0.0.1:$TAP_PORT
start_session poll 150 40 \
    "exec env -u CALLTOP_RELAY_TOKEN $BIN --base-url $TAP_URL --poll-interval 1 --log $TMP/poll.log"
wait_for "POLLING" || fail "board without a relay does not say POLLING"
wait_truth 15 || fail "polling board does not show REST's live calls"
pick='[.conversations[] | select(.status == "ongoing")] | last // empty'
live_json=$(rest calls list --live --json)
END_ID=$(jq -r "$pick | .id" <<<"$live_json")
END_WHO=$(jq -r "$pick | .userNumber" <<<"$live_json")
[ -n "$END_ID" ] || fail "no ongoing call in the simulator"

t0=$(ms)
kill -STOP "$TAP_PID"
wait_for "API NOT ANSWERING" 15 || fail "no banner within 15 s of the API freezing"
t_banner=$(ms)
wait_for "live?" 15 || fail "no unconfirmed rows within 15 s of the API freezing"
t_unconf=$(ms)
screen | grep -E '^○ live\?' | grep -qE ' ~[0-9]+:[0-9]{2}' || fail "unconfirmed rows show no estimated duration"
echo "API frozen: banner after $((t_banner - t0)) ms, unconfirmed rows after $((t_unconf - t0)) ms"
# the call ends while the board cannot see it
rest calls end "$END_ID" >/dev/null || fail "calls end $END_ID"
sleep 2
screen | grep -F -- "$END_WHO" | grep -q "● live" && fail "a row was shown confirmed live while the API was frozen"
t1=$(ms)
kill -CONT "$TAP_PID"
wait_gone "API NOT ANSWERING" 10 || fail "the banner stays after the API returned"
wait_gone "live?" 10 || fail "unconfirmed rows stay after the API returned"
t_settled=$(ms)
wait_truth 5 || fail "after the API returned the board differs from REST (ghost live call?)"
screen | grep -F -- "$END_WHO" | grep -qE "● live|○ live" && fail "the call ended meanwhile is still live: ghost"
echo "API back: last unconfirmed row settled after $((t_settled - t1)) ms"

# ---- 2. the API refuses connections: API DOWN; back: gone ---------------------------
kill "$TAP_PID"; wait "$TAP_PID" 2>/dev/null
wait_for "API DOWN" 20 || fail "no API DOWN banner with the API refusing connections"
screen | head -1 | grep -qF "last good read" || fail "the banner does not say the last good read"
start_tap "$TAP_PORT" "$SIM_PORT" "$TMP/tap1.log"
wait_gone "API DOWN" 20 || fail "API DOWN stays after the API came back"
wait_truth 10 || fail "after the outage the board differs from REST"
"${T[@]}" kill-session -t poll 2>/dev/null
kill "$TAP_PID" 2>/dev/null; wait "$TAP_PID" 2>/dev/null

# ---- 3. a 429 storm: one shared pause, shown; no burst after it ---------------------
start_sim sim3 --seed 22 --history 30 --calls 3 --rate 0 --rate-limit-storm 12:6
start_tap 0 "$SIM_PORT" "$TMP/tap3.log"
start_session storm 150 40 \
    "exec env -u CALLTOP_RELAY_TOKEN $BIN --base-url http://127.0.0.1:$TAP_PORT --poll-interval 1 --log $TMP/storm.log"
wait_for "rate limited, resuming in" 30 || fail "the 429 storm is not shown"
wait_gone "rate limited" 30 || fail "the rate-limit banner does not end"
sleep 4
n429=$(grep -c " STATUS 429" "$TMP/tap3.log")
[ "$n429" -eq 6 ] || fail "expected the storm's 6 answers of 429, the tap saw $n429"
# requests per second from the last 429 on: at most what the schedule asks
last429=$(awk '$3 == "429" && $2 == "STATUS" {t = $1} END {print t}' "$TMP/tap3.log")
burst=$(awk -v t="$last429" '$2 ~ /^(GET|POST)$/ && $1 > t {s = int($1); n[s]++} END {m = 0; for (k in n) if (n[k] > m) m = n[k]; print m}' "$TMP/tap3.log")
echo "429 storm: $n429 answers of 429; at most $burst requests in one second after it"
[ "$burst" -le 6 ] || fail "a burst of $burst requests in one second after the rate-limit pause"
"${T[@]}" kill-session -t storm 2>/dev/null

# ---- 4. webhooks lost while the relay is frozen: reconciled without a key ---------
"$RELAY" --listen 127.0.0.1:0 --heartbeat 1 >"$TMP/relay.out" 2>"$TMP/relay.log" &
RPID=$!
PIDS+=($RPID)
RPORT=
for _ in $(seq 100); do
    RPORT=$(sed -n 's/^listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$TMP/relay.out" 2>/dev/null)
    [ -n "$RPORT" ] && break
    sleep 0.05
done
[ -n "$RPORT" ] || { echo "FAIL: relay did not start: $(cat "$TMP/relay.log")"; exit 1; }
start_sim sim4 --seed 23 --history 20 --calls 6 --rate 0.3 --speed 3 --webhook-queue 8 \
    --webhook-url "http://127.0.0.1:$RPORT/webhook"
start_session push 150 40 \
    "exec $BIN --base-url $SIM_URL --relay-url ws://127.0.0.1:$RPORT/monitor --reconcile-interval ${TRUTH_RECONCILE_S:-10} --log $TMP/push.log"
wait_for "LIVE" 20 || fail "push board never LIVE"
wait_truth 15 || fail "push board does not show REST's live calls"
kill -STOP "$RPID"
# 40 s as the issue tried it; the sanitizer build (same code, 2-3x slower)
# freezes 15 s to keep make test short: webhooks are lost either way
sleep "${TRUTH_RELAY_FREEZE_S:-40}"
kill -CONT "$RPID"
t2=$(ms)
if wait_truth 25; then
    echo "relay frozen ${TRUTH_RELAY_FREEZE_S:-40} s: the board equals REST $(( $(ms) - t2 )) ms after SIGCONT"
else
    fail "the board differs from REST 25 s after the relay came back (lost webhooks)"
fi

# ---- 5. the same while the board stays LIVE (a shorter freeze, under the
# board's two missed heartbeats): only the reconcile read corrects it ------
wait_for "LIVE" 30 || fail "push board not LIVE again"
kill -STOP "$RPID"
sleep ${TRUTH_FREEZE_S:-15}
kill -CONT "$RPID"
t3=$(ms)
if wait_truth 15; then
    echo "relay frozen 15 s: the board equals REST $(( $(ms) - t3 )) ms after SIGCONT"
else
    fail "the board differs from REST 15 s after a 15 s relay freeze (reconcile ${TRUTH_RECONCILE_S:-10} s)"
fi

[ $fails -eq 0 ] && echo "ok: test_board_truth" || echo "$fails failure(s)"
exit $((fails > 0))
