#!/usr/bin/env bash
# test_tls_ca_file.sh — issue 13 item 14: `ca-file` (flag, env, config) is
# trusted by the API client and the relay client, and a refused certificate
# is named in words (self-signed, unknown CA, hostname mismatch, unreadable
# ca-file) instead of "error:00000001:lib(0)::reason(1)". Certificates are
# made here with openssl; the TLS servers are `openssl s_server` on
# 127.0.0.1, stopped by pid. Arg 1: the build directory.
set -u
BUILD=$(cd "${1:?usage: test_tls_ca_file.sh BUILD_DIR}" && pwd)
BIN=$BUILD/calltop
[ -x "$BIN" ] || BIN=$BUILD/app/calltop
SIM=$BUILD/sim/calltop-sim
[ -x "$BIN" ] || { echo "FAIL: no calltop binary under $BUILD"; exit 1; }
command -v openssl >/dev/null || { echo "SKIP: openssl not installed"; exit 0; }

TMP=$(mktemp -d /tmp/ct-e2e-tls-XXXXXX)
PIDS=()
T=(tmux -L "ct-tls-$$")
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    "${T[@]}" kill-server 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
export HOME=$TMP/home
mkdir -p "$HOME"
unset XDG_CONFIG_HOME CALLTOP_RELAY_TOKEN CALLTOP_BASE_URL CALLTOP_RELAY_URL CALLTOP_LOG \
      CALLTOP_READ_ONLY NO_COLOR CALLTOP_CA_FILE SSL_CERT_FILE SSL_CERT_DIR
export INTERACTLY_API_KEY=e2e-tls-key-31c9

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
cd "$TMP" || exit 1

# ---- certificates ----------------------------------------------------------
ossl() { openssl "$@" >/dev/null 2>&1 || { echo "FAIL: openssl $1 failed"; exit 1; }; }
# self-signed, valid for 127.0.0.1
ossl req -x509 -newkey rsa:2048 -nodes -keyout self.key -out self.pem -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1
# a private CA and a leaf it signs for 127.0.0.1
ossl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=calltop test CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign
ossl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj /CN=127.0.0.1
printf 'subjectAltName=IP:127.0.0.1\n' >leaf.ext
ossl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 2 \
    -extfile leaf.ext

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# serve NAME CERT KEY: an `openssl s_server -www` on a free port; sets PORT
serve() {
    PORT=$(free_port)
    openssl s_server -accept "127.0.0.1:$PORT" -cert "$2" -key "$3" -www -quiet \
        >"$1.out" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0
        sleep 0.05
    done
    echo "FAIL: s_server $1 did not start: $(cat "$1.out")"; exit 1
}
serve self self.pem self.key; SELF=$PORT
serve leaf leaf.pem leaf.key; LEAF=$PORT

run() { out=$("$@" 2>&1); rc=$?; }

# ---- the API client (libcurl) -------------------------------------------------
run "$BIN" --base-url "https://127.0.0.1:$SELF" numbers
[ $rc -eq 4 ] && grep -q "the server's certificate is self-signed: trust its CA with --ca-file" <<<"$out" \
    || fail "self-signed not named: rc=$rc $out"
run "$BIN" --base-url "https://127.0.0.1:$LEAF" numbers
[ $rc -eq 4 ] && grep -q "signed by an unknown CA" <<<"$out" || fail "unknown CA not named: rc=$rc $out"
# trusted through ca-file: TLS succeeds (s_server then answers HTML, not JSON)
for how in flag env config; do
    case $how in
        flag) run "$BIN" --ca-file "$TMP/ca.pem" --base-url "https://127.0.0.1:$LEAF" numbers ;;
        env) run env CALLTOP_CA_FILE="$TMP/ca.pem" "$BIN" --base-url "https://127.0.0.1:$LEAF" numbers ;;
        config) printf 'ca-file = %s\n' "$TMP/ca.pem" >cfg; run "$BIN" --config "$TMP/cfg" \
                    --base-url "https://127.0.0.1:$LEAF" numbers ;;
    esac
    grep -q 'TLS failure' <<<"$out" && fail "ca-file by $how not trusted: $out"
    grep -q 'cannot read' <<<"$out" || fail "ca-file by $how: expected the HTML answer after TLS: $out"
done
run "$BIN" --ca-file "$TMP/self.pem" --base-url "https://127.0.0.1:$SELF" numbers
grep -q 'TLS failure' <<<"$out" && fail "a self-signed certificate given as ca-file is not trusted: $out"
run "$BIN" --ca-file "$TMP/ca.pem" --base-url "https://localhost:$LEAF" numbers
[ $rc -eq 4 ] && grep -q "hostname mismatch" <<<"$out" || fail "hostname mismatch not named: $out"
run "$BIN" --ca-file "$TMP/nope.pem" --base-url "https://127.0.0.1:$LEAF" numbers
[ $rc -eq 4 ] && grep -q "the ca-file cannot be read" <<<"$out" || fail "missing ca-file: $out"
run "$BIN" config --ca-file "$TMP/ca.pem"
run "$BIN" --ca-file "$TMP/ca.pem" config
grep -Eq "^ca-file +$TMP/ca.pem +flag --ca-file" <<<"$out" || fail "calltop config lacks ca-file: $out"

# ---- the relay client (libwebsockets), on the board -----------------------------
if command -v tmux >/dev/null && [ -x "$SIM" ]; then
    "$SIM" --port 0 --api-key "$INTERACTLY_API_KEY" --history 3 --calls 1 --rate 0 >sim.out 2>sim.log &
    PIDS+=($!)
    URL=
    for _ in $(seq 100); do
        URL=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' sim.out 2>/dev/null)
        [ -n "$URL" ] && break
        sleep 0.05
    done
    board() {   # board NAME ARGS: a board with a wss relay in its own session
        "${T[@]}" new-session -d -x 170 -y 30 -s "$1" \
            "CALLTOP_RELAY_TOKEN=tok exec $BIN --base-url $URL --log $TMP/$1.log $2"
    }
    board self "--relay-url wss://127.0.0.1:$SELF/"
    board ca "--relay-url wss://127.0.0.1:$LEAF/ --ca-file $TMP/ca.pem"
    board unknown "--relay-url wss://127.0.0.1:$LEAF/"
    for _ in $(seq 100); do
        grep -q 'relay TLS' "$TMP/self.log" 2>/dev/null && grep -q 'relay TLS' "$TMP/unknown.log" \
            2>/dev/null && grep -q 'monitor: RECONNECTING' "$TMP/ca.log" 2>/dev/null && break
        sleep 0.1
    done
    grep -q "relay TLS: the server's certificate is self-signed" "$TMP/self.log" \
        || fail "relay: self-signed not named: $(grep monitor "$TMP/self.log" | head -3)"
    grep -q "relay TLS: the server's certificate is signed by an unknown CA" "$TMP/unknown.log" \
        || fail "relay: unknown CA not named: $(grep monitor "$TMP/unknown.log" | head -3)"
    grep -q 'relay TLS' "$TMP/ca.log" && fail "relay: ca-file not trusted: $(grep monitor "$TMP/ca.log" | head -3)"
    grep -q 'monitor: RECONNECTING' "$TMP/ca.log" || fail "relay with ca-file never tried"
    "${T[@]}" capture-pane -p -t self | grep -q "relay TLS: the server's certificate is self-signed" \
        || fail "the board does not show the relay TLS problem"
else
    echo "skip: relay part (no tmux or calltop-sim)"
fi

[ $fails -eq 0 ] && echo "ok: TLS ca-file and words" || echo "$fails failure(s)"
exit $((fails > 0))
