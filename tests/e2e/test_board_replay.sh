#!/usr/bin/env bash
# test_board_replay.sh — issue 15 item 2: `calltop --record FILE` against
# calltop-sim + calltop-relay (known API key and relay token), then
# `calltop --replay FILE` with no key, no relay and a dead API URL:
# the recording is 0600, holds neither secret, is never overwritten; the
# replay shows REPLAY / speed / recorded clock, pauses, changes speed, seeks
# (HH:MM:SS and +/-seconds), steps, refuses actions, ends with the counts
# the live board had, and sends nothing. Then the size cap stops a
# recording with a flash and a log line.
# Arg 1: the build directory. Private tmux server, killed in a trap.
set -u
BUILD=${1:?usage: test_board_replay.sh BUILD_DIR}
NAME=replay
. "$(dirname "$0")/lib/common.sh"
need_bins "$BIN" "$SIM" "$RELAY"
command -v tmux >/dev/null || { echo "SKIP: tmux not installed"; exit 0; }
unset XDG_CONFIG_HOME CALLTOP_BASE_URL CALLTOP_RELAY_URL CALLTOP_LOG CALLTOP_READ_ONLY NO_COLOR \
      CALLTOP_RECORD_MAX_BYTES
export LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC
KEY=e2e-replay-key-3f9d0c
SECRET=e2e-replay-secret-61ab
TOKEN=e2e-replay-token-c0de
export INTERACTLY_API_KEY=$KEY CALLTOP_WEBHOOK_SECRET=$SECRET CALLTOP_RELAY_TOKEN=$TOKEN \
       CALLTOP_SIM_WEBHOOK_SECRET=$SECRET

# wait_status_re REGEX [SECS]: until the status bar matches
status_has_re() { status_bar | grep -qE -- "$1"; }
wait_status_re() { poll_until "${2:-15}" status_has_re "$1"; }
# the status bar's counts, as numbers (its wording narrows with the width)
counts() { status_bar | grep -oE 'live [0-9]+ +(queued|q) [0-9]+ +fwd [0-9]+ +done [0-9]+' | tr -cs '0-9' ' '; }

start_relay relay --heartbeat 1
RPORT=$RELAY_PORT
start_sim sim --seed 15 --history 30 --calls 3 --rate 0.5 --webhook-url "http://127.0.0.1:$RPORT/webhook"
URL=$SIM_URL
"${T[@]}" new-session -d -s keep "sleep 600"

# ---- record ------------------------------------------------------------------------
REC=$TMP/session.jsonl
start_session rec 140 35 "exec $BIN --base-url $URL --relay-url ws://127.0.0.1:$RPORT/monitor --record $REC --log $TMP/rec.log"
wait_status_re "LIVE" || fail "recording board never LIVE"
wait_for "● live" || fail "recording board shows no live call"
sleep 6   # webhooks arrive: transcripts, status changes
LIVE_COUNTS=$(counts)
keys q
for _ in $(seq 50); do "${T[@]}" has-session -t rec 2>/dev/null || break; sleep 0.1; done
[ -s "$REC" ] || fail "no recording written"
[ "$(stat -c %a "$REC")" = 600 ] || fail "recording mode $(stat -c %a "$REC"), want 600"
head -1 "$REC" | grep -q '"calltop":"recording"' || fail "no header line: $(head -c 200 "$REC")"
grep -q '"ev":"monitor_update"' "$REC" || fail "no relay update recorded"
grep -q '"ev":"calls_listed"' "$REC" || fail "no REST list recorded"
grep -q '"own_read":"list"' "$REC" || fail "no own read recorded"
grep -qF -- "$KEY" "$REC" && fail "the API key is in the recording"
grep -qF -- "$TOKEN" "$REC" && fail "the relay token is in the recording"
grep -qF -- "$SECRET" "$REC" && fail "the webhook secret is in the recording"
# never overwritten
script -qec "$BIN --base-url $URL --record $REC" /dev/null >"$TMP/again.out" 2>&1 </dev/null
grep -q "never overwritten" "$TMP/again.out" || fail "a second --record on the file: $(cat "$TMP/again.out")"

START_S=$(( $(head -1 "$REC" | jq '.t') / 1000 ))
END_S=$(( $(tail -1 "$REC" | jq '.t') / 1000 ))
START_HMS=$(date -u -d "@$START_S" +%H:%M:%S)
END_HMS=$(date -u -d "@$END_S" +%H:%M:%S)

# ---- replay: no key, no relay, a dead API URL ---------------------------------------
start_session play 140 35 "exec env -u INTERACTLY_API_KEY -u CALLTOP_RELAY_TOKEN $BIN --replay $REC --base-url http://127.0.0.1:9 --log $TMP/play.log"
wait_status_re "REPLAY 1x [0-9:]{8}" 5 || fail "no REPLAY 1x in the status bar"
keys Space
wait_status_re "REPLAY 1x [0-9:]{8} paused" 5 || fail "space did not pause"
c1=$(status_bar | grep -oE 'REPLAY 1x [0-9:]{8}')
sleep 1.2
c2=$(status_bar | grep -oE 'REPLAY 1x [0-9:]{8}')
[ "$c1" = "$c2" ] || fail "the recorded clock moved while paused ($c1 -> $c2)"
keys '>' '>' '>'
wait_status_re "REPLAY 8x" 5 || fail "> > > did not make 8x"
keys '>' '>' '>' '>'
wait_status_re "REPLAY 64x" 5 || fail "speed not capped at 64x"
keys '<'
wait_status_re "REPLAY 32x" 5 || fail "< did not halve the speed"
# seek to the start by its clock, then step
keys ':'
wait_for "seek to" 5 || fail ": opened no seek prompt"
text "$START_HMS"
keys Enter
wait_status_re "REPLAY 32x $START_HMS paused" 5 || fail "seek $START_HMS: $(status_bar)"
# (the status bar may have read "$START_HMS paused" before the seek, when the
# pause came within the first second: wait for the seek's frame, bounded)
wait_for "Calls 0/0" 5 || fail "the list is there at the recording's start"
# own reads, the channel's states, the snapshot, the numbers, then the list
for _ in $(seq 8); do keys '.'; sleep 0.15; done
wait_for "Calls " 5 && screen | grep -qE "Calls [1-9]" || fail "eight steps from the start did not bring the list"
# +seconds past the end: clamped, the end
keys ':'
text "+100000"
keys Enter
wait_status_re "REPLAY 32x $END_HMS end" 5 || fail "seek +100000 did not reach the end ($END_HMS)"
[ "$(counts)" = "$LIVE_COUNTS" ] || fail "counts at the end: '$(counts)', live had '$LIVE_COUNTS'"
# a bad seek says so and changes nothing
keys ':'
text "12:xx"
keys Enter
wait_for "is not HH:MM:SS" 5 || fail "a bad seek was not refused"
# back and play at 32x to the end again
keys ':'
text "-100000"
keys Enter
wait_status_re "REPLAY 32x $START_HMS" 5 || fail "seek -100000 did not go back to the start"
keys Space
wait_status_re "REPLAY 32x $END_HMS end" 15 || fail "playing at 32x did not reach the end"
[ "$(counts)" = "$LIVE_COUNTS" ] || fail "counts after playing: '$(counts)', live had '$LIVE_COUNTS'"
# actions that would send requests are refused
keys n
wait_for "refused" 5 || fail "n was not refused on a replay"
keys Escape
keys q
for _ in $(seq 50); do "${T[@]}" has-session -t play 2>/dev/null || break; sleep 0.1; done
grep -qE "fetch|GET |POST " "$TMP/play.log" && fail "the replay sent requests: $(grep -E 'fetch|GET |POST ' "$TMP/play.log" | head -3)"
grep -q "replay: $REC" "$TMP/play.log" || fail "the replay log has no replay line"

# ---- an hour-old recording: the board's clock is the recorded one, in every frame ----
# (a frame drawn right after an inbox drain judged the flash and the ages by
# the wall clock: a bad seek's flash never showed and ages read "1h"; under
# load the same hit fresh recordings now and then)
jq -c '.t -= 3600000' "$REC" >"$TMP/old.jsonl"
start_session old 140 35 "exec env -u INTERACTLY_API_KEY -u CALLTOP_RELAY_TOKEN $BIN --replay $TMP/old.jsonl --base-url http://127.0.0.1:9 --log $TMP/old.log"
wait_status_re "REPLAY 1x [0-9:]{8}" 5 || fail "old recording: no REPLAY 1x in the status bar"
keys ':'
text "+100000"
keys Enter
wait_status_re "REPLAY 1x [0-9:]{8} end" 5 || fail "old recording: seek +100000 did not reach the end"
keys ':'
text "12:xx"
keys Enter
wait_for "is not HH:MM:SS" 5 || fail "old recording: a bad seek was not refused on screen"
status_bar | grep -qE "(LIVE|STALE|RECONNECTING|POLLING) 1h" && fail "old recording: ages read by the wall clock"
keys q

# ---- a bad recording: a clear message, no board ---------------------------------------
printf '{"calltop":"recording","version":1,"t":1}\n{"t":2,"ev":"teleport"}\n' >"$TMP/bad.jsonl"
script -qec "$BIN --replay $TMP/bad.jsonl" /dev/null >"$TMP/bad.out" 2>&1 </dev/null
grep -q "bad.jsonl line 2: recording: unknown event" "$TMP/bad.out" || fail "bad recording: $(cat "$TMP/bad.out")"

# ---- the size cap --------------------------------------------------------------------
# a sim with a long history: its first list alone passes 64 KiB
start_sim sim2 --seed 16 --history 300 --calls 1
URL2=$SIM_URL
CAP=$TMP/capped.jsonl
start_session cap 140 35 "exec env -u CALLTOP_RELAY_TOKEN $BIN --base-url $URL2 --record $CAP --record-max-bytes 65536 --log $TMP/cap.log"
wait_for "recording stopped" 15 || fail "no 'recording stopped' flash at the cap"
grep -q "record: recording stopped: .*record-max-bytes" "$TMP/cap.log" || fail "no log line at the cap"
size=$(stat -c %s "$CAP")
[ "$size" -le 65536 ] || fail "capped recording is $size bytes"
keys q

finish test_board_replay
