#!/usr/bin/env bash
# test_cli_config.sh — the real calltop binary's front door: --help lists
# every flag, --version, usage errors exit 2, secrets refused on argv,
# `calltop config` never prints a key from the environment, and a config
# file holding a secret with mode 0644 is refused with the chmod hint.
# Arg 1: the build directory. Runs in a private HOME; no network.
set -u
BUILD=${1:?usage: test_cli_config.sh BUILD_DIR}
BIN=$BUILD/calltop
[ -x "$BIN" ] || BIN=$BUILD/app/calltop
[ -x "$BIN" ] || { echo "FAIL: no calltop binary under $BUILD"; exit 1; }

TMP=$(mktemp -d /tmp/ct-e2e-config-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
# A clean, private environment: nothing from the developer's own config.
export HOME=$TMP/home
mkdir -p "$HOME/.config/calltop"
unset XDG_CONFIG_HOME INTERACTLY_API_KEY CALLTOP_RELAY_TOKEN CALLTOP_BASE_URL \
      CALLTOP_RELAY_URL CALLTOP_LOG CALLTOP_READ_ONLY NO_COLOR
CONF=$HOME/.config/calltop/config

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# run NAME: runs "$@" capturing stdout, stderr and status in $out $err $rc
run() { out=$("$@" 2>"$TMP/stderr"); rc=$?; err=$(cat "$TMP/stderr"); }

# --help: exit 0, every long flag of the table, the exit codes
run "$BIN" --help
[ $rc -eq 0 ] || fail "--help exited $rc"
for flag in --base-url --relay-url --demo --no-color --config --read-only --log --insecure \
            --help --version; do
    grep -q -- "$flag" <<<"$out" || fail "--help does not list $flag"
done
for env in INTERACTLY_API_KEY CALLTOP_RELAY_TOKEN CALLTOP_BASE_URL NO_COLOR; do
    grep -q "$env" <<<"$out" || fail "--help does not mention $env"
done
grep -q "Exit status" <<<"$out" || fail "--help has no exit status section"
run "$BIN" -h
[ $rc -eq 0 ] && grep -q -- --base-url <<<"$out" || fail "-h does not print help"

# --version
run "$BIN" --version
[ $rc -eq 0 ] && grep -Eq '^calltop [0-9]+\.[0-9]+' <<<"$out" || fail "--version: rc=$rc out='$out'"

# usage errors exit 2 with a pointer to --help
run "$BIN" --x
[ $rc -eq 2 ] || fail "unknown flag exited $rc"
[ "$err" = "calltop: unknown option '--x' (see calltop --help)" ] || fail "unknown flag said: $err"
run "$BIN" --base-url
[ $rc -eq 2 ] && grep -q "needs a value" <<<"$err" || fail "missing value: rc=$rc err=$err"
run "$BIN" --base-url=ftp://example.com config
[ $rc -eq 2 ] && grep -q "must start with https:// or http://" <<<"$err" || fail "bad scheme: rc=$rc err=$err"
run "$BIN" frobnicate
[ $rc -eq 2 ] || fail "unknown command exited $rc"

# secrets are refused on argv, without echoing them
for form in "--api-key=sk-argv-LEAK" "--relay-token=sk-argv-LEAK"; do
    run "$BIN" "$form" config
    [ $rc -eq 2 ] || fail "$form exited $rc"
    grep -q "not accepted on the command line" <<<"$err" || fail "$form: no explanation: $err"
    grep -q "sk-argv-LEAK" <<<"$out$err" && fail "$form: the secret was echoed"
done
run "$BIN" --api-key sk-argv-LEAK
[ $rc -eq 2 ] && ! grep -q "sk-argv-LEAK" <<<"$out$err" || fail "--api-key VALUE: rc=$rc"

# `calltop config` with the key in the environment never prints it
KEY="sk-e2e-9f8e7d6c5b4a"
INTERACTLY_API_KEY=$KEY CALLTOP_RELAY_TOKEN=tok-e2e-1234 run "$BIN" --read-only config
[ $rc -eq 0 ] || fail "config exited $rc: $err"
grep -q "sk-e2e" <<<"$out$err" && fail "config printed (part of) the API key"
grep -q "tok-e2e" <<<"$out$err" && fail "config printed (part of) the relay token"
grep -Eq '^api-key +\(set, hidden\) +env INTERACTLY_API_KEY' <<<"$out" || fail "api-key row: $out"
grep -Eq '^read-only +true +flag --read-only' <<<"$out" || fail "read-only row: $out"
grep -Eq '^base-url +https://api-prod.interactly.ai +default' <<<"$out" || fail "base-url row: $out"

# a config file holding a secret must be 0600
printf 'base-url = https://api-qa.interactly.ai\napi-key = sk-file-LEAK\n' >"$CONF"
chmod 644 "$CONF"
run "$BIN" config
[ $rc -eq 2 ] || fail "0644 config with a key exited $rc"
grep -q "Permissions 0644 for '$CONF' are too open" <<<"$err" || fail "no ssh-style refusal: $err"
grep -q "Fix: chmod 600 '$CONF'" <<<"$err" || fail "no chmod hint: $err"
grep -q "sk-file-LEAK" <<<"$out$err" && fail "refusal echoed the key"
chmod 600 "$CONF"
run "$BIN" config
[ $rc -eq 0 ] || fail "0600 config refused: $err"
grep -Eq "^base-url +https://api-qa.interactly.ai +file $CONF:1\$" <<<"$out" || fail "file row: $out"
grep -q "sk-file-LEAK" <<<"$out$err" && fail "config printed the file's key"

# file errors name file:line:key, and --sample still works with a broken file
printf '# mine\nbase_url = https://x\n' >"$CONF"
run "$BIN" config
[ $rc -eq 2 ] || fail "bad key exited $rc"
[ "$err" = "calltop: $CONF:2: unknown key 'base_url' (did you mean 'base-url'?)" ] || fail "bad key said: $err"
run "$BIN" config --sample
[ $rc -eq 0 ] && grep -q '^#base-url = ' <<<"$out" || fail "--sample with a broken file: rc=$rc"
rm -f "$CONF"

# a missing --config FILE is an error; a missing default file is not
run "$BIN" --config "$TMP/nope" config
[ $rc -eq 2 ] && grep -q "$TMP/nope" <<<"$err" || fail "missing --config: rc=$rc err=$err"

# --insecure warns loudly on stderr
run "$BIN" --insecure config
[ $rc -eq 0 ] && grep -q "^WARNING: --insecure disables TLS certificate verification" <<<"$err" \
    || fail "--insecure did not warn: $err"

# --log writes only to the file, 0600, never the key
INTERACTLY_API_KEY=$KEY run "$BIN" --log "$TMP/calltop.log" config
[ $rc -eq 0 ] || fail "--log: rc=$rc"
[ -s "$TMP/calltop.log" ] || fail "--log wrote nothing"
[ "$(stat -c %a "$TMP/calltop.log")" = 600 ] || fail "log file mode is not 600"
grep -q "$KEY" "$TMP/calltop.log" && fail "the log holds the API key"

if [ $fails -ne 0 ]; then echo "$fails failure(s)"; exit 1; fi
echo "ok: calltop front door"
