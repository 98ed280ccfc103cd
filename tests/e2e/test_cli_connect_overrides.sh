#!/usr/bin/env bash
# test_cli_connect_overrides.sh — `calltop calls connect` with
# assistantOverrides and an inline assistant against the real calltop-sim:
# --dry-run prints the exact body (firstMessage, variableValues, assistant)
# and sends nothing; a bad --assistant-json (not an object, not JSON, not
# readable) is a clear usage error before any request; a call placed with
# --first-message has that text as its first assistant line.
# Arg 1: the build directory. Private HOME; loopback only; sim killed by pid.
set -u
BUILD=${1:?usage: test_cli_connect_overrides.sh BUILD_DIR}
BIN=$BUILD/calltop
[ -x "$BIN" ] || BIN=$BUILD/app/calltop
SIM=$BUILD/sim/calltop-sim
for b in "$BIN" "$SIM"; do [ -x "$b" ] || { echo "FAIL: missing $b"; exit 1; }; done

TMP=$(mktemp -d /tmp/ct-e2e-overrides-XXXXXX)
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
KEY=e2e-key-0v3rr1d3
export INTERACTLY_API_KEY=$KEY

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
run() { out=$("$@" 2>"$TMP/stderr" </dev/null); rc=$?; err=$(cat "$TMP/stderr"); }
connects() { grep -c "POST /calls/v1/conversations/connect" "$TMP/sim.log"; }

"$SIM" --port 0 --api-key "$KEY" --seed 5 --history 3 --calls 1 --rate 0 --verbose \
    >"$TMP/sim.out" 2>"$TMP/sim.log" &
PIDS+=($!)
URL=
for _ in $(seq 100); do
    URL=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$TMP/sim.out")
    [ -n "$URL" ] && break
    sleep 0.05
done
[ -n "$URL" ] || { echo "FAIL: sim did not start"; exit 1; }
C=("$BIN" --base-url "$URL")
run "${C[@]}" numbers --json
FROM=$(jq -r '[.[] | select(.outboundEnabled)][0]._id' <<<"$out")
[ -n "$FROM" ] && [ "$FROM" != null ] || { echo "FAIL: no outbound number: $out"; exit 1; }

printf '{"name": "Inline Ava", "model": {"provider": "x"}}\n' >"$TMP/asst.json"
printf '[1, 2]\n' >"$TMP/array.json"
printf '{"name": \n' >"$TMP/broken.json"

# ---- the dry run: the exact body, nothing sent ------------------------------
run "${C[@]}" calls connect --from "$FROM" --to +14155550123 --first-message "Hi Dana, Ava here." \
    --var name=Dana --var plan=gold --assistant-json "$TMP/asst.json" --dry-run
[ $rc -eq 0 ] || fail "dry run exited $rc: $err"
[ "$(head -1 <<<"$out")" = "POST $URL/calls/v1/conversations/connect" ] || fail "dry run endpoint: $out"
body=$(sed -n 2p <<<"$out")
jq -e '.assistantOverrides.firstMessage == "Hi Dana, Ava here." and
       .assistantOverrides.variableValues == {"name": "Dana", "plan": "gold"} and
       .assistant == {"name": "Inline Ava", "model": {"provider": "x"}} and
       .customer.number == "+14155550123"' >/dev/null <<<"$body" || fail "dry run body: $body"
run "${C[@]}" --read-only calls connect --from "$FROM" --to +14155550123 --dry-run
[ $rc -eq 0 ] || fail "a dry run is allowed under --read-only: rc=$rc $err"
[ "$(connects)" -eq 0 ] || fail "a dry run placed a call"

# ---- bad inline assistants: usage errors before any request -----------------
run "${C[@]}" calls connect --from "$FROM" --to +14155550123 --assistant-json "$TMP/array.json"
[ $rc -eq 2 ] && grep -q "array.json: assistant: must be a JSON object" <<<"$err" \
    || fail "array accepted: rc=$rc $err"
run "${C[@]}" calls connect --from "$FROM" --to +14155550123 --assistant-json "$TMP/broken.json"
[ $rc -eq 2 ] && grep -q "broken.json: assistant: not valid JSON (near byte" <<<"$err" \
    || fail "broken JSON accepted: rc=$rc $err"
run "${C[@]}" calls connect --from "$FROM" --to +14155550123 --assistant-json "$TMP/none.json"
[ $rc -eq 2 ] && grep -q "none.json: cannot read it" <<<"$err" || fail "missing file: rc=$rc $err"
run "${C[@]}" calls connect --from "$FROM" --to +14155550123 --var =x
[ $rc -eq 2 ] && grep -q -- "--var wants KEY=VALUE" <<<"$err" || fail "--var =x: rc=$rc $err"
[ "$(connects)" -eq 0 ] || fail "a refused connect placed a call"

# ---- the sim honours the first-message override -----------------------------
run "${C[@]}" calls connect --from "$FROM" --to +14155550123 --first-message "Hi Dana, Ava here." \
    --var name=Dana -o json
[ $rc -eq 0 ] || fail "connect exited $rc: $err"
ID=$(jq -r .id <<<"$out")
[ "$(connects)" -eq 1 ] || fail "connect placed $(connects) calls"
first=
for _ in $(seq 150); do
    run "${C[@]}" calls show "$ID" -o json
    first=$(jq -r '[.messages[]? | select(.role == "assistant")][0].text // empty' <<<"$out")
    [ -n "$first" ] && break
    sleep 0.1
done
[ "$first" = "Hi Dana, Ava here." ] || fail "first assistant line is '$first', not the override"

[ $fails -eq 0 ] && echo "PASS: test_cli_connect_overrides" || { echo "$fails failure(s)"; exit 1; }
