#!/usr/bin/env bash
# test_systemd_unit.sh — the installed calltop-relay.service passes
# `systemd-analyze verify` with no warning at all, keeps its hardening, takes
# its secrets through LoadCredential= (never Environment=), and the relay
# accepts credential files as systemd hands them over (mode 0400).
# Arg 1: the build directory (already built).
set -u
BUILD=$(cd "${1:?usage: test_systemd_unit.sh BUILD_DIR}" && pwd)
TMP=$(mktemp -d /tmp/ct-unit-XXXXXX)
RELAY_PID=
trap '[ -n "$RELAY_PID" ] && kill "$RELAY_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
P=$TMP/prefix
cmake --install "$BUILD" --prefix "$P" >/dev/null || fail "cmake --install exited $?"
UNIT=$P/lib/systemd/system/calltop-relay.service
[ -s "$UNIT" ] || fail "no unit installed"

# Hardening the issue asks for; a lost line fails here, not in production.
for line in DynamicUser=yes NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes \
            CapabilityBoundingSet= Restart=on-failure \
            LoadCredential=webhook-secret:/etc/calltop-relay/webhook-secret \
            LoadCredential=relay-token:/etc/calltop-relay/relay-token; do
    grep -qx -- "$line" "$UNIT" || fail "unit lacks '$line'"
done
grep -q -- "--secret-file %d/webhook-secret --token-file %d/relay-token" "$UNIT" \
    || fail "ExecStart does not read the secrets from the credentials directory"
grep -qiE "^Environment=.*(SECRET|TOKEN)" "$UNIT" && fail "a secret in Environment="

if command -v systemd-analyze >/dev/null 2>&1; then
    # Documentation=man:calltop-relay(1) is checked when that page is installed.
    man_opt=--man=no
    if [ -s "$P/share/man/man1/calltop-relay.1.gz" ] && command -v man >/dev/null 2>&1; then
        man_opt=--man=yes
    else
        echo "note: calltop-relay.1 not installed yet: Documentation= not checked"
    fi
    out=$(MANPATH=$P/share/man systemd-analyze verify "$man_opt" "$UNIT" 2>&1)
    rc=$?
    [ $rc -eq 0 ] && [ -z "$out" ] || { echo "$out"; fail "systemd-analyze verify: rc=$rc, output above"; }
    exposure=$(systemd-analyze security --offline=yes "$UNIT" 2>/dev/null |
               sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
    echo "systemd-analyze security --offline: exposure ${exposure:-?} (0 = best, 10 = worst)"
    if [ -n "$exposure" ]; then
        awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }' || fail "exposure $exposure > 2.0"
    fi
else
    echo "skip: systemd-analyze is not installed (Debian package systemd); unit not verified"
fi

# The credentials as systemd passes them: read-only files of the service user.
mkdir -p "$TMP/creds"
echo "whsecret-$$" >"$TMP/creds/webhook-secret"
echo "token-$$" >"$TMP/creds/relay-token"
chmod 0400 "$TMP/creds/webhook-secret" "$TMP/creds/relay-token"
env -u CALLTOP_WEBHOOK_SECRET -u CALLTOP_RELAY_TOKEN "$P/bin/calltop-relay" --listen 127.0.0.1:0 \
    --secret-file "$TMP/creds/webhook-secret" --token-file "$TMP/creds/relay-token" \
    >"$TMP/relay.out" 2>&1 &
RELAY_PID=$!
for _ in $(seq 1 100); do
    grep -q "^listening on" "$TMP/relay.out" && break
    kill -0 "$RELAY_PID" 2>/dev/null || break
    sleep 0.05
done
grep -q "^listening on" "$TMP/relay.out" || { cat "$TMP/relay.out"; fail "relay did not start from 0400 credential files"; }
kill "$RELAY_PID"; wait "$RELAY_PID" 2>/dev/null; RELAY_PID=
echo "ok: unit verified"
