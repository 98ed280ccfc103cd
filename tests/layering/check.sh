#!/usr/bin/env bash
# check.sh BUILD_DIR — a layering mistake fails the build.
# Builds each probe target of tests/layering/CMakeLists.txt: the control
# must compile; every other probe must fail, and fail because its header
# is not on the layer's include path (not for some unrelated reason).
set -u
build=${1:?usage: check.sh BUILD_DIR}
fail=0
probe() {   # probe NAME EXPECT(ok|missing:HEADER)
    local out rc
    out=$(cmake --build "$build" --target "layering_$1" 2>&1); rc=$?
    case $2 in
    ok)
        if [ $rc -ne 0 ]; then echo "FAIL $1: should compile"; echo "$out" | tail -20; fail=1
        else echo "ok   $1 compiles"; fi ;;
    missing:*)
        local h=${2#missing:}
        if [ $rc -eq 0 ]; then echo "FAIL $1: compiled, but $h must be out of this layer's reach"; fail=1
        elif ! grep -q "$h: No such file" <<<"$out"; then
            echo "FAIL $1: failed for another reason than $h"; echo "$out" | tail -20; fail=1
        else echo "ok   $1 refused ($h not reachable)"; fi ;;
    esac
}
probe core_sees_core ok
probe core_sees_net missing:calltop/inbox.h
probe core_sees_tui missing:board.h
probe tui_sees_net missing:calltop/fetcher.h
probe net_sees_relay missing:calltop/relay.h
# Relative includes bypass the include paths: no layer may climb out of
# its folder to reach another layer's header ("../tui/x.h"), except app,
# the top, which sees everything.
src=$(cd "$(dirname "$0")/../.." && pwd)
bad=$(grep -nE '#include +"\.\./' "$src"/core/*.[ch] "$src"/net/*.[ch] "$src"/sim/*.[ch] \
      "$src"/relay/*.[ch] "$src"/tui/*.[ch] 2>/dev/null)
if [ -n "$bad" ]; then echo "FAIL a layer reaches out of its folder:"; echo "$bad"; fail=1
else echo "ok   no relative include leaves its layer"; fi
exit $fail
