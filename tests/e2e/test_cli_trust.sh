#!/usr/bin/env bash
# test_cli_trust.sh — issue 13 (operator trust), the CLI half: ids that would
# change the request path are refused before anything is sent (7); an output
# write error exits non-zero with a message (8); summaries go to stderr,
# --json escapes C1 controls, -o table|json|csv (9); every command answers
# --help and errors point there (10); a 404 to list/numbers blames --base-url
# (13). Arg 1: the build directory. Private HOME; loopback only; every server
# is stopped by its pid.
set -u
BUILD=${1:?usage: test_cli_trust.sh BUILD_DIR}
BIN=$BUILD/calltop
[ -x "$BIN" ] || BIN=$BUILD/app/calltop
SIM=$BUILD/sim/calltop-sim
[ -x "$BIN" ] || { echo "FAIL: no calltop binary under $BUILD"; exit 1; }
[ -x "$SIM" ] || { echo "FAIL: no calltop-sim binary under $BUILD"; exit 1; }

TMP=$(mktemp -d /tmp/ct-e2e-trust-XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT
export HOME=$TMP/home
mkdir -p "$HOME"
unset XDG_CONFIG_HOME CALLTOP_RELAY_TOKEN CALLTOP_BASE_URL CALLTOP_RELAY_URL CALLTOP_LOG \
      CALLTOP_READ_ONLY NO_COLOR CALLTOP_CA_FILE CALLTOP_EXPORT_DIR
KEY=e2e-key-trust-5d1c
export INTERACTLY_API_KEY=$KEY

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
run() {
    out=$("$@" 2>"$TMP/stderr"); rc=$?; err=$(cat "$TMP/stderr")
    printf '%s\n%s\n' "$out" "$err" >>"$TMP/all-output"
}

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

start_sim sim --seed 9 --history 12 --calls 2 --rate 0
C=("$BIN" --base-url "$URL")
requests() { grep -c ' /calls/v1\| /assistants/v1' "$TMP/sim.log"; }

# ---- 7: ids refused before anything is sent -------------------------------
before=$(requests)
LONG=$(head -c 300 /dev/zero | tr '\0' a)
for id in . .. "" "a/b" "/" "$LONG" $'a\nb' $'a\x1b[2Jb'; do
    for cmd in "calls show" "calls end" "calls say" "calls dtmf" "calls forward"; do
        case $cmd in
            "calls say") extra=(hello) ;; "calls dtmf") extra=(12) ;;
            "calls forward") extra=(+14155550100) ;; *) extra=() ;;
        esac
        run "${C[@]}" $cmd "$id" "${extra[@]}"
        [ $rc -eq 2 ] && grep -q 'calltop: call id: ' <<<"$err" \
            || fail "$cmd '$id' not refused as an id: rc=$rc $err"
    done
done
run "${C[@]}" calls show ..
grep -q "'.' and '..' are not ids" <<<"$err" || fail "dot-dot reason: $err"
grep -q 'see calltop calls show --help' <<<"$err" || fail "id error does not point at help: $err"
run "${C[@]}" calls connect --from .. --to +14155550100
[ $rc -eq 2 ] && grep -q 'call id' <<<"$err" || fail "connect --from .. : rc=$rc $err"
sleep 0.2
[ "$(requests)" -eq "$before" ] || fail "a refused id still reached the server: $(tail -3 "$TMP/sim.log")"

# ---- 8: write errors ---------------------------------------------------------
if [ -w /dev/full ]; then
    for args in "--help" "--version" "config" "config --sample" "calls --help" \
                "calls list --json" "calls list" "numbers" "numbers --json"; do
        "${C[@]}" $args >/dev/full 2>"$TMP/stderr"; rc=$?
        [ $rc -ne 0 ] && grep -q 'error writing the output' "$TMP/stderr" \
            || fail "'$args > /dev/full' exited $rc: $(cat "$TMP/stderr")"
    done
    SHOW=$("${C[@]}" calls list --since 7d -o json | jq -r '.conversations[0].id')
    "${C[@]}" calls show "$SHOW" >/dev/full 2>"$TMP/stderr"; rc=$?
    [ $rc -eq 1 ] || fail "show > /dev/full exited $rc"
else
    echo "skip: no writable /dev/full"
fi

# ---- 9: stderr summaries, -o, C1 escaping ------------------------------------
run "${C[@]}" calls list --since 7d -o csv
[ $rc -eq 0 ] || fail "list -o csv: rc=$rc $err"
head -1 <<<"$out" | grep -q $'^id,status,phone,dir,type,user,assistant#,started,duration\r$' \
    || fail "csv header: $(head -1 <<<"$out" | od -c | head -3)"
n_rows=$(($(wc -l <<<"$out") - 1))
grep -Eq "^$n_rows calls? in the last 7d$" <<<"$err" || fail "csv rows ($n_rows) vs summary: $err"
python3 -c 'import csv,sys; rows=list(csv.reader(sys.stdin)); assert all(len(r)==9 for r in rows), rows' \
    <<<"$out" || fail "csv does not parse as 9 columns"
run "${C[@]}" numbers -o csv
[ $rc -eq 0 ] && head -1 <<<"$out" | grep -q '^id,number,label' || fail "numbers -o csv: $out"
run "${C[@]}" calls list -ojson
[ $rc -eq 0 ] && jq -e '.conversations' >/dev/null <<<"$out" || fail "-ojson: rc=$rc"
run "${C[@]}" calls list --json -o csv
[ $rc -eq 2 ] || fail "--json with -o csv accepted: rc=$rc"
run "${C[@]}" calls list -o yaml
[ $rc -eq 2 ] && grep -q "'yaml' is not a format" <<<"$err" || fail "-o yaml: rc=$rc $err"
run "${C[@]}" calls show x -o csv
[ $rc -eq 2 ] || fail "show -o csv accepted: rc=$rc"
# A server that puts C1 controls (U+009B is CSI) in a call's text: --json
# must print them escaped, never as raw bytes a terminal would act on.
cat >"$TMP/c1.py" <<'EOF'
import http.server, json, sys
call = {"id": "C1-call", "status": "finished", "customer": {"name": "evil\u009b31mred\u0085x"},
        "messages": [{"role": "user", "message": "hi\u009d0;title\u009c", "time": 1}]}
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps(call, ensure_ascii=False).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
EOF
python3 "$TMP/c1.py" >"$TMP/c1.port" 2>"$TMP/c1.log" &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$TMP/c1.port" ] && break; sleep 0.05; done
C1URL=http://127.0.0.1:$(cat "$TMP/c1.port")
"$BIN" --base-url "$C1URL" calls show C1-call --json >"$TMP/c1.json" 2>"$TMP/stderr"; rc=$?
[ $rc -eq 0 ] || fail "show --json from the C1 server: rc=$rc $(cat "$TMP/stderr")"
if LC_ALL=C grep -q $'\xc2[\x80-\x9f]' "$TMP/c1.json"; then fail "--json printed raw C1 bytes"; fi
grep -q 'evil\\u009b31mred\\u0085x' "$TMP/c1.json" || fail "C1 not escaped: $(cat "$TMP/c1.json")"
[ "$(jq -r '.customer.name' <"$TMP/c1.json")" = $'evil\xc2\x9b31mred\xc2\x85x' ] \
    || fail "escaped JSON does not decode to the server's text"

# ---- 10: help below the top level --------------------------------------------
for args in "calls --help" "calls -h" "calls list --help" "calls show --help" \
            "calls connect --help" "calls end --help" "calls say --help" "numbers --help" \
            "config --help"; do
    # no key and a broken config must not stop help
    out=$(INTERACTLY_API_KEY= "$BIN" --config /nonexistent $args 2>&1); rc=$?
    [ $rc -eq 0 ] && grep -q '^Usage: calltop' <<<"$out" || fail "'$args' rc=$rc: $out"
done
run "$BIN" calls list --help
grep -q -- '--since DURATION' <<<"$out" && grep -q -- '-o, --output FORMAT' <<<"$out" \
    || fail "calls list --help lacks its options: $out"
! grep -q 'calls show' <<<"$out" || fail "calls list --help shows other commands"
run "$BIN" calls list --bogus
[ $rc -eq 2 ] && grep -q 'see calltop calls list --help' <<<"$err" || fail "error hint: $err"
grep -rq 'docs/cli.md' "$TMP/all-output" && fail "an error still points at docs/cli.md"
run "$BIN" calls nope
[ $rc -eq 2 ] && grep -q 'see calltop calls --help' <<<"$err" || fail "unknown subcommand: $err"
# the help text and the man page come from one table
MAN=$("$BIN" help-man)
for opt in 'since DURATION' 'output FORMAT' 'message TEXT' 'meta KEY=VALUE'; do
    grep -q -- "$(sed 's/ .*//' <<<"$opt")" <<<"$MAN" || fail "man page lacks --$opt"
done

# ---- 13: 404 on list/numbers names the base URL -------------------------------
for cmd in "calls list" "numbers"; do
    run "$BIN" --base-url "$URL/not-the-api" $cmd
    [ $rc -eq 2 ] && grep -q "\-\-base-url is probably wrong: $URL/not-the-api answered HTTP 404" <<<"$err" \
        || fail "$cmd on a wrong base URL: rc=$rc $err"
    grep -q 'call may have been deleted' <<<"$err" && fail "$cmd 404 still blames a deleted call"
done
run "${C[@]}" calls show CC-does-not-exist
[ $rc -eq 3 ] && grep -q 'not found' <<<"$err" || fail "show of a missing call: rc=$rc $err"

# ---- 11: the README's config example keeps the key intact ---------------------
# the sim accepts only $KEY: a comment glued into the key would be a 401 (exit 3)
mkdir -p "$TMP/cfg"
printf 'base-url = %s   # the simulator\napi-key = %s            # secrets only here\n' \
    "$URL" "$KEY" >"$TMP/cfg/config"
chmod 600 "$TMP/cfg/config"
INTERACTLY_API_KEY= "$BIN" --config "$TMP/cfg/config" numbers >/dev/null 2>"$TMP/stderr"; rc=$?
[ $rc -eq 0 ] || fail "api-key with a trailing comment: rc=$rc $(cat "$TMP/stderr")"
# the README's own example block parses, and without a warning
sed -n '/^```ini$/,/^```$/p' "$(dirname "$0")/../../README.md" | sed '1d;$d' >"$TMP/cfg/readme"
chmod 600 "$TMP/cfg/readme"
out=$("$BIN" --config "$TMP/cfg/readme" config 2>&1); rc=$?
[ $rc -eq 0 ] || fail "README config example does not load: $out"
grep -q WARNING <<<"$out" && fail "README config example warns: $out"
printf 'api-key = %s#prod\n' "$KEY" >"$TMP/cfg/glued"; chmod 600 "$TMP/cfg/glued"
out=$(INTERACTLY_API_KEY= "$BIN" --config "$TMP/cfg/glued" config 2>&1)
grep -q "WARNING: api-key (from file .*glued:1) contains '#'" <<<"$out" \
    || fail "no warning for a value holding '#': $out"
grep -q "$KEY" <<<"$out" && fail "the warning printed the key"
# the sample config states the same rule
"$BIN" config --sample | grep -q "after a blank" || fail "--sample does not state the comment rule"

# ---- 12: --config that is not a regular file -------------------------------------
mkfifo "$TMP/cfg/fifo"
out=$(timeout 10 "$BIN" --config "$TMP/cfg/fifo" config 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q 'is a FIFO (named pipe): it must be a regular file' <<<"$out" \
    || fail "--config FIFO: rc=$rc (124 = hung) $out"
out=$(timeout 10 "$BIN" --config "$TMP/cfg" config 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q 'is a directory' <<<"$out" || fail "--config DIR: rc=$rc $out"

# ---- the key never printed -------------------------------------------------
grep -q "$KEY" "$TMP/all-output" && fail "the API key was printed"

[ $fails -eq 0 ] && echo "ok: CLI trust checks pass" || echo "$fails failure(s)"
exit $((fails > 0))
