#!/usr/bin/env bash
# test_board_tiles.sh — pinned calls, tiled (issue 15 item 1), end to end with
# `calltop --demo` in tmux: p pins three calls, w shows them side by side,
# each tile follows its transcript's tail as the demo talks, Tab moves the
# focus, e ends the FOCUSED tile's call (the dialog names it; Send ends it),
# w cycles stacked / grid / back to the board, and at 80x24 the view
# degrades to two tiles and "1 more pinned". Esc leaves the tiles.
# Then a pin older than the 24-hour window (restored from the state file) is
# read by id and shown, against calltop-sim with four days of history.
# Arg 1: the build directory. Private tmux server, killed in a trap.
set -u
BUILD=${1:?usage: test_board_tiles.sh BUILD_DIR}
BIN=$BUILD/calltop
[ -x "$BIN" ] || BIN=$BUILD/app/calltop
[ -x "$BIN" ] || { echo "FAIL: no calltop binary under $BUILD"; exit 1; }
command -v tmux >/dev/null || { echo "SKIP: tmux not installed"; exit 0; }

TMP=$(mktemp -d /tmp/ct-e2e-tiles-XXXXXX)
T=(tmux -L "ct-tiles-$$")
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    "${T[@]}" kill-server 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
export HOME=$TMP/home
mkdir -p "$HOME"
unset XDG_CONFIG_HOME XDG_STATE_HOME CALLTOP_RELAY_TOKEN CALLTOP_BASE_URL CALLTOP_RELAY_URL \
      CALLTOP_LOG CALLTOP_READ_ONLY NO_COLOR INTERACTLY_API_KEY
export LANG=C.UTF-8 LC_ALL=C.UTF-8

fails=0
S=tiles
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
wait_re() {
    local end=$((SECONDS + ${2:-15}))
    while :; do
        screen | grep -qE -- "$1" && return 0
        [ $SECONDS -ge $end ] && return 1
        sleep 0.1
    done
}
keys() { "${T[@]}" send-keys -t "$S" "$@"; }
# transcript lines ("16:30:03 asst  ...") on screen
tx_lines() { screen | grep -oE '[0-9]{2}:[0-9]{2}:[0-9]{2} (asst|user)' | wc -l; }
# the focused tile's title: ">N ID ..." (ids may be shortened with …)
focused_id() { screen | grep -oE '>[0-9] [A-Za-z0-9-]+' | head -1 | cut -d' ' -f2; }

"${T[@]}" new-session -d -x 160 -y 45 -s "$S" "exec $BIN --demo"
pid=$("${T[@]}" display-message -p -t "$S" '#{pane_pid}')
[ -n "$pid" ] || { echo "FAIL: board did not start"; exit 1; }
PIDS+=("$pid")
wait_for "LIVE" || fail "board never LIVE"
wait_re "Calls [1-9]" || fail "list did not fill"

# ---- pin the three newest calls and tile them ------------------------------------------
# every call, newest first: j always has a row to move to (a live-only
# filter may hold fewer than three calls at times); the newest is live
keys g p
wait_for "pinned" || fail "p did not pin"
keys j p j p
wait_for "3 pinned" || fail "three pins not counted"
keys w
wait_for "tiles: side by side (3 pinned)" || fail "w did not show the tiles"
wait_re '>3 ' || fail "the focus is not on the last pinned tile"
screen | grep -qE '^ 1 .*│ 2 .*│>3 ' || fail "three tiles are not side by side"
screen | grep -qF "Calls " && fail "the call list is still shown in the tiled view"

# ---- each tile follows its tail: new transcript lines show up -----------------------
# (first, while the newest calls still talk: the demo ends them by itself)
n0=$(tx_lines)
end=$((SECONDS + 30))
while [ "$(tx_lines)" -le "$n0" ] && [ $SECONDS -lt $end ]; do sleep 0.2; done
[ "$(tx_lines)" -gt "$n0" ] || fail "no new transcript line reached the tiles in 30 s ($n0 lines)"

# ---- Tab moves the focus; e ends the focused tile's call -------------------------------
keys Tab
wait_re '^>1 ' || fail "Tab did not move the focus to tile 1"
# The demo's calls end by themselves (an outbound one may fail after a few
# seconds of ringing): end one that is live now, moving the focus to it. A
# call may still end by itself between the look and the key (CI saw "end
# refused: the call is not live"): then the next live one, a few times.
ended=
for attempt in 1 2 3 4; do
    for _ in 1 2 3; do
        screen | grep -qE '^>[0-9] .*● live' && break
        keys Tab
        sleep 0.3
    done
    ftile=$(screen | grep -oE '^>[0-9] .*● live' | head -1 | cut -c2)
    [ -n "$ftile" ] || { sleep 1; continue; }
    fid=$(focused_id)
    [ -n "$fid" ] || fail "no focused tile id"
    keys e
    wait_re "End call|end refused" 5 || fail "e did not open the end dialog for the focused tile"
    if screen | grep -qF "end refused"; then # it ended by itself meanwhile
        keys Enter
        sleep 0.3
        keys Tab
        continue
    fi
    screen | grep -E "Call +" | grep -qF -- "${fid%…}" || fail "the end dialog is not for the focused tile ($fid)"
    keys Right Enter                 # [Send]
    if wait_re "end accepted|not live any more" 10 && screen | grep -qF "end accepted"; then
        ended=1
        break
    fi
    keys Escape                      # ended by itself while the dialog was open
    sleep 0.3
    keys Tab
done
[ -n "$ended" ] || fail "end not accepted (after $attempt tries)"
wait_re "^>${ftile:-1} .*✓ done" 20 || fail "the focused tile does not show its call done"

# ---- the layout cycles; 80x24 degrades to two tiles and a count -------------------------
keys w
wait_for "tiles: stacked" || fail "w did not stack the tiles"
keys w
wait_for "tiles: grid" || fail "w did not make a grid"
keys w
wait_for "Calls " || fail "w after grid did not go back to the board"
keys w
wait_for "tiles: side by side" || fail "w did not show the tiles again"
"${T[@]}" resize-window -t "$S" -x 80 -y 24
wait_for "1 more pinned" || fail "80x24 side by side does not say 1 more pinned"
keys Escape
wait_for "Calls " || fail "Esc did not leave the tiled view"

"${T[@]}" send-keys -t "$S" q

# ---- a pin older than the 24-hour window is read by id at start --------------------------
# (no list read covers it: the tile used to say "(not in the store)" for ever)
SIM=$BUILD/sim/calltop-sim
KEY=e2e-tiles-key-5c20
"$SIM" --port 0 --api-key "$KEY" --seed 4 --history 40 --history-span 96h --calls 0 --rate 0 \
    >"$TMP/sim.out" 2>"$TMP/sim.log" &
PIDS+=($!)
URL=
for _ in $(seq 100); do
    URL=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$TMP/sim.out" 2>/dev/null)
    [ -n "$URL" ] && break
    sleep 0.05
done
[ -n "$URL" ] || { echo "FAIL: sim did not start: $(cat "$TMP/sim.log")"; exit 1; }
from=$(date -u -d '5 days ago' +%Y-%m-%dT%H:%M:%S.000Z)
to=$(date -u -d '30 hours ago' +%Y-%m-%dT%H:%M:%S.000Z)
OLD=$(curl -s -H "Authorization: Bearer $KEY" \
    "$URL/calls/v1/conversations?startDate=$from&endDate=$to&limit=100" |
    jq -r '.conversations[0].id // empty')
if [ -z "$OLD" ]; then
    fail "the simulator has no call older than 30 hours"
else
    mkdir -p "$HOME/.local/state/calltop"
    printf 'version=1\nsort=start\ndescending=1\nfilter=all\nview=tiles-side\npin=%s\n' "$OLD" \
        >"$HOME/.local/state/calltop/state"
    S=oldpin
    "${T[@]}" new-session -d -x 160 -y 30 -s "$S" \
        "exec env INTERACTLY_API_KEY=$KEY $BIN --base-url $URL"
    wait_for "$OLD" || fail "the old pin's tile is not shown"
    wait_re ">1 $OLD +.*(done|failed)" || fail "the old pinned call was not read by id"
    screen | grep -qF "(not in the store)" && fail "the old pin still says (not in the store)"
    keys q
fi
[ $fails -eq 0 ] && echo "PASS: test_board_tiles"
exit $((fails > 0))
