#!/usr/bin/env bash
# test_cli_calls.sh — the real `calltop calls …` / `calltop numbers` against
# the real calltop-sim binary: tables, --json, every exit code (0 ok, 2 usage
# and --read-only, 3 API refused, 4 network or server), connect placed once,
# nothing sent under --read-only, and the API key never printed.
# Arg 1: the build directory. Private HOME; loopback only; sims killed by pid.
set -u
BUILD=${1:?usage: test_cli_calls.sh BUILD_DIR}
BIN=$BUILD/calltop
[ -x "$BIN" ] || BIN=$BUILD/app/calltop
SIM=$BUILD/sim/calltop-sim
[ -x "$BIN" ] || { echo "FAIL: no calltop binary under $BUILD"; exit 1; }
[ -x "$SIM" ] || { echo "FAIL: no calltop-sim binary under $BUILD"; exit 1; }

TMP=$(mktemp -d /tmp/ct-e2e-calls-XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT
export HOME=$TMP/home
mkdir -p "$HOME"
unset XDG_CONFIG_HOME CALLTOP_RELAY_TOKEN CALLTOP_BASE_URL CALLTOP_RELAY_URL CALLTOP_LOG \
      CALLTOP_READ_ONLY NO_COLOR
KEY=e2e-key-7f3a91
export INTERACTLY_API_KEY=$KEY

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
run() {
    out=$("$@" 2>"$TMP/stderr"); rc=$?; err=$(cat "$TMP/stderr")
    printf '%s\n%s\n' "$out" "$err" >>"$TMP/all-output"
}
json_ok() {   # json_ok FILTER: the JSON in $out satisfies the jq filter
    if command -v jq >/dev/null; then jq -e "$1" >/dev/null <<<"$out"
    else python3 -c 'import json,sys; json.load(sys.stdin)' <<<"$out"; fi
}

# start_sim NAME ARGS...: runs calltop-sim on a free port, sets $URL
start_sim() {
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

# ---- numbers --------------------------------------------------------------
run "${C[@]}" numbers
[ $rc -eq 0 ] || fail "numbers exited $rc: $err"
head -1 <<<"$out" | grep -Eq '^ID +NUMBER +LABEL +INBOUND +OUTBOUND' || fail "numbers header: $out"
grep -Eq '^[0-9]+ numbers?$' <<<"$err" || fail "numbers has no count line on stderr"
! grep -Eq '^[0-9]+ numbers?$' <<<"$out" || fail "numbers prints its count line on stdout"
run "${C[@]}" numbers --json
[ $rc -eq 0 ] && json_ok 'type == "array" and length > 0 and (.[0] | has("_id"))' \
    || fail "numbers --json: rc=$rc $out"
FROM_OUT=$(jq -r '[.[] | select(.outboundEnabled)][0].number' <<<"$out")
FROM_IN=$(jq -r '[.[] | select(.outboundEnabled | not)][0].number // empty' <<<"$out")

# ---- calls list -----------------------------------------------------------
run "${C[@]}" calls list
[ $rc -eq 0 ] || fail "calls list exited $rc: $err"
head -1 <<<"$out" | grep -Eq '^ID +STATUS +PHONE +DIR +TYPE +USER' || fail "list header: $out"
# the summary is not data: stderr (issue 13 item 9), so pipes see only rows
grep -Eq '^[0-9]+ calls? in the last 24h$' <<<"$err" || fail "list count line: $err"
! grep -Eq 'calls? in the last' <<<"$out" || fail "list prints its summary on stdout"
# columns line up: STATUS starts at the same column on every row
col=$(head -1 <<<"$out" | awk '{print index($0, "STATUS")}')
bad=$(sed '1d' <<<"$out" | awk -v c="$col" 'substr($0, c - 2, 2) != "  " || substr($0, c, 1) == " "' | wc -l)
[ "$bad" -eq 0 ] || fail "list columns are not aligned"
run "${C[@]}" calls list --live --since 7d --json
[ $rc -eq 0 ] && json_ok '(.conversations | length) == .totalCount and .totalCount > 0' \
    || fail "list --live --json: rc=$rc"
json_ok 'all(.conversations[]; .status == "queued" or .status == "ongoing" or
         .phoneCallStatus == "ringing" or .phoneCallStatus == "in-progress" or
         .phoneCallStatus == "trying" or .phoneCallStatus == "early-media")' \
    || fail "list --live returned a call that is not live"
LIVE=$(jq -r '.conversations[0].id' <<<"$out")
LIVE2=$(jq -r '.conversations[1].id // empty' <<<"$out")

# ---- calls show -----------------------------------------------------------
run "${C[@]}" calls show "$LIVE"
[ $rc -eq 0 ] || fail "show exited $rc: $err"
grep -Eq "^id: +$LIVE\$" <<<"$out" && grep -q '^transcript:' <<<"$out" || fail "show output: $out"
run "${C[@]}" calls show "$LIVE" --json
[ $rc -eq 0 ] && json_ok ".id == \"$LIVE\" and (.messages | type == \"array\")" \
    || fail "show --json: rc=$rc"
# --json is the server's own JSON, not a re-encoding: a finished call (it no
# longer changes) printed by calltop equals the simulator's body for it
run "${C[@]}" calls list --since 7d --json
FIN=$(jq -r '[.conversations[] | select(.status == "finished" or .status == "completed")][0].id // empty' <<<"$out")
if [ -n "$FIN" ]; then
    run "${C[@]}" calls show "$FIN" --json
    SHOWN=$out
    python3 - "$URL" "$FIN" "$KEY" "$SHOWN" <<'PY' || fail "show --json differs from the API's body for $FIN"
import json, sys, urllib.request
url, cid, key, shown = sys.argv[1:5]
rq = urllib.request.Request(f"{url}/calls/v1/conversations/{cid}",
                            headers={"Authorization": f"Bearer {key}"})
api = json.load(urllib.request.urlopen(rq, timeout=10))
sys.exit(0 if api == json.loads(shown) else 1)
PY
else
    fail "no finished call in the simulator's history to compare"
fi
run "${C[@]}" calls show CC-does-not-exist
[ $rc -eq 3 ] || fail "show unknown id exited $rc"
grep -q '^calltop: not found.*: get call CC-does-not-exist: HTTP 404' <<<"$err" || fail "404: $err"

# ---- usage errors: exit 2, nothing sent ----------------------------------
for args in "calls" "calls bogus" "calls list --since 5x" "calls list extra" "calls show" \
            "calls connect --to +14155550123" "calls connect --from x --to 0800" \
            "calls dtmf $LIVE 12x" "calls forward $LIVE 12345" "calls say $LIVE" \
            "numbers --bogus" "calls list --json=yes"; do
    # shellcheck disable=SC2086
    run "${C[@]}" $args
    [ $rc -eq 2 ] || fail "'$args' exited $rc (want 2)"
    grep -q '^calltop: ' <<<"$err" || fail "'$args' gave no message"
done

# ---- --read-only refuses every mutation, exit 2, nothing sent -------------
before=$(grep -c ' POST ' "$TMP/sim.log")
for args in "calls end $LIVE" "calls say $LIVE hi" "calls sms $LIVE hi" "calls dtmf $LIVE 1" \
            "calls forward $LIVE +14155550100" "calls connect --from x --to +14155550123"; do
    # shellcheck disable=SC2086
    run "$BIN" --read-only --base-url "$URL" $args
    [ $rc -eq 2 ] || fail "--read-only '$args' exited $rc"
    grep -q '^calltop: refused: --read-only' <<<"$err" || fail "--read-only '$args': $err"
done
[ "$(grep -c ' POST ' "$TMP/sim.log")" -eq "$before" ] || fail "--read-only let a POST through"
run "$BIN" --read-only --base-url "$URL" calls list
[ $rc -eq 0 ] || fail "--read-only blocks reading (rc=$rc)"

# ---- connect: placed exactly once ----------------------------------------
before=$(grep -c 'POST /calls/v1/conversations/connect' "$TMP/sim.log")
run "${C[@]}" calls connect --from "$FROM_OUT" --to +14155550123 --name "Ada L" --meta ticket=T-9
[ $rc -eq 0 ] && grep -Eq '^placed call CC-[^ ]+ to \+14155550123' <<<"$out" \
    || fail "connect: rc=$rc out=$out err=$err"
after=$(grep -c 'POST /calls/v1/conversations/connect' "$TMP/sim.log")
[ $((after - before)) -eq 1 ] || fail "connect posted $((after - before)) times"
# the --help synopsis form: calls connect FROM TO
run "${C[@]}" calls connect "$FROM_OUT" +14155550124
[ $rc -eq 0 ] && grep -q '^placed call .* to +14155550124' <<<"$out" || fail "positional connect: rc=$rc $err"
if [ -n "$FROM_IN" ]; then
    run "${C[@]}" calls connect --from "$FROM_IN" --to +14155550123
    [ $rc -eq 3 ] && grep -q 'cannot dial out' <<<"$err" || fail "inbound-only from: rc=$rc $err"
fi
run "${C[@]}" calls connect --from +19990000000 --to +14155550123
[ $rc -eq 3 ] && grep -q 'not one of this account' <<<"$err" || fail "unknown from: rc=$rc $err"
run "${C[@]}" calls connect --from 000000000000000000000000 --to +14155550123
[ $rc -eq 3 ] && grep -q 'phoneNumberId: ' <<<"$err" || fail "422 connect: rc=$rc $err"

# ---- control ---------------------------------------------------------------
run "${C[@]}" calls say "$LIVE" One moment please
[ $rc -eq 0 ] && grep -q "^say: done on call $LIVE" <<<"$out" || fail "say: rc=$rc $err"
grep -q "POST /calls/v1/conversations/$LIVE/control" "$TMP/sim.log" || fail "say not posted"
run "${C[@]}" calls end "$LIVE" --message "Goodbye"
[ $rc -eq 0 ] || fail "end: rc=$rc $err"
run "${C[@]}" calls say "$LIVE" too late
[ $rc -eq 3 ] && grep -q 'HTTP 409' <<<"$err" || fail "say on an ended call: rc=$rc $err"
if [ -n "$LIVE2" ]; then
    run "${C[@]}" calls dtmf "$LIVE2" '12#'
    [ $rc -eq 0 ] || fail "dtmf: rc=$rc $err"
fi

# ---- bad and missing key ---------------------------------------------------
run env INTERACTLY_API_KEY=wrong-key "${C[@]}" calls list
[ $rc -eq 3 ] && grep -q '^calltop: the API key was refused' <<<"$err" || fail "wrong key: rc=$rc $err"
grep -q wrong-key <<<"$out$err" && fail "the wrong key was printed"
run env -u INTERACTLY_API_KEY "${C[@]}" numbers
[ $rc -eq 2 ] && grep -q INTERACTLY_API_KEY <<<"$err" && grep -q config <<<"$err" \
    || fail "missing key: rc=$rc $err"

# ---- network and server failures: exit 4 -----------------------------------
PORT=$(sed -n 's#.*:\([0-9]*\)$#\1#p' <<<"$URL")
run "$BIN" --base-url "https://127.0.0.1:$PORT" numbers   # TLS to a plain-HTTP server
[ $rc -eq 4 ] && grep -q '^calltop: TLS failure' <<<"$err" || fail "TLS: rc=$rc $err"
kill "${PIDS[0]}"; wait "${PIDS[0]}" 2>/dev/null
run "${C[@]}" numbers          # the sim is gone: connection refused
[ $rc -eq 4 ] && grep -q '^calltop: could not connect to the server' <<<"$err" \
    || fail "closed port ($PORT): rc=$rc $err"
start_sim broken --error-rate 1 --history 5
run "$BIN" --base-url "$URL" calls list
[ $rc -eq 4 ] && grep -q '^calltop: the server failed (5xx).*HTTP 500' <<<"$err" \
    || fail "5xx: rc=$rc $err"
run "$BIN" --base-url "$URL" calls say CC-x hi
[ $rc -eq 4 ] || fail "5xx on a POST: rc=$rc $err"
[ "$(grep -c 'POST /calls/v1/conversations/CC-x/control' "$TMP/broken.log")" -eq 1 ] \
    || fail "a failed POST was retried"

grep -q "$KEY" "$TMP/all-output" && fail "the API key appeared in calltop's output"
[ $fails -eq 0 ] && echo "PASS: test_cli_calls" || { echo "$fails failure(s)"; exit 1; }
