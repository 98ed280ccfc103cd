#!/usr/bin/env bash
# test_doctor.sh — `calltop doctor` against the real calltop-sim and
# calltop-relay: all checks pass (exit 0) on a healthy setup; a wrong API key,
# a wrong relay token, a wrong webhook secret, an unreachable API and a
# world-readable config file holding a key each fail (exit 1) with a remedy;
# the list behaviour is reported; -o json is valid JSON; the doctor sends
# nothing but GETs to the API (never places or changes a call); secrets never
# reach its output.
# Arg 1: the build directory. Private HOME; loopback only; servers killed by pid.
set -u
BUILD=${1:?usage: test_doctor.sh BUILD_DIR}
BIN=$BUILD/calltop
[ -x "$BIN" ] || BIN=$BUILD/app/calltop
SIM=$BUILD/sim/calltop-sim
RELAY=$BUILD/relay/calltop-relay
for b in "$BIN" "$SIM" "$RELAY"; do [ -x "$b" ] || { echo "FAIL: no $b"; exit 1; }; done
command -v jq >/dev/null || { echo "FAIL: jq is needed (tools/install-deps installs it)"; exit 1; }

TMP=$(mktemp -d /tmp/ct-e2e-doctor-XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT
export HOME=$TMP/home
mkdir -p "$HOME"
unset XDG_CONFIG_HOME CALLTOP_RELAY_TOKEN CALLTOP_BASE_URL CALLTOP_RELAY_URL CALLTOP_LOG \
      CALLTOP_READ_ONLY NO_COLOR CALLTOP_WEBHOOK_SECRET
KEY=doctor-key-5c1e
TOKEN=doctor-token-83a2
SECRET=doctor-secret-19fd
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
run() {   # run ARGS...: $out, $rc; everything printed is kept for the secrets check
    out=$("$@" 2>"$TMP/stderr"); rc=$?
    cat "$TMP/stderr" >>"$TMP/all-output"; printf '%s\n' "$out" >>"$TMP/all-output"
}
status_of() { jq -r --arg n "$1" '.checks[] | select(.name == $n) | .status' <<<"$out"; }
detail_of() { jq -r --arg n "$1" '.checks[] | select(.name == $n) | .detail' <<<"$out"; }
remedy_of() { jq -r --arg n "$1" '.checks[] | select(.name == $n) | .remedy // ""' <<<"$out"; }

wait_listening() {   # wait_listening FILE: prints the port from "listening on ..."
    for _ in $(seq 100); do
        p=$(sed -n 's/^listening on [a-z]*:\/\/[^ ]*:\([0-9]*\)$/\1/p' "$1" 2>/dev/null)
        [ -n "$p" ] && { echo "$p"; return 0; }
        sleep 0.05
    done
    return 1
}

"$SIM" --port 0 --api-key "$KEY" --seed 3 --history 40 --calls 3 --rate 0 --verbose \
    >"$TMP/sim.out" 2>"$TMP/sim.log" &
PIDS+=($!)
SIM_PORT=$(wait_listening "$TMP/sim.out") || { echo "FAIL: sim did not start"; exit 1; }
API=http://127.0.0.1:$SIM_PORT
CALLTOP_WEBHOOK_SECRET=$SECRET CALLTOP_RELAY_TOKEN=$TOKEN "$RELAY" --listen 127.0.0.1:0 \
    >"$TMP/relay.out" 2>"$TMP/relay.log" &
PIDS+=($!)
RELAY_PORT=$(wait_listening "$TMP/relay.out") || { echo "FAIL: relay did not start"; exit 1; }
WS=ws://127.0.0.1:$RELAY_PORT/monitor

# ---- a healthy setup: every check passes -------------------------------------
run env INTERACTLY_API_KEY=$KEY CALLTOP_RELAY_TOKEN=$TOKEN CALLTOP_WEBHOOK_SECRET=$SECRET \
    "$BIN" --base-url "$API" --relay-url "$WS" doctor -o json
[ $rc -eq 0 ] || fail "healthy setup: exit $rc: $out"
jq -e '.ok == true' >/dev/null <<<"$out" || fail "healthy: ok is not true"
for c in config api "api key" numbers outbound "list calls" relay "relay protocol" "relay token" \
         "webhook round trip"; do
    [ "$(status_of "$c")" = ok ] || fail "healthy: check '$c' is '$(status_of "$c")': $(detail_of "$c")"
done
[ "$(status_of clock)" = skip ] || fail "clock: the sim sends no Date header, expected skip"
detail_of "list sort" | grep -q "newest first" || fail "list sort: $(detail_of "list sort")"
detail_of "list page size" | grep -q "largest accepted: 100" \
    || fail "list page size (sim caps at 100): $(detail_of "list page size")"
detail_of "list live calls" | grep -q "^3 live calls" || fail "live calls: $(detail_of "list live calls")"
detail_of "list end state" | grep -q '"finished" [1-9]' || fail "end state: $(detail_of "list end state")"
detail_of "webhook round trip" | grep -q "calltop-doctor-" || fail "round trip: $(detail_of "webhook round trip")"

# a relay-url without a path means /monitor (the sample config's form), for the board and the doctor
for url in "ws://127.0.0.1:$RELAY_PORT/" "ws://127.0.0.1:$RELAY_PORT"; do
    run env INTERACTLY_API_KEY=$KEY CALLTOP_RELAY_TOKEN=$TOKEN "$BIN" --base-url "$API" \
        --relay-url "$url" doctor -o json
    [ "$(status_of "relay token")" = ok ] || fail "relay-url $url: $(detail_of "relay token")"
done

# the text form: one row per check, exit 0
run env INTERACTLY_API_KEY=$KEY "$BIN" --base-url "$API" doctor
[ $rc -eq 0 ] || fail "text: exit $rc"
grep -q '^\[ ok \] api key' <<<"$out" || fail "text: no api key row: $out"
grep -q '^\[skip\] relay .*no relay-url' <<<"$out" || fail "text: relay not skipped: $out"

# ---- failures, each with a remedy ------------------------------------------------
run env INTERACTLY_API_KEY=wrong-key "$BIN" --base-url "$API" doctor -o json
[ $rc -eq 1 ] || fail "wrong key: exit $rc"
[ "$(status_of "api key")" = fail ] || fail "wrong key: api key is $(status_of "api key")"
remedy_of "api key" | grep -qi "key" || fail "wrong key: no remedy"
[ -z "$(status_of "list calls")" ] || fail "wrong key: the list was still probed"

run env INTERACTLY_API_KEY=$KEY CALLTOP_RELAY_TOKEN=wrong-token "$BIN" --base-url "$API" \
    --relay-url "$WS" doctor -o json
[ $rc -eq 1 ] || fail "wrong token: exit $rc"
[ "$(status_of relay)" = ok ] || fail "wrong token: relay reachability is $(status_of relay)"
[ "$(status_of "relay token")" = fail ] || fail "wrong token: relay token is $(status_of "relay token")"
detail_of "relay token" | grep -q "refused the token" || fail "wrong token: $(detail_of "relay token")"
remedy_of "relay token" | grep -q "relay-token" || fail "wrong token: remedy: $(remedy_of "relay token")"

run env INTERACTLY_API_KEY=$KEY CALLTOP_RELAY_TOKEN=$TOKEN CALLTOP_WEBHOOK_SECRET=wrong-secret \
    "$BIN" --base-url "$API" --relay-url "$WS" doctor -o json
[ $rc -eq 1 ] || fail "wrong secret: exit $rc"
[ "$(status_of "webhook round trip")" = fail ] || fail "wrong secret: round trip $(status_of "webhook round trip")"
remedy_of "webhook round trip" | grep -q CALLTOP_WEBHOOK_SECRET || fail "wrong secret: remedy"

# nothing listens on port 1 (privileged, unused)
run env INTERACTLY_API_KEY=$KEY "$BIN" --base-url http://127.0.0.1:1 --relay-url ws://127.0.0.1:1/monitor \
    doctor -o json
[ $rc -eq 1 ] || fail "unreachable: exit $rc"
[ "$(status_of api)" = fail ] && [ "$(status_of relay)" = fail ] || fail "unreachable: $out"
remedy_of api | grep -q "port" || fail "unreachable: remedy: $(remedy_of api)"

# a config file holding the key, readable by others: calltop refuses it; the doctor says why
mkdir -p "$HOME/.config/calltop"
printf 'api-key = %s\nbase-url = %s\n' "$KEY" "$API" >"$HOME/.config/calltop/config"
chmod 644 "$HOME/.config/calltop/config"
run "$BIN" doctor -o json
[ $rc -eq 1 ] || fail "0644 config with a key: exit $rc"
[ "$(status_of config)" = fail ] || fail "0644 config: config is $(status_of config)"
remedy_of config | grep -q "chmod 600" || fail "0644 config: remedy: $(remedy_of config)"
[ "$(status_of api)" = skip ] || fail "0644 config: the API was checked with half-loaded settings"
printf 'bogus-key = 1\n' >"$HOME/.config/calltop/config"
run "$BIN" doctor -o json
[ $rc -eq 1 ] && [ "$(status_of config)" = fail ] || fail "unknown key: exit $rc, config $(status_of config)"
detail_of config | grep -q "bogus-key" || fail "unknown key: $(detail_of config)"
printf 'api-key = %s\nbase-url = %s\n' "$KEY" "$API" >"$HOME/.config/calltop/config"
chmod 600 "$HOME/.config/calltop/config"
run "$BIN" doctor -o json
[ $rc -eq 0 ] || fail "0600 config: exit $rc: $out"
detail_of config | grep -q "mode 0600" || fail "0600 config: $(detail_of config)"
rm -f "$HOME/.config/calltop/config"

run "$BIN" doctor -o yaml
[ $rc -eq 2 ] || fail "-o yaml: exit $rc (want 2, usage)"

# ---- the clock: a fake API whose Date header is 2 minutes ahead (and an empty account) ----
cat >"$TMP/fake_api.py" <<'PY'
import email.utils, http.server, sys, time
offset = float(sys.argv[1])
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'[]' if self.path.startswith('/assistants/') else b'{"totalCount":0,"conversations":[]}'
        self.send_response_only(200)   # no automatic Date: ours is skewed
        self.send_header('Date', email.utils.formatdate(time.time() + offset, usegmt=True))
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(('127.0.0.1', 0), Handler)
print('listening on http://127.0.0.1:%d' % server.server_port, flush=True)
server.serve_forever()
PY
for offset in 120 0; do
    python3 "$TMP/fake_api.py" $offset >"$TMP/fake$offset.out" 2>"$TMP/fake$offset.log" &
    PIDS+=($!)
    FAKE_PORT=$(wait_listening "$TMP/fake$offset.out") || { echo "FAIL: fake API did not start"; exit 1; }
    run env INTERACTLY_API_KEY=$KEY "$BIN" --base-url "http://127.0.0.1:$FAKE_PORT" doctor -o json
    if [ $offset = 120 ]; then
        [ $rc -eq 1 ] && [ "$(status_of clock)" = fail ] || fail "2 min skew: exit $rc, clock $(status_of clock)"
        detail_of clock | grep -Eq -- "is 1(19|20|21) s behind" || fail "2 min skew: $(detail_of clock)"
        remedy_of clock | grep -q "timedatectl" || fail "2 min skew: remedy: $(remedy_of clock)"
    else
        [ "$(status_of clock)" = ok ] || fail "no skew: clock $(status_of clock): $(detail_of clock)"
        [ "$(status_of numbers)" = warn ] || fail "no numbers: $(status_of numbers)"
        detail_of "list end state" | grep -q "no ended call" || fail "empty list: $(detail_of "list end state")"
        [ $rc -eq 0 ] || fail "warnings alone must not fail: exit $rc"
    fi
done

# ---- a relay with its own TLS: a self-signed certificate is refused unless --insecure ----
if command -v openssl >/dev/null 2>&1 &&
   openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
       -addext subjectAltName=IP:127.0.0.1 -keyout "$TMP/key.pem" -out "$TMP/cert.pem" >/dev/null 2>&1; then
    chmod 600 "$TMP/key.pem"
    CALLTOP_WEBHOOK_SECRET=$SECRET CALLTOP_RELAY_TOKEN=$TOKEN "$RELAY" --listen 127.0.0.1:0 \
        --cert "$TMP/cert.pem" --key "$TMP/key.pem" >"$TMP/tls.out" 2>"$TMP/tls.log" &
    PIDS+=($!)
    TLS_PORT=$(wait_listening "$TMP/tls.out") || { echo "FAIL: TLS relay did not start"; exit 1; }
    WSS=wss://127.0.0.1:$TLS_PORT/monitor
    run env INTERACTLY_API_KEY=$KEY CALLTOP_RELAY_TOKEN=$TOKEN "$BIN" --base-url "$API" \
        --relay-url "$WSS" doctor -o json
    [ $rc -eq 1 ] && [ "$(status_of relay)" = fail ] || fail "self-signed relay: exit $rc, relay $(status_of relay)"
    remedy_of relay | grep -q "TLS certificate" || fail "self-signed relay: remedy: $(remedy_of relay)"
    run env INTERACTLY_API_KEY=$KEY CALLTOP_RELAY_TOKEN=$TOKEN CALLTOP_WEBHOOK_SECRET=$SECRET \
        "$BIN" --insecure --base-url "$API" --relay-url "$WSS" doctor -o json
    [ $rc -eq 0 ] || fail "--insecure TLS relay: exit $rc: $out"
    detail_of relay | grep -q "TLS NOT verified" || fail "--insecure: the relay row hides it: $(detail_of relay)"
    [ "$(status_of "webhook round trip")" = ok ] || fail "TLS round trip: $(detail_of "webhook round trip")"
else
    echo "skip: openssl is not available: the TLS relay checks did not run"
fi

# ---- it never changes anything on the API, and keeps secrets to itself -----------
grep -E '"?(POST|PUT|PATCH|DELETE) ' "$TMP/sim.log" && fail "the doctor sent a non-GET to the API"
grep -q "GET /calls/v1/conversations" "$TMP/sim.log" || fail "the sim log shows no list GET (log format changed?)"
for s in "$KEY" "$TOKEN" "$SECRET"; do
    grep -q -- "$s" "$TMP/all-output" && fail "a secret ($s) appeared in the doctor's output"
done

[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "ok: calltop doctor"
