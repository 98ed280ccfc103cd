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
#  4. the relay frozen while the simulator's webhook queue holds 8, until the
#     board has said STALE and dropped the connection (~30 s; the issue
#     froze it 40 s) and the simulator has lost webhooks; after SIGCONT the
#     board equals REST's truth within the reconcile interval (set to 10 s
#     here) without a key press.
#  5. the relay frozen 15 s (the board stays LIVE: under two missed
#     heartbeats): only the reconcile read corrects the lost webhooks.
# Arg 1: the build directory. Private HOME and tmux server; every server on
# 127.0.0.1, every wait bounded, every process stopped by its pid.
set -u
BUILD=${1:?usage: test_board_truth.sh BUILD_DIR}
NAME=truth
. "$(dirname "$0")/lib/common.sh"
TAP=$E2E_LIB/http_tap.py
need_bins "$BIN" "$SIM" "$RELAY"
command -v tmux >/dev/null || { echo "SKIP: tmux not installed"; exit 0; }
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 0; }
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 0; }

unset XDG_CONFIG_HOME CALLTOP_BASE_URL CALLTOP_RELAY_URL CALLTOP_LOG CALLTOP_READ_ONLY NO_COLOR
unset CALLTOP_POLL_INTERVAL CALLTOP_FULL_REFRESH_INTERVAL CALLTOP_RECONCILE_INTERVAL
KEY=e2e-truth-key-3f1d
SECRET=e2e-truth-secret-88ab
TOKEN=e2e-truth-token-19cc
export INTERACTLY_API_KEY=$KEY CALLTOP_WEBHOOK_SECRET=$SECRET CALLTOP_RELAY_TOKEN=$TOKEN \
       CALLTOP_SIM_WEBHOOK_SECRET=$SECRET

# start_tap LISTEN TARGET LOG: sets TAP_PID and TAP_PORT
TAPS=0
start_tap() {
    # a fresh file per tap: the previous tap's line must never be read
    TAPS=$((TAPS + 1))
    local out=$TMP/tap.out.$TAPS
    # frozen below: in its own session (FREEZABLE, lib/common.sh)
    "${FREEZABLE[@]}" python3 "$TAP" "$1" "$2" "$3" >"$out" 2>>"$TMP/tap.err" &
    TAP_PID=$!
    PIDS+=($TAP_PID)
    TAP_PORT=$(listen_line "$out" 's/^listening on \([0-9]*\)/\1/p')
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
# each part's wall time, for the suite's time budget (docs/testing.md)
PART=1 PART_T0=$SECONDS
part_done() {
    echo "part $PART: $((SECONDS - PART_T0)) s"
    PART=$((PART + 1)) PART_T0=$SECONDS
}

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

part_done
# ---- 2. the API refuses connections: API DOWN; back: gone ---------------------------
kill "$TAP_PID"; wait "$TAP_PID" 2>/dev/null
wait_for "API DOWN" 20 || fail "no API DOWN banner with the API refusing connections"
screen | head -1 | grep -qF "last good read" || fail "the banner does not say the last good read"
start_tap "$TAP_PORT" "$SIM_PORT" "$TMP/tap1.log"
wait_gone "API DOWN" 20 || fail "API DOWN stays after the API came back"
wait_truth 10 || fail "after the outage the board differs from REST"
"${T[@]}" kill-session -t poll 2>/dev/null
kill "$TAP_PID" 2>/dev/null; wait "$TAP_PID" 2>/dev/null

part_done
# ---- 3. a 429 storm: one shared pause, shown; no burst after it ---------------------
start_sim sim3 --seed 22 --history 30 --calls 3 --rate 0 --rate-limit-storm 12:6
start_tap 0 "$SIM_PORT" "$TMP/tap3.log"
start_session storm 150 40 \
    "exec env -u CALLTOP_RELAY_TOKEN $BIN --base-url http://127.0.0.1:$TAP_PORT --poll-interval 1 --log $TMP/storm.log"
wait_for "rate limited, resuming in" 30 || fail "the 429 storm is not shown"
# The storm's 429s come one probe at a time, a pause apart; between a
# pause's end and its probe's answer the banner may be gone for a moment,
# so the count waits for the tap to see them all (CI once counted at 5).
end=$((SECONDS + 40))
while [ "$(grep -c " STATUS 429" "$TMP/tap3.log")" -lt 6 ] && [ $SECONDS -lt $end ]; do sleep 0.2; done
wait_gone "rate limited" 30 || fail "the rate-limit banner does not end"
sleep 2 # time for a 7th 429, were the pause not shared
n429=$(grep -c " STATUS 429" "$TMP/tap3.log")
[ "$n429" -eq 6 ] || fail "expected the storm's 6 answers of 429, the tap saw $n429"
# requests per second from the last 429 on: at most what the schedule asks
last429=$(awk '$3 == "429" && $2 == "STATUS" {t = $1} END {print t}' "$TMP/tap3.log")
burst=$(awk -v t="$last429" '$2 ~ /^(GET|POST)$/ && $1 > t {s = int($1); n[s]++} END {m = 0; for (k in n) if (n[k] > m) m = n[k]; print m}' "$TMP/tap3.log")
echo "429 storm: $n429 answers of 429; at most $burst requests in one second after it"
[ "$burst" -le 6 ] || fail "a burst of $burst requests in one second after the rate-limit pause"
"${T[@]}" kill-session -t storm 2>/dev/null

part_done
# ---- 4. webhooks lost while the relay is frozen: reconciled without a key ---------
start_relay relay --heartbeat 1
RPID=$RELAY_PID RPORT=$RELAY_PORT
# --verbose: the simulator logs each webhook it failed to deliver (it never retries one)
start_sim sim4 --seed 23 --history 20 --calls 6 --rate 0.3 --speed 3 --webhook-queue 8 --verbose \
    --webhook-url "http://127.0.0.1:$RPORT/webhook"
start_session push 150 40 \
    "exec $BIN --base-url $SIM_URL --relay-url ws://127.0.0.1:$RPORT/monitor --reconcile-interval ${TRUTH_RECONCILE_S:-10} --log $TMP/push.log"
wait_for "LIVE" 20 || fail "push board never LIVE"
wait_truth 15 || fail "push board does not show REST's live calls"
lost_before=$(grep -c "webhook POST failed" "$TMP/sim4.log")
lost_more() { [ "$(grep -c "webhook POST failed" "$TMP/sim4.log")" -gt "$lost_before" ]; }
t_freeze=$(ms)
kill -STOP "$RPID"
if [ -n "${TRUTH_RELAY_FREEZE_S:-}" ]; then
    # a fixed freeze: the sanitizer build (same code, 2-3x slower) freezes
    # 15 s to keep make test short (the board stays LIVE, as in part 5)
    sleep "$TRUTH_RELAY_FREEZE_S"
else
    # The issue froze it 40 s: long enough for the board to give the
    # connection up. Wait for exactly that instead: STALE after two missed
    # heartbeats (the board's 10 s default), then the connection dropped at
    # the stale limit (three) and a reconnect under way.
    poll_until 30 eval 'status_bar | grep -qF STALE' || fail "the board never said STALE with the relay frozen"
    poll_until 20 eval 'status_bar | grep -qE "RECONNECTING|POLLING"' ||
        fail "the board did not drop the frozen relay's connection"
fi
# and webhooks lost meanwhile (the simulator gave up on at least one)
poll_until 15 lost_more || fail "the simulator lost no webhook while the relay was frozen"
kill -CONT "$RPID"
t2=$(ms)
froze_s=$(( (t2 - t_freeze) / 1000 ))
if wait_truth 25; then
    echo "relay frozen $froze_s s: the board equals REST $(( $(ms) - t2 )) ms after SIGCONT"
else
    fail "the board differs from REST 25 s after the relay came back (lost webhooks)"
fi

part_done
# ---- 5. the same while the board stays LIVE (a shorter freeze, under the
# board's two missed heartbeats): only the reconcile read corrects it ------
wait_for "LIVE" 30 || fail "push board not LIVE again"
lost_before=$(grep -c "webhook POST failed" "$TMP/sim4.log")
kill -STOP "$RPID"
sleep ${TRUTH_FREEZE_S:-15}
status_bar | grep -qE "STALE|RECONNECTING|POLLING" && fail "the board left LIVE within a 15 s relay freeze"
poll_until 5 lost_more || fail "the simulator lost no webhook in a 15 s relay freeze"
kill -CONT "$RPID"
t3=$(ms)
if wait_truth 15; then
    echo "relay frozen 15 s: the board equals REST $(( $(ms) - t3 )) ms after SIGCONT"
else
    fail "the board differs from REST 15 s after a 15 s relay freeze (reconcile ${TRUTH_RECONCILE_S:-10} s)"
fi

part_done
finish test_board_truth
