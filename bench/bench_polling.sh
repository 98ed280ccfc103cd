#!/usr/bin/env bash
# bench_polling.sh BUILD_DIR — issue 11's POLLING figures, measured from
# outside on the real binaries: calltop (in tmux, no relay) reaches
# calltop-sim (--latency-ms 150, 20 live calls, 1,000 or 10,000 history
# calls spread over 23 h) through tests/e2e/lib/http_tap.py, which logs
# every request and every response byte.
#
# Figures (each printed with its method):
#   steady-state requests/min and KB/min after the first full list, for the
#   new schedule (defaults) and the old one side by side: the old board
#   re-read the whole 24-h list every 5 s, emulated with
#   --full-refresh-interval 5 --poll-interval 60;
#   status change -> board: a live call ended over REST (the CLI, directly
#   to the simulator) until its row no longer says live; p50/p95 of N;
#   API return -> last ghost settled: the tap frozen 10 s while 3 calls end,
#   then SIGCONT until no row is unconfirmed and none of them is live.
# BENCH_POLL_SECS (default 60) is each steady-state window; BENCH_POLL_N
# (default 12) the status-change samples. Loopback only; every process is
# stopped by its pid. Prints figures; passes or fails on nothing.
set -u
BUILD=${1:-build}
BIN=$BUILD/calltop
SIM=$BUILD/sim/calltop-sim
HERE=$(cd "$(dirname "$0")" && pwd)
TAP=$HERE/../tests/e2e/lib/http_tap.py
SECS=${BENCH_POLL_SECS:-60}
NSAMPLES=${BENCH_POLL_N:-12}
for b in "$BIN" "$SIM"; do [ -x "$b" ] || { echo "missing $b"; exit 1; }; done
command -v tmux >/dev/null && command -v python3 >/dev/null && command -v jq >/dev/null ||
    { echo "bench_polling: needs tmux, python3 and jq"; exit 0; }

TMP=$(mktemp -d /tmp/ct-bench-poll-XXXXXX)
T=(tmux -L ct-bench-poll-$$)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    "${T[@]}" kill-server 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
export HOME=$TMP/home LANG=C.UTF-8 LC_ALL=C.UTF-8
mkdir -p "$HOME"
unset XDG_CONFIG_HOME CALLTOP_BASE_URL CALLTOP_RELAY_URL CALLTOP_RELAY_TOKEN CALLTOP_LOG NO_COLOR
KEY=bench-poll-key-0c4e
export INTERACTLY_API_KEY=$KEY
"${T[@]}" new-session -d -s keep "sleep 3600"

S=none
screen() { "${T[@]}" capture-pane -p -t "$S" 2>/dev/null; }
now() { date +%s.%N; }
ms() { date +%s%3N; }

start_sim() {   # args: history; sets SIM_URL SIM_PORT SIM_PID
    rm -f "$TMP/sim.out"   # before the fork: the last run's line must never be read
    "$SIM" --port 0 --api-key "$KEY" --seed 31 --history "$1" --history-span 23h --calls 20 \
        --rate 0.5 --latency-ms 150 >"$TMP/sim.out" 2>"$TMP/sim.log" &
    SIM_PID=$!; PIDS+=($SIM_PID)
    SIM_URL=
    for _ in $(seq 200); do
        SIM_URL=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$TMP/sim.out" 2>/dev/null)
        [ -n "$SIM_URL" ] && break; sleep 0.05
    done
    SIM_PORT=${SIM_URL##*:}
}
start_tap() {   # args: log; sets TAP_PID TAP_PORT
    rm -f "$TMP/tap.out"
    python3 "$TAP" 0 "$SIM_PORT" "$1" >"$TMP/tap.out" 2>"$TMP/tap.err" &
    TAP_PID=$!; PIDS+=($TAP_PID)
    TAP_PORT=
    for _ in $(seq 200); do
        TAP_PORT=$(sed -n 's/^listening on \([0-9]*\)/\1/p' "$TMP/tap.out" 2>/dev/null)
        [ -n "$TAP_PORT" ] && break; sleep 0.05
    done
}
stop() { kill -CONT "$1" 2>/dev/null; kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
board() {   # args: session, extra flags
    S=$1; shift
    "${T[@]}" new-session -d -x 160 -y 45 -s "$S" \
        "exec $BIN --base-url http://127.0.0.1:$TAP_PORT $* --log $TMP/$S.log"
    BOARD_PID=$("${T[@]}" display-message -p -t "$S" '#{pane_pid}')
    PIDS+=($BOARD_PID)
}
# waits until the second list read begins (one list read is in flight at
# a time, so the start-up walk of the whole window is over), then 2 s more
wait_loaded() {
    local end=$((SECONDS + 120))
    while [ $SECONDS -lt $end ]; do
        [ "$(grep -c 'conversations?.*[?&]page=1&' "$1")" -ge 2 ] && break
        sleep 0.2
    done
    sleep 2
}
steady() {   # args: label history flags...
    local label=$1 hist=$2; shift 2
    start_sim "$hist"
    start_tap "$TMP/tap.log"
    : >"$TMP/tap.log"
    board "b$$" "$@"
    wait_loaded "$TMP/tap.log"
    local t0 t1
    t0=$(now); sleep "$SECS"; t1=$(now)
    awk -v a="$t0" -v b="$t1" -v label="$label" -v hist="$hist" '
        $1 >= a && $1 < b && ($2 == "GET" || $2 == "POST") { n++; if ($3 ~ /conversations\?/) l++ }
        $1 >= a && $1 < b && $2 == "BYTES" { by += $3 }
        END { m = (b - a) / 60;
              printf "polling.%s.%d_history  %.1f req/min (%.1f list reads/min)  %.0f KB/min  [target <= 60 req/min, <= 300 KB/min]  %s\n",
                     label, hist, n / m, l / m, by / 1024 / m,
                     (label == "new" && n / m <= 60 && by / 1024 / m <= 300) ? "ok" : (label == "new" ? "MISSES TARGET" : "(old schedule, for comparison)") }' \
        "$TMP/tap.log"
    "${T[@]}" kill-session -t "b$$" 2>/dev/null
    stop "$TAP_PID"; stop "$SIM_PID"
}

echo "# bench_polling: calltop-sim --latency-ms 150, 20 live calls, ${SECS} s windows (method: bench/bench_polling.sh)"
for hist in 1000 10000; do
    steady new "$hist"
    steady old "$hist" --full-refresh-interval 5 --poll-interval 60
done

# ---- a status change in the simulator -> the board, POLLING -------------------------
start_sim 1000
start_tap "$TMP/tap2.log"
board "lat$$"
wait_loaded "$TMP/tap2.log"
rest() { "$BIN" --base-url "$SIM_URL" "$@" 2>/dev/null; }
lat=()
for _ in $(seq "$NSAMPLES"); do
    # the newest ongoing call with a phone number: its row is on screen
    j=$(rest calls list --live --json | jq -r '[.conversations[] | select(.status == "ongoing" and (.userNumber // "" | startswith("+")))] | first // empty | "\(.id) \(.userNumber)"')
    [ -n "$j" ] || { sleep 1; continue; }
    id=${j%% *}; who=${j#* }
    screen | grep -F -- "$who" | grep -qE "● live" || { sleep 1; continue; }
    t0=$(ms)
    rest calls end "$id" >/dev/null || continue
    end=$((SECONDS + 20))
    while screen | grep -F -- "$who" | grep -qE "● live|○ live" && [ $SECONDS -lt $end ]; do sleep 0.05; done
    lat+=($(( $(ms) - t0 )))
    sleep 0.$((RANDOM % 9 + 1))
done
printf '%s\n' "${lat[@]}" | sort -n | awk -v n="${#lat[@]}" '
    { v[NR] = $1 } END { if (!n) { print "polling.status_to_board  no samples"; exit }
      p50 = v[int((n - 1) * 0.5) + 1]; p95 = v[int((n - 1) * 0.95) + 1]
      printf "polling.status_to_board  p50 %d ms  p95 %d ms  max %d ms  (%d samples)  [target p95 <= 3000 ms]  %s\n",
             p50, p95, v[n], n, p95 <= 3000 ? "ok" : "MISSES TARGET" }'

# ---- the API returns: time to the last ghost settled ----------------------------------
j=$(rest calls list --live --json | jq -r '[.conversations[] | select(.status == "ongoing" and (.userNumber // "" | startswith("+")))] | .[0:3][] | "\(.id) \(.userNumber)"')
kill -STOP "$TAP_PID"
sleep 10
whos=()
while read -r id who; do
    [ -n "$id" ] || continue
    if "$BIN" --base-url "$SIM_URL" calls end "$id" >/dev/null 2>"$TMP/end.err"; then whos+=("$who")
    else echo "note: calls end $id: $(cat "$TMP/end.err")" >&2; fi
done <<<"$j"
t0=$(ms)
kill -CONT "$TAP_PID"
end=$((SECONDS + 30))
while [ $SECONDS -lt $end ]; do
    s=$(screen)
    ghost=0
    grep -q "live?" <<<"$s" && ghost=1
    for w in "${whos[@]}"; do grep -F -- "$w" <<<"$s" | grep -qE "● live|○ live" && ghost=1; done
    [ $ghost -eq 0 ] && break
    sleep 0.05
done
echo "polling.api_return_to_last_ghost_settled  $(( $(ms) - t0 )) ms  (tap frozen 10 s, ${#whos[@]} calls ended meanwhile; poll-interval 3 s)"
