#!/usr/bin/env bash
# test_board_attention.sh — attention end to end: calltop-relay gets real
# webhooks (curl) for two live calls; a customer line asking for a human and
# carrying BEL, ESC \, ST, C1 (raw and UTF-8) and an OSC 0 title injection,
# then an assistant hang, then an error event whose message holds OSC 777 / OSC 8. The board (in tmux, its raw pty output recorded
# with pipe-pane) must mark both rows, count 2 in the status bar, ring the
# bell and send OSC 9 (tmux-wrapped) exactly once per item even when a
# webhook is delivered again, never let a byte of the transcript's control
# sequences through, and set the window title to the open count; 'a' in the
# attention view acknowledges and the title follows. Arg 1: the build dir.
set -u
BUILD=${1:?usage: test_board_attention.sh BUILD_DIR}
BIN=$BUILD/calltop
[ -x "$BIN" ] || BIN=$BUILD/app/calltop
SIM=$BUILD/sim/calltop-sim
RELAY=$BUILD/relay/calltop-relay
for b in "$BIN" "$SIM" "$RELAY"; do [ -x "$b" ] || { echo "FAIL: missing $b"; exit 1; }; done
command -v tmux >/dev/null || { echo "SKIP: tmux not installed"; exit 0; }
command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 0; }
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 0; }

TMP=$(mktemp -d /tmp/ct-e2e-attn-XXXXXX)
SOCK=ct-attn-$$
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
unset XDG_CONFIG_HOME CALLTOP_BASE_URL CALLTOP_RELAY_URL CALLTOP_LOG CALLTOP_READ_ONLY NO_COLOR \
      CALLTOP_NOTIFY CALLTOP_NOTIFY_QUIET CALLTOP_NOTIFY_INTERVAL
export LANG=C.UTF-8 LC_ALL=C.UTF-8
KEY=e2e-attn-key-1f2e
SECRET=e2e-attn-secret-3c4d
TOKEN=e2e-attn-token-5e6f
export INTERACTLY_API_KEY=$KEY CALLTOP_WEBHOOK_SECRET=$SECRET CALLTOP_RELAY_TOKEN=$TOKEN

fails=0
S=attn
screen() { "${T[@]}" capture-pane -p -t "$S" 2>/dev/null; }
fail() { echo "FAIL: $*"; echo "---- screen:"; screen; echo "----"; fails=$((fails + 1)); }
wait_for() {
    local end=$((SECONDS + ${2:-15}))
    while :; do
        screen | grep -qF -- "$1" && return 0
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
# an empty simulator: every call on the board comes from the webhooks below
"$SIM" --port 0 --api-key "$KEY" --calls 0 --rate 0 --history 0 >"$TMP/sim.out" 2>"$TMP/sim.log" &
PIDS+=($!)
URL=
for _ in $(seq 100); do
    URL=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$TMP/sim.out" 2>/dev/null)
    [ -n "$URL" ] && break
    sleep 0.05
done
[ -n "$URL" ] || { echo "FAIL: sim did not start: $(cat "$TMP/sim.log")"; exit 1; }

RAW=$TMP/raw.out
: >"$RAW"
"${T[@]}" new-session -d -s keep "sleep 600"
# only the two rules this test drives; no quiet period, no rate limit
"${T[@]}" new-session -d -x 120 -y 30 -s "$S" \
    "exec $BIN --base-url $URL --relay-url ws://127.0.0.1:$RPORT/monitor --log $TMP/board.log \
     --notify bell,osc9,title --notify-quiet 0 --notify-interval 0 --alert-silence 0 \
     --alert-long-call 0 --alert-ringing 0 --alert-unreachable 0 --alert-failed-count 0"
PIDS+=("$("${T[@]}" display-message -p -t "$S" '#{pane_pid}')")
"${T[@]}" pipe-pane -o -t "$S" "cat >>$RAW"
wait_for "LIVE" || fail "board never LIVE"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
post() {
    curl -s -o /dev/null -w '%{http_code}' -H "X-Calltop-Secret: $SECRET" \
        -H 'Content-Type: application/json' --data-binary @- "http://127.0.0.1:$RPORT/webhook"
}
T0=$(now_ms)
START=$(date -u +%Y-%m-%dT%H:%M:%SZ)
# BEL, ESC \, ST (C1 as UTF-8 and as an escaped code point), CSI (C1), an OSC 0 title
EVIL='I want to speak to a human\u0007 \u001b\\ \u009c \u009b31m \u001b]0;pwned\u0007 now'
cat >"$TMP/wh1.json" <<JSON
{"message":{"timestamp":$T0,"type":"conversation-update",
 "call":{"id":"CC-attn-e2e-1","direction":"inbound","callType":"phone","startAt":"$START",
         "status":"ongoing","phoneCallStatus":"in-progress","userNumber":"+14155550111"},
 "messages":[{"messageId":"u-1","role":"user","text":"$EVIL","timestamp":$T0}]}}
JSON
code=$(post <"$TMP/wh1.json")
[ "$code" = 200 ] || [ "$code" = 202 ] || [ "$code" = 204 ] || fail "webhook 1 answered $code"
wait_for "! 1 attention" || fail "status bar does not count the keyword item"
screen | grep -F "+14155550111" | grep -qF "! keyword" || fail "row has no '! keyword' mark"

T1=$((T0 + 1000))
post <<JSON >/dev/null
{"message":{"timestamp":$T1,"type":"status-update",
 "call":{"id":"CC-attn-e2e-2","direction":"outbound","callType":"phone","startAt":"$START",
         "status":"ongoing","phoneCallStatus":"in-progress","userNumber":"+14155550222"}}}
JSON
post <<JSON >/dev/null
{"message":{"timestamp":$((T1 + 500)),"type":"hang","call":{"id":"CC-attn-e2e-2"}}}
JSON
wait_for "! 2 attention" || fail "status bar does not count the hang item"
screen | grep -F "+14155550222" | grep -qF "! hang" || fail "row has no '! hang' mark"
# an error event whose message tries its own sequences (OSC 777, OSC 8 via C1)
post <<JSON >/dev/null
{"message":{"timestamp":$((T1 + 700)),"type":"error","call":{"id":"CC-attn-e2e-1"},
 "error":{"type":"llm_error","code":"x","message":"model \u0007\u001b]777;notify;x;pwned\u0007 \u009d8;;http://evil\u009c gone","retryable":true}}}
JSON
wait_for "! 3 attention" || fail "status bar does not count the error item"
# the same webhooks again: one notification per item, still
post <"$TMP/wh1.json" >/dev/null
post <<JSON >/dev/null
{"message":{"timestamp":$((T1 + 600)),"type":"hang","call":{"id":"CC-attn-e2e-2"}}}
JSON
sleep 1

# the attention view: the crit hang first; acknowledge it
"${T[@]}" send-keys -t "$S" '!'
wait_for "Attention: 3 open" || fail "the attention view does not open"
screen | grep -F "! crit" | grep -qF "assistant hung" || fail "the view lacks the hang item"
"${T[@]}" send-keys -t "$S" a
wait_for "Attention: 2 open" || fail "'a' did not acknowledge"
"${T[@]}" send-keys -t "$S" Escape
wait_for "! 2 attention" || fail "status bar did not follow the acknowledgement"
sleep 0.5

python3 - "$RAW" <<'PY' || fails=$((fails + 1))
import re, sys
raw = open(sys.argv[1], 'rb').read()
bad = []
wrapped = re.findall(rb'\x1bPtmux;\x1b\x1b\]9;(.*?)\x07\x1b\\', raw, re.S)
if len(wrapped) != 3:
    bad.append('OSC 9 sent %d times, want 3 (one per item): %r' % (len(wrapped), wrapped))
bells = raw.count(b'\x07\x1bPtmux;')
if bells != 3:
    bad.append('bell before a notification %d times, want 3' % bells)
for w in wrapped:
    if any(c < 0x20 or c == 0x7f for c in w) or b';' in w or b'\xc2\x9c' in w or b'\xc2\x9b' in w:
        bad.append('control bytes inside a notification: %r' % w)
if not all(any(k in w for w in wrapped) for k in (b'speak to a human', b'hung', b'gone')):
    bad.append('notification texts: %r' % wrapped)
# nothing from the transcript may reach the terminal as a sequence
if b'pwned' in raw or b'evil' in raw:
    bad.append('the network text injected a sequence (OSC 0 / 777 / 8)')
for seq in (b'\xc2\x9c', b'\xc2\x9b', b'\x1b\\ \x9c'):
    if seq in raw:
        bad.append('a C1 control from the transcript reached the terminal: %r' % seq)
titles = re.findall(rb'\x1b\]2;(calltop[^\x07]*)\x07', raw)
for want in (b'calltop (1!)', b'calltop (2!)', b'calltop (3!)'):
    if want not in titles:
        bad.append('no title %r among %r' % (want, titles))
if titles and titles[-1] != b'calltop (2!)':
    bad.append('last title %r, want calltop (2!)' % titles[-1])
for b in bad:
    print('FAIL: ' + b)
sys.exit(1 if bad else 0)
PY

"${T[@]}" send-keys -t "$S" q
[ $fails -eq 0 ] && echo "PASS" || { echo "$fails failure(s)"; exit 1; }
