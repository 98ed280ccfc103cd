#!/usr/bin/env bash
# test_cli_live.sh — `calltop calls list --live` prints a call as live only
# after a direct GET confirms it. A scripted fake API (python3, loopback)
# lists four calls as ongoing whose GETs say: still ongoing, ended since,
# gone (404), and a 500 (unconfirmed: kept with a warning); then the real
# calltop-sim with a window matched by start time.
# Arg 1: the build directory. Private HOME; loopback only; servers killed by pid.
set -u
BUILD=${1:?usage: test_cli_live.sh BUILD_DIR}
BIN=$BUILD/calltop
[ -x "$BIN" ] || BIN=$BUILD/app/calltop
SIM=$BUILD/sim/calltop-sim
[ -x "$BIN" ] || { echo "FAIL: no calltop binary under $BUILD"; exit 1; }
[ -x "$SIM" ] || { echo "FAIL: no calltop-sim binary under $BUILD"; exit 1; }

TMP=$(mktemp -d /tmp/ct-e2e-live-XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$TMP"; }
trap cleanup EXIT
export HOME=$TMP XDG_CONFIG_HOME= INTERACTLY_API_KEY=demo-key
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
run() { out=$("$@" 2>"$TMP/err"); rc=$?; err=$(cat "$TMP/err"); }

cat >"$TMP/fake.py" <<'EOF'
import json, sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer
now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() - 60))
def call(cid, status, end=False):
    c = {"id": cid, "status": status, "startAt": now, "callType": "web",
         "direction": "inbound", "userNumber": "web-1", "assistantNumber": "web"}
    if end:
        c["endAt"] = now
    return c
LIST = [call("CC-still", "ongoing"), call("CC-ended", "ongoing"), call("CC-gone", "ongoing"),
        call("CC-unknown", "ongoing"), call("CC-old", "finished", True)]
GET = {"CC-still": (200, dict(call("CC-still", "ongoing"), messages=[])),
       "CC-ended": (200, dict(call("CC-ended", "finished", True), messages=[])),
       "CC-gone": (404, {"detail": "Conversation not found"}),
       "CC-unknown": (500, {"detail": "Internal Server Error"})}
class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        sys.stderr.write(self.requestline + "\n")
    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/calls/v1/conversations":
            self.answer(200, {"totalCount": len(LIST), "conversations": LIST})
        elif path.startswith("/calls/v1/conversations/"):
            self.answer(*GET.get(path.rsplit("/", 1)[1], (404, {"detail": "Conversation not found"})))
        else:
            self.answer(404, {"detail": "Not Found"})
srv = HTTPServer(("127.0.0.1", 0), H)
print("listening on http://127.0.0.1:%d" % srv.server_address[1], flush=True)
srv.serve_forever()
EOF

# start NAME CMD...: runs a server printing "listening on URL", sets $URL
start() {
    local name=$1; shift
    "$@" >"$TMP/$name.out" 2>"$TMP/$name.log" &
    PIDS+=($!)
    URL=
    for _ in $(seq 100); do
        URL=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$TMP/$name.out" 2>/dev/null)
        [ -n "$URL" ] && return 0
        sleep 0.05
    done
    echo "FAIL: $name did not start: $(cat "$TMP/$name.log")"; exit 1
}

start fake python3 "$TMP/fake.py"
run "$BIN" --base-url "$URL" calls list --live
[ $rc -eq 0 ] || fail "list --live exited $rc: $err"
grep -q 'CC-still' <<<"$out" || fail "a confirmed live call is missing: $out"
grep -q 'CC-ended' <<<"$out" && fail "a call that ended since the list was shown as live: $out"
grep -q 'CC-gone' <<<"$out" && fail "a call the API no longer has was shown: $out"
grep -q 'CC-unknown' <<<"$out" || fail "an unconfirmed call was hidden: $out"
grep -q 'CC-old' <<<"$out" && fail "a finished call was listed as live: $out"
grep -q '^2 live calls in the last 24h' <<<"$err" || fail "count line (stderr): $err"
grep -q 'warning: 1 live call(s) could not be re-checked' <<<"$err" || fail "no warning: $err"
for id in CC-still CC-ended CC-gone CC-unknown; do
    grep -q "GET /calls/v1/conversations/$id " "$TMP/fake.log" || fail "$id was not re-checked"
done
grep -q "GET /calls/v1/conversations/CC-old " "$TMP/fake.log" && fail "a finished call was re-checked"

run "$BIN" --base-url "$URL" calls list --live --json
[ $rc -eq 0 ] || fail "list --live --json exited $rc: $err"
python3 - "$out" <<'EOF' || fail "--json: $out"
import json, sys
d = json.loads(sys.argv[1])
ids = [c["id"] for c in d["conversations"]]
assert ids.count("CC-still") == 1 and "CC-ended" not in ids and "CC-gone" not in ids, ids
assert d["totalCount"] == len(ids) == 2, d
assert all("messages" not in c for c in d["conversations"])
EOF

# The real simulator: a window matched by start time still shows its live calls.
start sim "$SIM" --port 0 --api-key demo-key --seed 3 --history 20 --calls 3 --rate 0 \
    --speed 0.01 --list-window started-in --status-completed
run "$BIN" --base-url "$URL" calls list --live
[ $rc -eq 0 ] || fail "sim list --live exited $rc: $err"
grep -q '^3 live calls in the last 24h' <<<"$err" || fail "sim live count (stderr): $err"
run "$BIN" --base-url "$URL" calls list
grep -q 'completed' <<<"$out" || fail "the sim's completed calls are missing: $out"

[ $fails -eq 0 ] && echo "PASS: test_cli_live" || { echo "$fails failure(s)"; exit 1; }
