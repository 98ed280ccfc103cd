#!/usr/bin/env bash
# test_board_refusal.sh — issue 13 item 1: keys typed after a refused action
# never run board commands. On an ended call of `calltop --demo`, the three
# sequences of the report are typed in one burst right after the refused
# key: `s` + "Thanks, one moment" (its n opened the New-call form), `d` +
# "12x#" (re-sorted, x wrote a CSV), `d` + "1#9q" (quit). Each must leave
# only the refusal box up: no form, no file in the export directory, the
# sort unchanged, the board running. Esc / Enter dismiss the box, and the
# board answers keys again. Then `n` + a number + q under --read-only.
# Arg 1: the build directory. Private tmux server, killed in a trap.
set -u
BUILD=${1:?usage: test_board_refusal.sh BUILD_DIR}
BIN=$BUILD/calltop
[ -x "$BIN" ] || BIN=$BUILD/app/calltop
[ -x "$BIN" ] || { echo "FAIL: no calltop binary under $BUILD"; exit 1; }
command -v tmux >/dev/null || { echo "SKIP: tmux not installed"; exit 0; }

TMP=$(mktemp -d /tmp/ct-e2e-refusal-XXXXXX)
T=(tmux -L "ct-$$")
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
    "${T[@]}" kill-server 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
export HOME=$TMP/home
mkdir -p "$HOME" "$TMP/exp"
unset XDG_CONFIG_HOME CALLTOP_RELAY_TOKEN CALLTOP_BASE_URL CALLTOP_RELAY_URL CALLTOP_LOG \
      CALLTOP_READ_ONLY NO_COLOR INTERACTLY_API_KEY CALLTOP_EXPORT_DIR
export LANG=C.UTF-8 LC_ALL=C.UTF-8

fails=0
S=none
screen() { "${T[@]}" capture-pane -p -t "$S" 2>/dev/null; }
fail() { echo "FAIL: $*"; echo "---- screen:"; screen; echo "----"; fails=$((fails + 1)); }
# bounded polls: check, sleep 0.1 s, for at most SECS seconds (default 15)
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
BOARD_PID=
start_session() {
    S=$1
    "${T[@]}" new-session -d -x "$2" -y "$3" -s "$S" "exec $BIN --demo $4"
    BOARD_PID=$("${T[@]}" display-message -p -t "$S" '#{pane_pid}')
    [ -n "$BOARD_PID" ] || { echo "FAIL: board $S did not start"; exit 1; }
    PIDS+=("$BOARD_PID")
}
keys() { "${T[@]}" send-keys -t "$S" "$@"; }
text() { "${T[@]}" send-keys -t "$S" -l "$1"; }
sort_of() { screen | grep -oE 'sort:[^ ]+' | head -1; }
exported() { find "$TMP/exp" "$HOME" -name 'calltop-*' -type f | wc -l; }

# refused_burst ACTION_NAME KEYS: KEYS (the refused key and what follows,
# in one burst as typed ahead) leave only the refusal box; Esc dismisses it
refused_burst() {
    local name=$1 burst=$2 sort0
    sort0=$(sort_of)
    text "$burst"
    wait_for "$name refused" 5 || fail "'$burst': no '$name refused' box"
    sleep 0.5   # give any leaked key the time to act
    kill -0 "$BOARD_PID" 2>/dev/null || { fail "'$burst' quit the board"; return; }
    screen | grep -qF "New call" && fail "'$burst' opened the New-call form"
    [ "$(exported)" -eq 0 ] || fail "'$burst' wrote an export file"
    [ "$(sort_of)" = "$sort0" ] || fail "'$burst' changed the sort ($sort0 -> $(sort_of))"
    screen | grep -qF "Help" && fail "'$burst' opened the help"
    keys Escape
    wait_gone "$name refused" || fail "Esc did not dismiss the refusal box"
}

"${T[@]}" new-session -d -s keep "sleep 600"
start_session ended 160 45 "--export-dir $TMP/exp"
wait_for "LIVE" || fail "board never LIVE"
wait_re "Calls [1-9]" || fail "list did not fill"
# the failed-attempts filter: every row is an ended call
keys v v
wait_for "filter:failed" || fail "v v did not reach the failed filter"
keys g
wait_re "✗ failed" || fail "no failed call in the demo"

refused_burst say "sThanks, one moment"
refused_burst dtmf "d12x#"
refused_burst dtmf "d1#9q"
# the count shows the typing went nowhere; Enter dismisses too
text "s"
wait_for "say refused" || fail "s not refused"
text "abc"
wait_for "3 keys ignored" || fail "the box does not count the ignored keys"
keys Enter
wait_gone "say refused" || fail "Enter did not dismiss the refusal box"
# after the dismissal the board answers keys again
keys n
wait_for "New call" || fail "n did not open the form after the box was dismissed"
keys Escape
wait_gone "New call" || fail "Esc did not close the form"

# ---- --read-only: n + a number + q ------------------------------------------------
start_session ro 120 30 "--read-only --export-dir $TMP/exp"
wait_re "Calls [1-9]" || fail "read-only list did not fill"
refused_burst "new call" "n+14155550101x1q"

[ $fails -eq 0 ] && echo "ok: test_board_refusal" || echo "$fails failure(s)"
exit $((fails > 0))
