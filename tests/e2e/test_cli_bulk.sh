#!/usr/bin/env bash
# test_cli_bulk.sh — `calltop calls end|say --filter EXPR` against the real
# calltop-sim: the dry run lists each live call with the exact request and
# sends nothing; without --yes and without a terminal nothing is sent; with
# --yes each matching live call gets exactly one control POST and a result
# line; a call whose control answers 500 is "failed" and is not retried;
# --read-only refuses the send but allows the dry run; a bad EXPR is a usage
# error before any request. Also the typed count on a real terminal (tmux).
# Arg 1: the build directory. Private HOME; loopback only; sims killed by pid.
set -u
BUILD=${1:?usage: test_cli_bulk.sh BUILD_DIR}
BIN=$BUILD/calltop
[ -x "$BIN" ] || BIN=$BUILD/app/calltop
SIM=$BUILD/sim/calltop-sim
[ -x "$BIN" ] || { echo "FAIL: no calltop binary under $BUILD"; exit 1; }
[ -x "$SIM" ] || { echo "FAIL: no calltop-sim binary under $BUILD"; exit 1; }

TMP=$(mktemp -d /tmp/ct-e2e-bulk-XXXXXX)
PIDS=()
SOCK=ct-bulk-$$
cleanup() {
    tmux -L "$SOCK" kill-server 2>/dev/null
    tmux -L "$SOCK-2" kill-server 2>/dev/null
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT
export HOME=$TMP/home
mkdir -p "$HOME"
unset XDG_CONFIG_HOME CALLTOP_RELAY_TOKEN CALLTOP_BASE_URL CALLTOP_RELAY_URL CALLTOP_LOG \
      CALLTOP_READ_ONLY NO_COLOR
KEY=e2e-key-b7c41d
export INTERACTLY_API_KEY=$KEY

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
run() { out=$("$@" 2>"$TMP/stderr" </dev/null); rc=$?; err=$(cat "$TMP/stderr"); }
posts() { grep -c "POST /calls/v1/conversations/.*/control" "$1"; }

start_sim() {   # start_sim NAME ARGS...: calltop-sim on a free port, sets $URL
    local name=$1; shift
    "$SIM" --port 0 --api-key "$KEY" --verbose "$@" >"$TMP/$name.out" 2>"$TMP/$name.log" &
    PIDS+=($!)
    URL=
    for _ in $(seq 100); do
        URL=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$TMP/$name.out" 2>/dev/null)
        [ -n "$URL" ] && return 0
        sleep 0.05
    done
    echo "FAIL: $name did not start: $(cat "$TMP/$name.log")"; exit 1
}

start_sim sim --seed 5 --history 30 --calls 4 --rate 0
C=("$BIN" --base-url "$URL")
run "${C[@]}" calls list --live --json
LIVE_IN=$(jq -r '[.conversations[] | select(.direction == "inbound")] | length' <<<"$out")
LIVE_OUT=$(jq -r '[.conversations[] | select(.direction == "outbound")] | length' <<<"$out")
[ "$LIVE_OUT" -ge 1 ] && [ "$LIVE_IN" -ge 1 ] || fail "the sim needs live calls both ways: $out"

# ---- usage errors: nothing sent --------------------------------------------
run "${C[@]}" calls end --filter inbund --dry-run
[ $rc -eq 2 ] && grep -q "'inbund' is not a view" <<<"$err" || fail "bad view: rc=$rc $err"
run "${C[@]}" calls say --filter live --dry-run
[ $rc -eq 2 ] && grep -q "needs --message" <<<"$err" || fail "say without text: rc=$rc $err"
run "${C[@]}" calls end --filter live --dry-run --yes
[ $rc -eq 2 ] || fail "--dry-run with --yes: rc=$rc"
run "${C[@]}" calls end --dry-run
[ $rc -eq 2 ] && grep -q "go with --filter" <<<"$err" || fail "--dry-run alone: rc=$rc $err"

# ---- dry run: each live call and its exact request ---------------------------
run "${C[@]}" calls end --filter outbound --dry-run --message "Goodbye"
[ $rc -eq 0 ] || fail "dry run exited $rc: $err"
[ "$(wc -l <<<"$out")" -eq "$LIVE_OUT" ] || fail "dry run lists $(wc -l <<<"$out") calls, want $LIVE_OUT: $out"
grep -Eq "^CC-[^ ]+  .*  POST $URL/calls/v1/conversations/CC-[^ ]+/control  \{\"type\":\"end\",\"message\":\"Goodbye\"\}$" <<<"$out" \
    || fail "dry run line has no exact request: $out"
grep -q "$LIVE_OUT live calls\? match.* (dry run: nothing sent)" <<<"$err" || fail "dry run summary: $err"
run "${C[@]}" calls say --filter "inbound/" --dry-run --message "One moment"
[ $rc -eq 0 ] && grep -q '{"type":"say","message":"One moment"}' <<<"$out" || fail "say dry run: $out $err"
run "${C[@]}" --read-only calls end --filter live --dry-run
[ $rc -eq 0 ] || fail "--read-only dry run exited $rc: $err"
[ "$(posts "$TMP/sim.log")" -eq 0 ] || fail "a dry run sent a control request"

# ---- refused without confirmation ------------------------------------------
run "${C[@]}" calls end --filter outbound
[ $rc -eq 2 ] && grep -q "not a terminal" <<<"$err" || fail "no tty, no --yes: rc=$rc $err"
run "${C[@]}" --read-only calls end --filter outbound --yes
[ $rc -eq 2 ] && grep -q "refused: --read-only" <<<"$err" || fail "--read-only send: rc=$rc $err"
[ "$(posts "$TMP/sim.log")" -eq 0 ] || fail "an unconfirmed bulk end sent a control request"

# ---- typed count on a terminal: a wrong count cancels, the right one sends --
tmux -L "$SOCK" new-session -d -x 200 -y 50 \
    "INTERACTLY_API_KEY=$KEY '$BIN' --base-url '$URL' calls say --filter inbound --message 'Please hold' >'$TMP/tty.out' 2>'$TMP/tty.err'; echo \$? >'$TMP/tty.rc'; sleep 30"
for _ in $(seq 100); do grep -q "Type $LIVE_IN to say" "$TMP/tty.err" 2>/dev/null && break; sleep 0.1; done
grep -q "Type $LIVE_IN to say $LIVE_IN" "$TMP/tty.err" || fail "no count prompt: $(cat "$TMP/tty.err")"
tmux -L "$SOCK" send-keys "$LIVE_IN" Enter
for _ in $(seq 100); do [ -s "$TMP/tty.rc" ] && break; sleep 0.1; done
[ "$(cat "$TMP/tty.rc" 2>/dev/null)" = 0 ] || fail "typed count: rc=$(cat "$TMP/tty.rc" 2>/dev/null) $(cat "$TMP/tty.err")"
[ "$(grep -c '  sent$' "$TMP/tty.out")" -eq "$LIVE_IN" ] || fail "typed count results: $(cat "$TMP/tty.out")"
grep -q "say: $LIVE_IN sent, 0 refused, 0 failed" "$TMP/tty.err" || fail "typed count summary: $(cat "$TMP/tty.err")"
[ "$(posts "$TMP/sim.log")" -eq "$LIVE_IN" ] || fail "typed count: $(posts "$TMP/sim.log") POSTs, want $LIVE_IN"
tmux -L "$SOCK" kill-server 2>/dev/null
# A second tmux server: a new session on the socket of one just killed can
# reach the dying server ("server exited unexpectedly") on a busy machine.
tmux -L "$SOCK-2" new-session -d -x 200 -y 50 \
    "INTERACTLY_API_KEY=$KEY '$BIN' --base-url '$URL' calls end --filter live >'$TMP/tty2.out' 2>'$TMP/tty2.err'; echo \$? >'$TMP/tty2.rc'; sleep 30"
for _ in $(seq 100); do grep -q "Type [0-9]* to end" "$TMP/tty2.err" 2>/dev/null && break; sleep 0.1; done
tmux -L "$SOCK-2" send-keys "y" Enter
for _ in $(seq 100); do [ -s "$TMP/tty2.rc" ] && break; sleep 0.1; done
[ "$(cat "$TMP/tty2.rc" 2>/dev/null)" = 2 ] && grep -q "cancelled: nothing sent" "$TMP/tty2.err" \
    || fail "a wrong count did not cancel: $(cat "$TMP/tty2.err")"
[ "$(posts "$TMP/sim.log")" -eq "$LIVE_IN" ] || fail "a cancelled bulk end sent a control request"
tmux -L "$SOCK-2" kill-server 2>/dev/null

# ---- --yes: one POST per call, per-call results ------------------------------
run "${C[@]}" calls end --filter outbound --yes --message "Goodbye"
[ $rc -eq 0 ] || fail "bulk end exited $rc: $err"
[ "$(grep -c '  sent$' <<<"$out")" -eq "$LIVE_OUT" ] || fail "bulk end results: $out"
grep -q "end: $LIVE_OUT sent, 0 refused, 0 failed" <<<"$err" || fail "bulk end summary: $err"
[ "$(posts "$TMP/sim.log")" -eq $((LIVE_IN + LIVE_OUT)) ] || fail "bulk end POSTs: $(posts "$TMP/sim.log")"
run "${C[@]}" calls list --live --json
[ "$(jq '[.conversations[] | select(.direction == "outbound")] | length' <<<"$out")" -eq 0 ] \
    || fail "outbound calls still live after bulk end: $out"
run "${C[@]}" calls end --filter outbound --yes
[ $rc -eq 0 ] && grep -q "^0 live calls match" <<<"$err" || fail "nothing left to end: rc=$rc $err"

# ---- controls answering 500: failed, each sent once, never retried -----------
# Every control to a CC- call answers 500; the other live calls' are fine.
start_sim broken --seed 9 --history 0 --calls 4 --rate 0 \
    --error-rate 1 --error-route "/calls/v1/conversations/CC-"
run "$BIN" --base-url "$URL" calls list --live --json
N=$(jq '.conversations | length' <<<"$out")
NCC=$(jq '[.conversations[] | select(.id | startswith("CC-"))] | length' <<<"$out")
[ "$NCC" -ge 1 ] && [ "$NCC" -lt "$N" ] || fail "the broken sim needs CC- and other live calls: $out"
run "$BIN" --base-url "$URL" calls end --filter live --yes
[ $rc -eq 4 ] || fail "a failed control should exit 4: rc=$rc $err"
[ "$(grep -c '^CC-[^ ]*  failed: ' <<<"$out")" -eq "$NCC" ] || fail "CC- calls not failed: $out"
[ "$(grep -c '  sent$' <<<"$out")" -eq $((N - NCC)) ] || fail "others not sent: $out"
grep -q "end: $((N - NCC)) sent, 0 refused, $NCC failed" <<<"$err" || fail "summary with failures: $err"
for id in $(grep -o '^CC-[^ ]*  failed' <<<"$out" | cut -d' ' -f1); do
    n=$(grep -c "POST /calls/v1/conversations/$id/control" "$TMP/broken.log")
    [ "$n" -eq 1 ] || fail "the failed control to $id was sent $n times (never retried)"
done

! grep -rq "$KEY" "$TMP"/*.out "$TMP"/*.err 2>/dev/null || fail "the API key was printed"
[ $fails -eq 0 ] && echo "PASS: test_cli_bulk" || { echo "$fails failure(s)"; exit 1; }
