#!/usr/bin/env bash
# test_make_demo.sh — issue 13 item 16: `make demo` installs and builds only
# what the demo needs (the demo profile of tools/install-deps: no cmocka,
# valgrind, jq, tmux; the calltop target of a tree configured with
# -DCALLTOP_TESTS=OFF), while `make test` still installs everything. Checked
# with `make -n` (nothing is installed or built) and `install-deps --list`.
# Arg 1: the build directory (unused: the source tree is what is checked).
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
command -v make >/dev/null || { echo "SKIP: no make"; exit 0; }

demo=$("$SRC/tools/install-deps" demo --list | tr '\n' ' ')
test=$("$SRC/tools/install-deps" test --list | tr '\n' ' ')
dflt=$("$SRC/tools/install-deps" --list | tr '\n' ' ')
for p in libcmocka-dev valgrind jq tmux; do
    grep -qw -- "$p" <<<"$demo" && fail "the demo profile installs $p"
    grep -qw -- "$p" <<<"$test" || fail "the test profile lacks $p"
done
for p in cmake libncurses-dev libcurl4-openssl-dev libcjson-dev libwebsockets-dev; do
    grep -qw -- "$p" <<<"$demo" || fail "the demo profile lacks $p"
done
[ "$dflt" = "$test" ] || fail "install-deps without a profile is not the full (test) set"
"$SRC/tools/install-deps" bogus >/dev/null 2>&1 && fail "install-deps accepted a bad profile"

NOBUILD=/tmp/ct-no-such-build-$$
plan=$(make -n -C "$SRC" demo BUILD="$NOBUILD" 2>&1)
grep -q 'install-deps demo' <<<"$plan" || fail "make demo does not use the demo profile: $plan"
grep -q 'install-deps test' <<<"$plan" && fail "make demo installs the test tools: $plan"
grep -q -- '-DCALLTOP_TESTS=OFF' <<<"$plan" || fail "make demo configures the tests: $plan"
grep -q -- '--target calltop' <<<"$plan" || fail "make demo builds more than calltop: $plan"
grep -q 'ctest' <<<"$plan" && fail "make demo runs tests: $plan"
plan=$(make -n -C "$SRC" test-normal BUILD="$NOBUILD" 2>&1)
grep -q 'install-deps test' <<<"$plan" || fail "make test does not install everything: $plan"
grep -q -- '-DCALLTOP_TESTS=ON' <<<"$plan" || fail "make test does not turn the tests on: $plan"
[ -e "$NOBUILD" ] && { fail "make -n created $NOBUILD"; rm -rf "$NOBUILD"; }

[ $fails -eq 0 ] && echo "ok: make demo installs and builds only the demo" || echo "$fails failure(s)"
exit $((fails > 0))
