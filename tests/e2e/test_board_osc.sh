#!/usr/bin/env bash
# test_board_osc.sh — the raw bytes the board writes to its pty, read with
# tmux pipe-pane: `y` puts the selected call's id on the clipboard with OSC 52
# (inside tmux wrapped in the DCS passthrough, ESC doubled; without $TMUX the
# plain sequence), and the recording URL of an ended call's end-of-call report
# is drawn as a field wrapped in an OSC 8 hyperlink. Uses `calltop --demo`.
# Arg 1: the build directory. Private tmux server, killed in a trap.
set -u
BUILD=${1:?usage: test_board_osc.sh BUILD_DIR}
BIN=$BUILD/calltop
[ -x "$BIN" ] || BIN=$BUILD/app/calltop
[ -x "$BIN" ] || { echo "FAIL: no calltop binary under $BUILD"; exit 1; }
command -v tmux >/dev/null || { echo "SKIP: tmux not installed"; exit 0; }

TMP=$(mktemp -d /tmp/ct-e2e-osc-XXXXXX)
T=(tmux -L "ct-osc-$$")
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
wait_for() {
    local end=$((SECONDS + ${2:-15}))
    while :; do
        screen | grep -qF -- "$1" && return 0
        [ $SECONDS -ge $end ] && return 1
        sleep 0.1
    done
}
keys() { "${T[@]}" send-keys -t "$S" "$@"; }
start_session() {   # NAME RAWFILE ENV...: a demo board whose pty output goes to RAWFILE
    S=$1
    "${T[@]}" new-session -d -x 160 -y 45 -s "$S" "exec env $3 $BIN --demo"
    PIDS+=("$("${T[@]}" display-message -p -t "$S" '#{pane_pid}')")
    "${T[@]}" pipe-pane -o -t "$S" "cat >> $2"
}
b64() { printf '%s' "$1" | base64 | tr -d '\n'; }

"${T[@]}" new-session -d -s keep "sleep 600"

# ---- OSC 52 inside tmux: the DCS passthrough ------------------------------
start_session tmuxed "$TMP/raw1" ""
wait_for "LIVE" || fail "board never LIVE"
wait_for "Details " || fail "nothing selected"
ID=$(screen | sed -n 's/.*Details \([^ ]*\).*/\1/p' | head -1)
keys y
wait_for "copied the call id $ID (OSC 52)" || fail "y did not say it copied $ID"
sleep 0.3
WANT=$(printf '\033Ptmux;\033\033]52;c;%s\a\033\\' "$(b64 "$ID")")
grep -qaF -- "$WANT" "$TMP/raw1" || fail "no OSC 52 in the DCS passthrough for $ID in the raw output"

# ---- OSC 52 without $TMUX: the plain sequence -------------------------------
start_session plain "$TMP/raw2" "-u TMUX"
wait_for "Details " || fail "nothing selected (no TMUX)"
ID=$(screen | sed -n 's/.*Details \([^ ]*\).*/\1/p' | head -1)
keys y
wait_for "copied the call id" || fail "y did not copy without TMUX"
sleep 0.3
WANT=$(printf '\033]52;c;%s\a' "$(b64 "$ID")")
grep -qaF -- "$WANT" "$TMP/raw2" || fail "no plain OSC 52 for $ID"
grep -qaF -- $'\033Ptmux;' "$TMP/raw2" && fail "the passthrough was used without \$TMUX"

# ---- OSC 8 around the recording URL of an ended call ------------------------
# The demo's calls end by themselves and their end-of-call report brings the
# recording; look through the newest finished calls until one shows it.
S=tmuxed
for _ in $(seq 8); do keys v; sleep 0.2; screen | grep -q "filter:finished" && break; done
screen | grep -q "filter:finished" || fail "no finished view"
found=0
end=$((SECONDS + 120))
while [ $SECONDS -lt $end ] && [ $found -eq 0 ]; do
    keys g
    for _ in 1 2 3 4 5 6; do
        sleep 0.5
        if screen | grep -q "recording    https://"; then found=1; break; fi
        keys j
    done
done
[ $found -eq 1 ] || fail "no ended call with a recording field within 120 s"
screen | grep -q "End-of-call report" || fail "no End-of-call report heading"
screen | grep -qE "cost +[0-9.]+ USD" || fail "cost is not a field"
screen | grep -qF '"url"' && fail "the recording is shown as raw JSON"
sleep 0.5
URL=$(grep -aoE $'\033\\]8;;https://recordings[^\033]*' "$TMP/raw1" | tail -1 | cut -c6-)
[ -n "$URL" ] || fail "no OSC 8 hyperlink in the raw output"
grep -qaF -- "$(printf '\033]8;;%s\033\\' "$URL")" "$TMP/raw1" || fail "OSC 8 open not terminated by ST"
grep -qaF -- "$(printf '\033]8;;\033\\')" "$TMP/raw1" || fail "no OSC 8 close"

[ $fails -eq 0 ] && echo "PASS: test_board_osc" || { echo "$fails failure(s)"; exit 1; }
