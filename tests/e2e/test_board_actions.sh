#!/usr/bin/env bash
# test_board_actions.sh — requests from the board, end to end, with
# `calltop --demo`: a 422 (unknown assistant) keeps the new-call form open and
# filled; the corrected form places the call; the placed call is forwarded;
# another placed call is ended; --read-only hides and refuses every action.
# Arg 1: the build directory. Private tmux server, killed in a trap.
set -u
BUILD=${1:?usage: test_board_actions.sh BUILD_DIR}
BIN=$BUILD/calltop
[ -x "$BIN" ] || BIN=$BUILD/app/calltop
[ -x "$BIN" ] || { echo "FAIL: no calltop binary under $BUILD"; exit 1; }
command -v tmux >/dev/null || { echo "SKIP: tmux not installed"; exit 0; }

TMP=$(mktemp -d /tmp/ct-e2e-actions-XXXXXX)
T=(tmux -L "ct-$$")
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
    "${T[@]}" kill-server 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
export HOME=$TMP/home
mkdir -p "$HOME"
unset XDG_CONFIG_HOME CALLTOP_RELAY_TOKEN CALLTOP_BASE_URL CALLTOP_RELAY_URL CALLTOP_LOG \
      CALLTOP_READ_ONLY NO_COLOR INTERACTLY_API_KEY
export LANG=C.UTF-8 LC_ALL=C.UTF-8

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
wait_re() {
    local end=$((SECONDS + ${2:-15}))
    while :; do
        screen | grep -qE -- "$1" && return 0
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
# start_session NAME W H ARGS: a board in its own tmux session; PID recorded
start_session() {
    S=$1
    "${T[@]}" new-session -d -x "$2" -y "$3" -s "$S" "exec $BIN --demo $4"
    local pid
    pid=$("${T[@]}" display-message -p -t "$S" '#{pane_pid}')
    [ -n "$pid" ] || { echo "FAIL: board $S did not start"; exit 1; }
    PIDS+=("$pid")
}
keys() { "${T[@]}" send-keys -t "$S" "$@"; }
text() { "${T[@]}" send-keys -t "$S" -l "$1"; }

"${T[@]}" new-session -d -s keep "sleep 600"
start_session act 160 45 "--log $TMP/calltop.log"
wait_for "LIVE" || fail "board never LIVE"
wait_re "Calls [1-9]" || fail "list did not fill"

# ---- a 422 keeps the form open and filled ------------------------------------------
keys n
wait_for "New call" || fail "n did not open the new-call form"
text "+14155550177"
keys Enter Enter          # -> name -> assistant id
text "no-such-assistant"
keys Enter                # submit from the last field: the confirmation
wait_for "New call: confirm" || fail "submit did not open the confirmation"
keys Right Enter          # [Place call]
wait_gone "New call: confirm" || fail "Place call did not leave the confirmation"
wait_for "assistantId" || fail "no validation error (naming assistantId) shown for the 422"
screen | grep -qF "New call" || fail "the form closed on a 422"
screen | grep -qF "+14155550177" || fail "the form lost the customer number on a 422"
screen | grep -qF "no-such-assistant" || fail "the form lost the assistant id on a 422"

# ---- corrected, it places the call -------------------------------------------------------
keys C-u                  # clear the assistant field
keys Enter
# issue 13 item 2: a preview with the exact endpoint and body, focus on Cancel
wait_for "New call: confirm" || fail "submit did not open the confirmation"
wait_for "Will send: POST /calls/v1/conversations/connect" || fail "no endpoint in the preview"
wait_for '"direction":"outbound"' || fail "no JSON body in the preview"
screen | grep -qF "[>Cancel<]" || fail "the confirmation does not start on Cancel"
screen | grep -qF "call placed" && fail "a call was placed before it was confirmed"
keys Enter                # Enter on the default button: back to the filled form
wait_gone "New call: confirm" || fail "Enter on Cancel did not leave the confirmation"
screen | grep -qF "+14155550177" || fail "Cancel lost the customer number"
sleep 0.5
screen | grep -qF "call placed" && fail "Cancel placed the call"
keys Enter                # assistant (last field) -> the confirmation again
wait_for "New call: confirm" || fail "submit did not reopen the confirmation"
keys Right Enter          # [Place call]
wait_for "call placed:" || fail "no 'call placed' after the corrected submit"
wait_re "out +\\+14155550177" || fail "the placed call is not on the board"
screen | grep -qF "New call" && fail "the form stayed open after the call was placed"

# ---- forward the placed call (it is selected) --------------------------------------------
wait_re "Details CC-" || fail "the placed call is not selected"
keys f
wait_for "Forward call" || fail "f did not open the forward dialog"
text "+14155550999"
keys Enter                # field -> [Cancel] (never straight to Send)
screen | grep -qF "forward accepted" && fail "Enter in the field sent the request"
keys Tab Enter            # [Send]
wait_for "forward accepted" || fail "forward not accepted"
wait_re "↪ fwd +out +\\+14155550177" || fail "the forwarded call does not show as forwarded"

# ---- place another call and end it ----------------------------------------------------
keys n
wait_for "New call" || fail "n did not open the form again"
text "+14155550188"
keys Enter Enter Enter
wait_for "New call: confirm" || fail "the second call was not previewed"
keys Tab Enter            # [Place call]
wait_for "call placed:" || fail "second call not placed"
wait_re "out +\\+14155550188" || fail "second call is not on the board"
wait_re "customer +\\+14155550188" || fail "the second placed call is not selected"
keys e
wait_for "End call" || fail "e did not open the end dialog"
keys Enter                # it opens on [Cancel]: Enter cancels, nothing is sent
wait_gone "End call" || fail "Enter on the default button did not close the dialog"
screen | grep -qF "end accepted" && fail "Enter on the default button ended the call"
keys e
wait_for "End call" || fail "e did not open the end dialog again"
keys Right Enter          # [Send]
wait_for "end accepted" || fail "end not accepted"
wait_re "✓ done +out +\\+14155550188" || fail "the ended call does not show as done"

# ---- --read-only: hidden and refused --------------------------------------------------
start_session ro 120 30 "--read-only"
wait_for "[read-only]" || fail "no [read-only] in the status bar"
wait_for "? help  q quit" || fail "no key hints"
screen | grep -qF "n new" && fail "read-only board offers n new"
screen | grep -qF "e end" && fail "read-only board offers e end"
keys n
wait_for "refused" || fail "n was not refused under --read-only"
screen | grep -qF "New call" && fail "the form opened under --read-only"
keys Escape               # the refusal box takes every key until dismissed
wait_gone "new call refused" || fail "Esc did not dismiss the refusal box"
keys e
wait_for "end refused" || fail "e was not refused under --read-only"

# ---- export-dir: x writes there and flashes the full path (issue 13 item 6) ----------
mkdir -p "$TMP/exp"
start_session exp 200 30 "--export-dir $TMP/exp/../exp"
wait_re "Calls [1-9]" || fail "export board: list did not fill"
keys x
wait_re "exported [0-9]+ calls to $TMP/exp/calltop-export-[0-9-]+\.csv" \
    || fail "x did not flash the full path under --export-dir"
ls "$TMP/exp"/calltop-export-*.csv >/dev/null 2>&1 || fail "no CSV written to --export-dir"
ls "$HOME"/calltop-export-*.csv >/dev/null 2>&1 && fail "the export still went to \$HOME"

[ $fails -eq 0 ] && echo "ok: test_board_actions" || echo "$fails failure(s)"
exit $((fails > 0))
