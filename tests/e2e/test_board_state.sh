#!/usr/bin/env bash
# test_board_state.sh — the board remembers sort, filter, view and pins
# between runs (issue 15 item 4) in $XDG_STATE_HOME/calltop/state: run 1
# sorts by duration, filters live calls, picks an assistant (A), pins two calls and stacks their
# tiles, then quits; the file is 0600 in a 0700 directory; run 2 comes back
# stacked with the same pins, and behind the tiles the same sort and filter.
# A corrupt file: run 3 says so (flash line and message log), starts with the
# defaults, does not crash, and rewrites the file at exit.
# Arg 1: the build directory. Private tmux server, killed in a trap.
set -u
BUILD=${1:?usage: test_board_state.sh BUILD_DIR}
BIN=$BUILD/calltop
[ -x "$BIN" ] || BIN=$BUILD/app/calltop
[ -x "$BIN" ] || { echo "FAIL: no calltop binary under $BUILD"; exit 1; }
command -v tmux >/dev/null || { echo "SKIP: tmux not installed"; exit 0; }

TMP=$(mktemp -d /tmp/ct-e2e-state-XXXXXX)
T=(tmux -L "ct-state-$$")
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
    "${T[@]}" kill-server 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
export HOME=$TMP/home
mkdir -p "$HOME"
unset XDG_CONFIG_HOME CALLTOP_RELAY_TOKEN CALLTOP_BASE_URL CALLTOP_RELAY_URL \
      CALLTOP_LOG CALLTOP_READ_ONLY NO_COLOR INTERACTLY_API_KEY
export XDG_STATE_HOME=$TMP/state
export LANG=C.UTF-8 LC_ALL=C.UTF-8
# --demo keeps its own file beside the account's "state"
STATE=$XDG_STATE_HOME/calltop/state-demo

fails=0
S=none
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
wait_re() {
    local end=$((SECONDS + ${2:-15}))
    while :; do
        screen | grep -qE -- "$1" && return 0
        [ $SECONDS -ge $end ] && return 1
        sleep 0.1
    done
}
keys() { "${T[@]}" send-keys -t "$S" "$@"; }
# start NAME: a demo board at 160x45; quit_and_wait: q, then its session is gone
start() {
    S=$1
    "${T[@]}" new-session -d -x 160 -y 45 -s "$S" "exec $BIN --demo --log $TMP/$S.log"
    PID=$("${T[@]}" display-message -p -t "$S" '#{pane_pid}')
    [ -n "$PID" ] || { echo "FAIL: board $S did not start"; exit 1; }
    PIDS+=("$PID")
    wait_for "LIVE" || fail "$S: board never LIVE"
}
quit_and_wait() {
    keys q
    local end=$((SECONDS + 15))
    # the session closes when calltop has exited (its pid may linger as a
    # zombie of the tmux server, so kill -0 would not tell)
    while "${T[@]}" has-session -t "$S" 2>/dev/null && [ $SECONDS -lt $end ]; do sleep 0.1; done
    "${T[@]}" has-session -t "$S" 2>/dev/null && fail "$S: the board did not quit"
}
"${T[@]}" new-session -d -s keep "sleep 600"

# ---- run 1: choose, then quit ------------------------------------------------------
start one
wait_re "Calls [1-9]" || fail "list did not fill"
keys o
wait_for "sort:DURATION" || fail "o did not sort by duration"
# pins first, over every call, so j always has a row to move to (the live
# filter may hold a single call at times)
keys g p j p
wait_for "2 pinned" || fail "two pins not counted"
keys v
wait_for "filter:live" || fail "v did not filter live calls"
# the assistant picker: the first assistant listed after (any)
keys A
wait_for "Filter by assistant" || fail "A did not open the assistant picker"
keys j Enter
wait_re "asst:[A-Za-z0-9-]+" || fail "the picked assistant is not in the list header"
asst=$(screen | grep -oE "asst:[A-Za-z0-9-]+" | head -1 | cut -d: -f2)
keys w w
wait_for "tiles: stacked (2 pinned)" || fail "w w did not stack the tiles"
pins=$(screen | grep -oE '^[ >][12] [A-Za-z0-9-]+' | cut -c4- | sort)
[ "$(echo "$pins" | wc -l)" -eq 2 ] || fail "two stacked tiles not found"
quit_and_wait
[ -f "$STATE" ] || fail "no state file at $STATE"
[ "$(stat -c %a "$STATE")" = 600 ] || fail "state file mode is $(stat -c %a "$STATE"), not 600"
[ "$(stat -c %a "$XDG_STATE_HOME/calltop")" = 700 ] || fail "state dir mode is not 700"
grep -qx "sort=duration" "$STATE" || fail "sort not saved: $(cat "$STATE")"
grep -qx "filter=live" "$STATE" || fail "filter not saved"
grep -qx "view=tiles-stacked" "$STATE" || fail "view not saved"
grep -qx "assistant=$asst" "$STATE" || fail "picked assistant not saved: $(cat "$STATE")"
for id in $pins; do
    grep -q "^pin=$id" "$STATE" || fail "pin $id not saved: $(cat "$STATE")"
done

# ---- run 2: the same view comes back --------------------------------------------------
start two
# the demo's calls are new each run: the old pins show as not in the store
for id in $pins; do
    wait_for "$id" || fail "run 2 does not show pinned $id"
done
screen | grep -qE '^ ?[ >]1 ' || fail "run 2 is not in the tiled view"
screen | grep -qF "Calls " && fail "run 2 shows the call list instead of the tiles"
keys Escape
wait_for "sort:DURATION" || fail "run 2 lost the sort"
screen | grep -qF "filter:live" || fail "run 2 lost the filter"
screen | grep -qF "asst:$asst" || fail "run 2 lost the picked assistant"
quit_and_wait

# ---- run 3: a corrupt file is reported and replaced ---------------------------------------
printf 'version=1\nsort=sideways\n' > "$STATE"
start three
wait_for "filter:all" || fail "run 3 did not start with the default filter"
screen | grep -qF "sort:STARTED" || fail "run 3 did not start with the default sort"
keys L
wait_for "Message log:" || fail "L did not open the message log"
wait_for "board state ignored, defaults used" || fail "no message about the corrupt state file"
wait_for "unknown sort 'sideways'" || fail "the message log does not say what is wrong"
keys Escape
grep -qF "unknown sort 'sideways'" "$TMP/three.log" || fail "the --log file does not say what is wrong"
quit_and_wait
grep -qx "sort=start" "$STATE" || fail "the corrupt file was not rewritten at exit: $(cat "$STATE")"
[ -e "$XDG_STATE_HOME/calltop/state" ] && fail "the demo wrote the account's state file"

[ $fails -eq 0 ] && echo "PASS: test_board_state"
exit $((fails > 0))
