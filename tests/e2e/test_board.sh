#!/usr/bin/env bash
# test_board.sh — the board in a real terminal (tmux) with `calltop --demo`
# (simulator + relay in-process on loopback): the list fills, history rows
# show assistant names (fetched once per id) rather than ids, a transcript
# streams, the layout survives 60x15 / too small / a resize storm / back, help opens and
# closes, q quits, SIGTERM and closing the terminal (tmux kill-session) end
# the process, and a board without a terminal refuses to start instead of
# spinning. Arg 1: the build directory. Private tmux server (-L) and every
# calltop killed by pid in a trap; every wait is a bounded poll (<= 15 s).
set -u
BUILD=${1:?usage: test_board.sh BUILD_DIR}
BIN=$BUILD/calltop
[ -x "$BIN" ] || BIN=$BUILD/app/calltop
[ -x "$BIN" ] || { echo "FAIL: no calltop binary under $BUILD"; exit 1; }
command -v tmux >/dev/null || { echo "SKIP: tmux not installed"; exit 0; }

TMP=$(mktemp -d /tmp/ct-e2e-board-XXXXXX)
SOCK=ct-$$
T=(tmux -L "$SOCK")
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
fail() { echo "FAIL: $*"; echo "---- screen:"; screen; echo "----"; fails=$((fails + 1)); }
S=b0
screen() { "${T[@]}" capture-pane -p -t "$S" 2>/dev/null; }
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
# waits until tmux has reaped the pane's process: its status or signal is
# known, or the pane is marked dead
dead_status() {
    local end=$((SECONDS + 15))
    while [ $SECONDS -lt $end ]; do
        [ -n "$("${T[@]}" display-message -p -t "$S" '#{pane_dead_status}#{pane_dead_signal}')" ] && return 0
        # (tmux sets pane_dead and the status together; tmux 3.3 has no
        # pane_dead_signal, so a death by signal leaves both empty)
        [ "$("${T[@]}" display-message -p -t "$S" '#{pane_dead}')" = 1 ] && return 0
        sleep 0.1
    done
}
# gone = no such process, or a zombie tmux has not reaped yet
pid_gone() {
    local end=$((SECONDS + 15))
    while :; do
        kill -0 "$1" 2>/dev/null || return 0
        case $(ps -o stat= -p "$1" 2>/dev/null) in Z*) return 0 ;; esac
        [ $SECONDS -ge $end ] && return 1
        sleep 0.1
    done
}
# start_board NAME ARGS: a fresh session per board (an idle "keep" session
# keeps the private server up between them)
"${T[@]}" new-session -d -s keep "sleep 600"
start_board() {
    S=$1
    "${T[@]}" new-session -d -x 160 -y 45 -s "$S" \
        "exec $BIN --demo --log $TMP/calltop.log $2"
    "${T[@]}" set-option -t "$S" remain-on-exit on >/dev/null
    PID=$("${T[@]}" display-message -p -t "$S" '#{pane_pid}')
    [ -n "$PID" ] || { echo "FAIL: board $S did not start"; exit 1; }
    PIDS+=("$PID")
}

# ---- the list fills from the in-process simulator -------------------------------
start_board b1 ""
wait_for "LIVE" || fail "live channel never LIVE"
wait_for "● live" || fail "no live call on the board"
wait_re "Calls [1-9][0-9]*/[1-9]" || fail "the list did not fill"
screen | head -1 | grep -qE " [0-9]{2}:[0-9]{2} *$" || fail "no HH:MM clock at the end of the status bar"

# ---- history rows (List Calls gives only assistantId) show assistant names -----------
# (a UUID right after the customer column would be a raw assistant id)
uuid_rows() { screen | grep -cE "(done|failed) +(in|out) +[^ ]+ +[0-9a-f]{8}-[0-9a-f]{4}-"; }
wait_re "done +(in|out) +[^ ]+ +(Ava|Billing|After-hours|Émile)" ||
    fail "no assistant name on a history row"
end=$((SECONDS + 15))
while [ "$(uuid_rows)" -gt 0 ] && [ $SECONDS -lt $end ]; do sleep 0.1; done
[ "$(uuid_rows)" -eq 0 ] || fail "history rows show assistant ids instead of names"

# ---- a transcript streams into the details pane ------------------------------------
# Follow one live call (the live filter, longest first) and wait until its
# transcript grows; if that call ends and the selection moves, start over
# with the call now selected.
"${T[@]}" send-keys -t "$S" v 7
wait_for "filter:live" || fail "v did not switch to the live filter"
sel() { screen | sed -n 's/.*Details \([^ ]*\).*/\1/p' | head -1; }
count() { screen | sed -n 's/.*Transcript (\([0-9]*\)).*/\1/p' | head -1; }
wait_for "Transcript (" || fail "no transcript heading"
id=$(sel); first=$(count)
grew=0
for _ in $(seq 200); do
    nid=$(sel); now=$(count)
    if [ "$nid" != "$id" ] || [ -z "$first" ]; then id=$nid; first=$now
    elif [ -n "$now" ] && [ "$now" -gt "$first" ]; then grew=1; break; fi
    sleep 0.1
done
[ $grew -eq 1 ] || fail "no transcript grew in 20 s"
screen | grep -qE "[0-9:]{8} (asst|user) " || fail "no transcript lines with time and role"
# (the hints show once the first flash, "live channel: LIVE", has expired)
wait_for "? help  q quit" || fail "no key-hint line"

# ---- navigation, search, help ----------------------------------------------------
"${T[@]}" send-keys -t "$S" j j
"${T[@]}" send-keys -t "$S" /
wait_for "/_" || fail "search line did not open"
"${T[@]}" send-keys -t "$S" -l "zzzz-no-such-call"
wait_for "No calls match" || fail "search did not filter"
"${T[@]}" send-keys -t "$S" Escape
wait_gone "No calls match" || fail "Esc did not clear the search"
"${T[@]}" send-keys -t "$S" "?"
wait_for "Keys (Esc closes" || fail "help did not open"
screen | grep -qF "End the selected live call" || fail "help lacks the action table"
"${T[@]}" send-keys -t "$S" Escape
wait_gone "Keys (Esc closes" || fail "help did not close"

# ---- export: the view as CSV, the selected transcript as text (into $HOME) ------------
"${T[@]}" send-keys -t "$S" x
wait_for "exported" || fail "x did not export"
csv=$(ls "$HOME"/calltop-export*.csv 2>/dev/null | head -1)
[ -n "$csv" ] && head -1 "$csv" | grep -q "^id," || fail "no CSV with a header in \$HOME"
[ -n "$csv" ] && [ "$(wc -l <"$csv")" -ge 2 ] || fail "the CSV has no rows"
"${T[@]}" send-keys -t "$S" t
wait_for "transcript saved" || fail "t did not save the transcript"
ls "$HOME"/calltop-*.txt >/dev/null 2>&1 || fail "no transcript file in \$HOME"

# ---- the message log keeps what was flashed --------------------------------------
"${T[@]}" send-keys -t "$S" L
wait_for "Message log:" || fail "L did not open the message log"
screen | grep -F "exported" | grep -qE "[0-9]{2}:[0-9]{2}:[0-9]{2}" ||
    fail "the message log lacks the timestamped export message"
"${T[@]}" send-keys -t "$S" Escape
wait_gone "Message log:" || fail "Esc did not close the message log"

# ---- resize: single pane, too small, and back ---------------------------------------
"${T[@]}" resize-window -t "$S" -x 60 -y 15
wait_gone "Details" || fail "60x15 still shows both panes"
wait_for "STATUS" || fail "60x15 lost the list"
"${T[@]}" send-keys -t "$S" Enter
wait_for "Details" || fail "Enter did not switch to the details pane at 60x15"
"${T[@]}" send-keys -t "$S" Escape
wait_for "STATUS" || fail "Esc did not go back to the list"
"${T[@]}" resize-window -t "$S" -x 30 -y 8
wait_for "terminal too small" || fail "no 'terminal too small' at 30x8"
for s in 50x12 90x30 20x5 160x45 70x20 100x10; do
    "${T[@]}" resize-window -t "$S" -x "${s%x*}" -y "${s#*x}"
done
# a storm: 80 resizes back to back, no pause, tiny to large
for i in $(seq 80); do
    "${T[@]}" resize-window -t "$S" -x $((10 + (i * 37) % 200)) -y $((3 + (i * 13) % 60))
done
"${T[@]}" resize-window -t "$S" -x 160 -y 45
wait_for "Details" || fail "160x45 did not come back"
kill -0 "$PID" 2>/dev/null || fail "calltop died during the resize storm"

# ---- q quits ------------------------------------------------------------------
"${T[@]}" send-keys -t "$S" q
pid_gone "$PID" || fail "q did not quit"
dead_status
st=$("${T[@]}" display-message -p -t "$S" '#{pane_dead_status}#{pane_dead_signal}')
[ -z "$st" ] || [ "$st" = 0 ] || fail "q: exit status $st (under ASan, 23 means a leak)"

# ---- SIGTERM ends it (and the terminal is given back) ----------------------------------
start_board b2 ""
wait_for "LIVE" || fail "second board never LIVE"
kill -TERM "$PID"
pid_gone "$PID" || fail "SIGTERM did not end calltop"
dead_status
# (tmux sometimes marks a pane dead without recording the status: then
# only the process being gone is checked)
st=$("${T[@]}" display-message -p -t "$S" '#{pane_dead_status}#{pane_dead_signal}')
[ -z "$st" ] || [ "$st" = 143 ] ||
    fail "SIGTERM exit status: $("${T[@]}" list-panes -t "$S" -F 'dead=#{pane_dead} status=#{pane_dead_status} signal=#{pane_dead_signal}')"
[ "$("${T[@]}" display-message -p -t "$S" '#{alternate_on}')" = 0 ] ||
    fail "the terminal was left on the alternate screen after SIGTERM"

# ---- Ctrl-C (SIGINT) ends it with 130 and gives the terminal back ---------------------------
start_board b2i ""
wait_for "LIVE" || fail "Ctrl-C board never LIVE"
"${T[@]}" send-keys -t "$S" C-c
pid_gone "$PID" || fail "Ctrl-C did not end calltop"
dead_status
st=$("${T[@]}" display-message -p -t "$S" '#{pane_dead_status}#{pane_dead_signal}')
[ -z "$st" ] || [ "$st" = 130 ] || fail "Ctrl-C: exit status $st, want 130"
[ "$("${T[@]}" display-message -p -t "$S" '#{alternate_on}')" = 0 ] ||
    fail "the terminal was left on the alternate screen after Ctrl-C"

# ---- a crash (SIGSEGV) restores the terminal, then dies of the signal --------------------
start_board b2s ""
wait_for "LIVE" || fail "crash board never LIVE"
[ "$("${T[@]}" display-message -p -t "$S" '#{alternate_on}')" = 1 ] || fail "the board is not on the alternate screen"
kill -SEGV "$PID"
pid_gone "$PID" || fail "SIGSEGV did not end calltop"
dead_status
st=$("${T[@]}" display-message -p -t "$S" '#{pane_dead_status}#{pane_dead_signal}')
[ -z "$st" ] || [ "$st" = 11 ] ||
    fail "after SIGSEGV: not killed by the signal ($("${T[@]}" display-message -p -t "$S" '#{pane_dead_status}/#{pane_dead_signal}'))"
[ "$("${T[@]}" display-message -p -t "$S" '#{alternate_on}')" = 0 ] ||
    fail "the crash handler did not restore the terminal"

# ---- closing the terminal ends the process -------------------------------------------
start_board b3 ""
wait_for "LIVE" || fail "third board never LIVE"
"${T[@]}" kill-session -t "$S"
pid_gone "$PID" || { fail "kill-session left calltop running"; kill -KILL "$PID" 2>/dev/null; }

# ---- no terminal: refuse at once, never spin ---------------------------------------
timeout 10 "$BIN" --demo </dev/null >"$TMP/notty.out" 2>&1
rc=$?
[ $rc -eq 2 ] || fail "without a terminal: exit $rc, want 2"
grep -q "needs a terminal" "$TMP/notty.out" || fail "without a terminal: $(cat "$TMP/notty.out")"

# secrets never reach the log
grep -qiE "bearer [0-9a-f]{8}" "$TMP/calltop.log" 2>/dev/null && fail "a bearer token reached the log"

[ $fails -eq 0 ] && echo "ok: test_board" || echo "$fails failure(s)"
exit $((fails > 0))
