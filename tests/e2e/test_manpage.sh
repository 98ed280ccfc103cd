#!/usr/bin/env bash
# test_manpage.sh — docs/calltop.1 is generated from the settings table
# (`calltop help-man`); fail when the committed page is stale.
# Arg 1: the build directory.
set -u
BUILD=${1:?usage: test_manpage.sh BUILD_DIR}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$BUILD/calltop
[ -x "$BIN" ] || BIN=$BUILD/app/calltop
[ -x "$BIN" ] || { echo "FAIL: no calltop binary under $BUILD"; exit 1; }

TMP=$(mktemp -d /tmp/ct-e2e-man-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
# help-man must not depend on the developer's config or environment
HOME=$TMP XDG_CONFIG_HOME= "$BIN" help-man >"$TMP/calltop.1" 2>/dev/null \
    || { echo "FAIL: calltop help-man exited $?"; exit 1; }
for section in NAME SYNOPSIS DESCRIPTION OPTIONS SUBCOMMANDS KEYS ENVIRONMENT FILES \
               "EXIT STATUS" SECURITY; do
    grep -q "^\.SH $section\$" "$TMP/calltop.1" || { echo "FAIL: no $section section"; exit 1; }
done
if ! diff -u "$SRC/docs/calltop.1" "$TMP/calltop.1"; then
    echo "FAIL: docs/calltop.1 is stale (the diff above is committed -> generated)."
    echo "Regenerate it from the source tree with:"
    echo "    ./build/calltop help-man > docs/calltop.1"
    echo "(or: $BIN help-man > $SRC/docs/calltop.1) and commit it."
    exit 1
fi
# the page must also be valid roff: man renders it without warnings
if command -v groff >/dev/null 2>&1; then
    warn=$(groff -man -Tutf8 -ww -z "$TMP/calltop.1" 2>&1)
    [ -z "$warn" ] || { echo "FAIL: groff warnings:"; echo "$warn"; exit 1; }
fi
# calltop-relay and calltop-sim: their pages come from the same option-table
# code (core/args.c) through their hidden --help-man flag.
for prog in relay/calltop-relay sim/calltop-sim; do
    name=$(basename "$prog")
    PBIN=$BUILD/$prog
    [ -x "$PBIN" ] || PBIN=$BUILD/$name
    [ -x "$PBIN" ] || { echo "FAIL: no $name binary under $BUILD"; exit 1; }
    "$PBIN" --help-man >"$TMP/$name.1" 2>/dev/null || { echo "FAIL: $name --help-man exited $?"; exit 1; }
    for section in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS"; do
        grep -q "^\.SH $section\$" "$TMP/$name.1" || { echo "FAIL: $name: no $section section"; exit 1; }
    done
    # every flag --help lists is on the page
    for flag in $("$PBIN" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
        esc=$(printf '%s' "$flag" | sed 's/-/\\\\-/g')
        grep -q -- "$esc" "$TMP/$name.1" || { echo "FAIL: $name: $flag in --help, not on the page"; exit 1; }
    done
    if ! diff -u "$SRC/docs/$name.1" "$TMP/$name.1"; then
        echo "FAIL: docs/$name.1 is stale; regenerate: $PBIN --help-man > $SRC/docs/$name.1"
        exit 1
    fi
    if command -v groff >/dev/null 2>&1; then
        warn=$(groff -man -Tutf8 -ww -z "$TMP/$name.1" 2>&1)
        [ -z "$warn" ] || { echo "FAIL: $name: groff warnings:"; echo "$warn"; exit 1; }
    fi
done
echo "ok: docs/calltop.1, docs/calltop-relay.1 and docs/calltop-sim.1 are up to date"
