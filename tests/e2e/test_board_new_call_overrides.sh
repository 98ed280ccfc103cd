#!/usr/bin/env bash
# test_board_new_call_overrides.sh — the board's new-call form with the
# assistantOverrides fields, end to end against the real calltop-sim (no
# relay): a bad Variables item is refused at the field with every field kept;
# an unreadable assistant JSON file likewise; corrected, the confirmation shows assistantOverrides in the exact body; the
# placed call's first assistant line (GET through `calltop calls show`) is the
# first-message override. Arg 1: the build directory. Private tmux server
# and HOME; loopback only; every process stopped by its pid.
set -u
BUILD=${1:?usage: test_board_new_call_overrides.sh BUILD_DIR}
BIN=$BUILD/calltop
[ -x "$BIN" ] || BIN=$BUILD/app/calltop
SIM=$BUILD/sim/calltop-sim
for b in "$BIN" "$SIM"; do [ -x "$b" ] || { echo "FAIL: missing $b"; exit 1; }; done
command -v tmux >/dev/null || { echo "SKIP: tmux not installed"; exit 0; }
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 0; }

TMP=$(mktemp -d /tmp/ct-e2e-formovr-XXXXXX)
T=(tmux -L "ct-formovr-$$")
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    "${T[@]}" kill-server 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
export HOME=$TMP/home
mkdir -p "$HOME"
unset XDG_CONFIG_HOME CALLTOP_RELAY_TOKEN CALLTOP_BASE_URL CALLTOP_RELAY_URL CALLTOP_LOG \
      CALLTOP_READ_ONLY NO_COLOR
export LANG=C.UTF-8 LC_ALL=C.UTF-8
KEY=e2e-formovr-key-7a8b
export INTERACTLY_API_KEY=$KEY

fails=0
S=form
screen() { "${T[@]}" capture-pane -p -t "$S" 2>/dev/null; }
fail() { echo "FAIL: $*"; echo "---- screen:"; screen; echo "----"; fails=$((fails + 1)); }
# bounded polls: check, sleep 0.1 s, at most SECS seconds (default 15)
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
keys() { "${T[@]}" send-keys -t "$S" "$@"; }
text() { "${T[@]}" send-keys -t "$S" -l "$1"; }
connects() { grep -c "POST /calls/v1/conversations/connect" "$TMP/sim.log"; }

"$SIM" --port 0 --api-key "$KEY" --seed 7 --history 2 --calls 0 --rate 0 --verbose \
    >"$TMP/sim.out" 2>"$TMP/sim.log" &
PIDS+=($!)
URL=
for _ in $(seq 100); do
    URL=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$TMP/sim.out")
    [ -n "$URL" ] && break
    sleep 0.05
done
[ -n "$URL" ] || { echo "FAIL: sim did not start: $(cat "$TMP/sim.log")"; exit 1; }

"${T[@]}" new-session -d -s keep "sleep 600"
"${T[@]}" new-session -d -x 200 -y 45 -s "$S" "exec $BIN --base-url $URL --log $TMP/board.log"
pid=$("${T[@]}" display-message -p -t "$S" '#{pane_pid}')
[ -n "$pid" ] || { echo "FAIL: the board did not start"; exit 1; }
PIDS+=("$pid")
wait_for "n new" || fail "the board never showed its key hints"

keys n
wait_for "New call" || fail "n did not open the new-call form"
wait_for "(1/" || fail "the caller numbers never loaded"
# Focus starts on the customer only when the numbers were there at opening:
# reopen (nothing typed, so Esc closes at once) to make that certain.
keys Escape
wait_gone "New call" || fail "Esc did not close the untouched form"
keys n
wait_for "New call" || fail "n did not reopen the new-call form"
wait_for "(1/" || fail "the caller numbers are gone"
text "+14155550166"
keys Tab Tab Tab          # -> name -> assistant -> first msg (Tab only)
text "Hi Dana, Ava here."
keys Down                 # -> variables
text "name=Dana, plan"
keys Enter                # submit: refused at the field
wait_for 'item 2 "plan": expected KEY=VALUE' || fail "no per-field error for a bad Variables item"
screen | grep -qF "New call: confirm" && fail "a bad Variables item reached the confirmation"
screen | grep -qF "Hi Dana, Ava here." || fail "the failed submit lost the first message"
screen | grep -qF "+14155550166" || fail "the failed submit lost the customer number"
text "=gold"              # focus stayed on Variables: complete the item
keys Down                 # -> Asst JSON: a file that is not there
text "$TMP/none.json"
keys Enter
wait_for "cannot read it: No such file" || fail "no per-field error for an unreadable assistant file"
screen | grep -qF "New call: confirm" && fail "an unreadable file reached the confirmation"
screen | grep -qF "plan=gold" || fail "the failed submit lost the variables"
keys C-u                  # focus stayed on the path: clear it, no inline assistant
keys Enter
wait_for "New call: confirm" || fail "the corrected form did not open the confirmation"
wait_for '"assistantOverrides":' || fail "the preview has no assistantOverrides"
# the body is word-wrapped in the box (fixed 200x45 terminal), so the key
# and its value are checked apart
screen | grep -qF '"assistantOverrides":{"firstMessage"' || fail "the preview lacks firstMessage"
screen | grep -qF ':"Hi Dana, Ava here."' || fail "the preview lacks the first message's text"
screen | grep -qF '"variableValues":{"name":"Dana","plan":"gold"}' \
    || fail "the preview lacks the variableValues"
[ "$(connects)" -eq 0 ] || fail "a call was placed before it was confirmed"
keys Tab Enter            # [Place call]
wait_for "call placed:" || fail "no 'call placed' after confirming"
ID=$(screen | sed -n 's/.*call placed: \([A-Za-z0-9_-]*\).*/\1/p' | head -1)
[ -n "$ID" ] || fail "no call id in the flash"
[ "$(connects)" -eq 1 ] || fail "the form placed $(connects) calls"

first=
for _ in $(seq 150); do
    out=$("$BIN" --base-url "$URL" calls show "$ID" -o json 2>/dev/null </dev/null)
    first=$(jq -r '[.messages[]? | select(.role == "assistant")][0].text // empty' <<<"$out" 2>/dev/null)
    [ -n "$first" ] && break
    sleep 0.1
done
[ "$first" = "Hi Dana, Ava here." ] || fail "first assistant line is '$first', not the override"

[ $fails -eq 0 ] && echo "ok: test_board_new_call_overrides" || echo "$fails failure(s)"
exit $((fails > 0))
