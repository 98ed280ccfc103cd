#!/usr/bin/env bash
# test_watch.sh — `calltop watch` against the real calltop-relay and
# calltop-sim: webhooks posted to the relay (curl) make every situation the
# rules know on demand — a customer asking for a human, an assistant hang,
# an llm_error, a call stuck ringing, a burst of failed outbound attempts —
# and `watch -o json` must print one attention.open line per item with the
# documented fields, the call events, nothing else with --alerts-only, only
# one call with --call; exits: SIGTERM 0, a closed pipe 0, a refused key 3,
# bad usage 2. Polling (no relay): the ringing rule from the simulator's own
# calls. Arg 1: the build directory.
set -u
BUILD=${1:?usage: test_watch.sh BUILD_DIR}
NAME=watch
. "$(dirname "$0")/lib/common.sh"
need_bins "$BIN" "$SIM" "$RELAY"
command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 0; }
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 0; }

unset XDG_CONFIG_HOME CALLTOP_BASE_URL CALLTOP_RELAY_URL CALLTOP_LOG
KEY=e2e-watch-key-8a1b
SECRET=e2e-watch-secret-2c3d
TOKEN=e2e-watch-token-4e5f
export INTERACTLY_API_KEY=$KEY CALLTOP_WEBHOOK_SECRET=$SECRET CALLTOP_RELAY_TOKEN=$TOKEN

start_relay relay --heartbeat 1
RPORT=$RELAY_PORT
start_sim sim --calls 0 --rate 0 --history 0
URL=$SIM_URL

RULES=(--alert-ringing 2 --alert-silence 0 --alert-long-call 0 --alert-unreachable 0
       --alert-failed-count 3 --alert-failed-window 10)
# watch_bg NAME ARGS...: calltop watch in the background, its output in $TMP/NAME.out
watch_bg() {
    local name=$1; shift
    "$BIN" --base-url "$URL" --relay-url "ws://127.0.0.1:$RPORT/monitor" "${RULES[@]}" watch "$@" \
        >"$TMP/$name.out" 2>"$TMP/$name.err" &
    WPID=$!
    PIDS+=($WPID)
}
wait_lines() {   # FILE JQ_FILTER COUNT [SECS]: wait until jq counts COUNT matching lines
    local end=$((SECONDS + ${4:-15}))
    while :; do
        [ "$(jq -c "select($2)" "$1" 2>/dev/null | wc -l)" -ge "$3" ] && return 0
        [ $SECONDS -ge $end ] && return 1
        sleep 0.1
    done
}
wait_channel() {
    local end=$((SECONDS + 15))
    while ! grep -q '"state":"LIVE"' "$1" 2>/dev/null; do
        [ $SECONDS -ge $end ] && return 1
        sleep 0.1
    done
}
post() {
    curl -s -o /dev/null -H "X-Calltop-Secret: $SECRET" -H 'Content-Type: application/json' \
        --data-binary @- "http://127.0.0.1:$RPORT/webhook"
}

watch_bg all -o json
ALL=$WPID
watch_bg alerts -o json --alerts-only
ALERTS=$WPID
watch_bg one --json --call CC-w-human
ONE=$WPID
wait_channel "$TMP/all.out" || fail "watch never saw the relay LIVE: $(cat "$TMP/all.err")"
# --alerts-only and --call print no channel line: the relay says when all
# three have their snapshot, so the webhooks below reach each of them
wait_relay_clients 3 || fail "the relay has not subscribed three watchers: $(relay_metric calltop_relay_snapshots_total)"

NOW=$(( $(date +%s%N) / 1000000 ))
START=$(date -u +%Y-%m-%dT%H:%M:%SZ)
END=$(date -u +%Y-%m-%dT%H:%M:%SZ)
live() {   # ID STATUS PHONE [DIRECTION]
    echo "{\"message\":{\"timestamp\":$NOW,\"type\":\"status-update\",\"call\":{\"id\":\"$1\",
      \"direction\":\"${4:-inbound}\",\"callType\":\"phone\",\"startAt\":\"$START\",
      \"status\":\"$2\",\"phoneCallStatus\":\"$3\"}}}" | post
}
live CC-w-human ongoing in-progress
post <<JSON
{"message":{"timestamp":$((NOW + 1)),"type":"conversation-update","call":{"id":"CC-w-human"},
 "messages":[{"messageId":"u1","role":"user","text":"Can I talk to a real person please","timestamp":$NOW}]}}
JSON
live CC-w-hang ongoing in-progress
echo "{\"message\":{\"timestamp\":$((NOW + 2)),\"type\":\"hang\",\"call\":{\"id\":\"CC-w-hang\"}}}" | post
live CC-w-err ongoing in-progress
post <<JSON
{"message":{"timestamp":$((NOW + 3)),"type":"error","call":{"id":"CC-w-err"},
 "error":{"type":"llm_error","code":"timeout","message":"model timed out","retryable":true}}}
JSON
live CC-w-ring queued ringing outbound
for i in 1 2 3; do
    post <<JSON
{"message":{"timestamp":$((NOW + 10 + i)),"type":"end-of-call-report","call":{"id":"CC-w-busy-$i",
 "direction":"outbound","callType":"phone","startAt":"$START","endAt":"$END","status":"finished",
 "phoneCallStatus":"busy"}}}
JSON
done

open='.kind == "attention.open"'
wait_lines "$TMP/all.out" "$open" 5 || fail "not every rule opened an item: $(jq -c "select($open)" "$TMP/all.out")"
for pair in keyword:CC-w-human hang:CC-w-hang error:CC-w-err ringing:CC-w-ring failed-attempts:; do
    rule=${pair%%:*}; call=${pair#*:}
    n=$(jq -c "select($open and .rule == \"$rule\" and .call_id == \"$call\")" "$TMP/all.out" | wc -l)
    [ "$n" -eq 1 ] || fail "rule $rule on '$call': $n attention.open lines, want 1"
done
# has FILE FILTER: some line matches
has() { [ "$(jq -c "select($2)" "$1" 2>/dev/null | wc -l)" -ge 1 ]; }
# the documented fields, each line valid JSON
jq -c . "$TMP/all.out" >/dev/null || fail "a line is not JSON"
has "$TMP/all.out" '.kind == "attention.open" and ((.time and .item and .rule and .severity and
    (.call_id != null) and .reason and .opened_at) | not)' && fail "attention lines lack documented fields"
has "$TMP/all.out" '.kind == "call.new" and .call_id == "CC-w-human" and .status == "ongoing" and
    .live == true and .direction == "inbound" and .phone_status == "in-progress" and (.time | test("Z$"))' ||
    fail "no call.new line for CC-w-human with its status: $(head -3 "$TMP/all.out")"
has "$TMP/all.out" '.kind == "call.hang" and .call_id == "CC-w-hang"' || fail "no call.hang line"
has "$TMP/all.out" '.kind == "call.error" and .call_id == "CC-w-err" and .text == "llm_error: model timed out"' ||
    fail "no call.error line"
has "$TMP/all.out" '.rule == "keyword" and (.reason | test("talk to a real person"))' ||
    fail "the keyword reason does not quote the match"
has "$TMP/all.out" '.rule == "hang" and .severity == "crit"' || fail "hang is not crit"
# --alerts-only: attention lines and nothing else
wait_lines "$TMP/alerts.out" "$open" 5 || fail "--alerts-only missed items"
others=$(jq -c 'select(.kind | startswith("attention.") | not)' "$TMP/alerts.out" | wc -l)
[ "$others" -eq 0 ] || fail "--alerts-only printed $others other lines"
# --call: only that call
wait_lines "$TMP/one.out" "$open" 1 || fail "--call missed its item"
strays=$(jq -c 'select(.call_id != "CC-w-human")' "$TMP/one.out" | wc -l)
[ "$strays" -eq 0 ] || fail "--call printed $strays lines about other calls: $(cat "$TMP/one.out")"
# a duplicate delivery opens nothing new
echo "{\"message\":{\"timestamp\":$((NOW + 30)),\"type\":\"hang\",\"call\":{\"id\":\"CC-w-hang\"}}}" | post
# then a new call: once watch prints it, the duplicate before it was handled
live CC-w-after-dup ongoing in-progress
wait_lines "$TMP/all.out" '.kind == "call.new" and .call_id == "CC-w-after-dup"' 1 ||
    fail "watch did not print the call posted after the duplicate"
n=$(jq -c "select($open and .rule == \"hang\")" "$TMP/all.out" | wc -l)
[ "$n" -eq 1 ] || fail "a re-delivered hang opened $n items"

# SIGTERM: exit 0
kill -TERM "$ALL"; wait "$ALL"; rc=$?
[ $rc -eq 0 ] || fail "watch exited $rc on SIGTERM"
kill -TERM "$ALERTS" "$ONE"; wait "$ALERTS" "$ONE" 2>/dev/null

# a closed pipe: exit 0 (EPIPE once the reader has left)
(
    "$BIN" --base-url "$URL" --relay-url "ws://127.0.0.1:$RPORT/monitor" watch --json 2>"$TMP/pipe.err" |
        head -1 >/dev/null
    echo "${PIPESTATUS[0]}" >"$TMP/pipe.rc"
) &
PSUB=$!
# LIVE is the first line (head takes it and leaves); the next line meets
# EPIPE: post once this fourth watcher has its snapshot
wait_relay_clients 4 || fail "the relay has not subscribed the piped watcher"
live CC-w-late1 ongoing in-progress
live CC-w-late2 ongoing in-progress
for _ in $(seq 100); do [ -s "$TMP/pipe.rc" ] && break; sleep 0.1; done
wait $PSUB 2>/dev/null
[ "$(cat "$TMP/pipe.rc" 2>/dev/null)" = 0 ] ||
    fail "watch into a closed pipe exited '$(cat "$TMP/pipe.rc" 2>/dev/null)', want 0: $(cat "$TMP/pipe.err")"

# exit codes as the other commands
"$BIN" --base-url "$URL" watch -o xml >/dev/null 2>"$TMP/usage.err"; rc=$?
[ $rc -eq 2 ] || fail "watch -o xml exited $rc, want 2"
grep -q "unknown output format" "$TMP/usage.err" || fail "usage message: $(cat "$TMP/usage.err")"
INTERACTLY_API_KEY=wrong-key timeout 10 "$BIN" --base-url "$URL" watch >/dev/null 2>"$TMP/key.err"; rc=$?
[ $rc -eq 3 ] || fail "a refused key exited $rc, want 3: $(cat "$TMP/key.err")"
"$BIN" --alert-keywords '(oops' --base-url "$URL" watch >/dev/null 2>"$TMP/re.err"; rc=$?
[ $rc -eq 2 ] || fail "a bad alert-keywords regex exited $rc, want 2"
grep -q "alert-keywords" "$TMP/re.err" || fail "bad regex message: $(cat "$TMP/re.err")"

# polling (no relay): the simulator's own call stuck ringing
"$SIM" --port 0 --api-key "$KEY" --calls 0 --rate 0 --history 0 >"$TMP/sim2.out" 2>/dev/null &
PIDS+=($!)
URL2=
for _ in $(seq 100); do
    URL2=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$TMP/sim2.out" 2>/dev/null)
    [ -n "$URL2" ] && break
    sleep 0.05
done
"$BIN" --base-url "$URL2" --alert-ringing 1 watch --json >"$TMP/poll.out" 2>"$TMP/poll.err" &
PW=$!
PIDS+=($PW)
NUM=$("$BIN" --base-url "$URL2" numbers --json 2>/dev/null |
      jq -r '[.[] | select(.outboundEnabled != false)][0]._id // empty')
[ -n "$NUM" ] || fail "no outbound number in the simulator"
# the simulator keeps this call ringing (its simEpisode); polling sees it
"$BIN" --base-url "$URL2" calls connect "$NUM" +14155550100 --meta simEpisode=ringing >/dev/null \
    2>"$TMP/connect.err" || fail "calls connect failed: $(cat "$TMP/connect.err")"
wait_lines "$TMP/poll.out" '.kind == "attention.open" and .rule == "ringing"' 1 20 ||
    fail "polling watch saw no ringing item: $(cat "$TMP/poll.out" "$TMP/poll.err")"
kill -TERM "$PW"; wait "$PW"; rc=$?
[ $rc -eq 0 ] || fail "polling watch exited $rc on SIGTERM"

# ---- the simulator's episodes on demand, through its webhooks and the relay ----------
CALLTOP_SIM_WEBHOOK_SECRET=$SECRET "$SIM" --port 0 --api-key "$KEY" --calls 0 --rate 0 --history 0 \
    --webhook-url "http://127.0.0.1:$RPORT/webhook" \
    >"$TMP/sim3.out" 2>"$TMP/sim3.log" &
PIDS+=($!)
URL3=
for _ in $(seq 100); do
    URL3=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$TMP/sim3.out" 2>/dev/null)
    [ -n "$URL3" ] && break
    sleep 0.05
done
# a fresh relay's state would not matter: only these calls' items are checked;
# API calls ring ~2-4 s before they are answered, so "stuck" means 6 s here
RULES=(--alert-ringing 6 --alert-silence 0 --alert-long-call 0 --alert-unreachable 0
       --alert-failed-count 3 --alert-failed-window 10)
URL=$URL3 watch_bg episodes -o json --alerts-only
EPW=$WPID
wait_relay_clients 5 || fail "the relay has not subscribed the episodes watcher"
declare -A EPID
for ep in human hang error ringing busy busy busy; do
    id=$("$BIN" --base-url "$URL3" calls connect "$NUM" +14155550123 --meta "simEpisode=$ep" -o json \
         2>"$TMP/ep.err" | jq -r '.id // empty')
    [ -n "$id" ] || fail "connect with simEpisode=$ep: $(cat "$TMP/ep.err")"
    EPID[$ep]=$id
done
for pair in keyword:human hang:hang error:error ringing:ringing; do
    rule=${pair%%:*}; ep=${pair#*:}
    wait_lines "$TMP/episodes.out" ".kind == \"attention.open\" and .rule == \"$rule\" and
                .call_id == \"${EPID[$ep]}\"" 1 30 ||
        fail "simEpisode=$ep did not open a $rule item: $(cat "$TMP/episodes.out")"
done
wait_lines "$TMP/episodes.out" '.kind == "attention.open" and .rule == "failed-attempts" and .call_id == ""' 1 ||
    fail "three busy attempts did not open a failed-attempts item"
# the calls answered normally open nothing else: no ringing item for them
for ep in human hang error; do
    has "$TMP/episodes.out" ".rule == \"ringing\" and .call_id == \"${EPID[$ep]}\"" &&
        fail "simEpisode=$ep opened a ringing item"
done
kill -TERM "$EPW"; wait "$EPW"

# two relays, the first one dead (nothing listens on port 1): the channel
# lines say why the first was left and which relay of the list is live
"$BIN" --base-url "$URL" --relay-url "ws://127.0.0.1:1/monitor,ws://127.0.0.1:$RPORT/monitor" \
    watch -o json >"$TMP/fo.out" 2>"$TMP/fo.err" &
FO=$!
PIDS+=($FO)
wait_lines "$TMP/fo.out" '.kind == "channel" and .state == "LIVE" and .relay == 2 and .relays == 2' 1 ||
    fail "no LIVE channel line naming relay 2/2: $(cat "$TMP/fo.out" "$TMP/fo.err")"
has "$TMP/fo.out" '.kind == "channel" and .state == "RECONNECTING" and
                   (.reason | contains("127.0.0.1:1/monitor") and contains("cannot connect"))' ||
    fail "the RECONNECTING line does not say why the first relay was left: $(cat "$TMP/fo.out")"
kill -TERM "$FO"; wait "$FO"

[ $fails -eq 0 ] && echo "PASS" || { echo "$fails failure(s)"; exit 1; }
