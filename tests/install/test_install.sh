#!/usr/bin/env bash
# test_install.sh — `make install PREFIX=P` (and cmake --install) put the three
# programs, their man pages, the sample config, docs, completions and the
# systemd unit under P, and the installed programs run from there.
# Arg 1: the build directory (already built).
set -u
BUILD=$(cd "${1:?usage: test_install.sh BUILD_DIR}" && pwd)
SRC=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d /tmp/ct-install-XXXXXX)
SIM_PID=
trap '[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
P=$TMP/prefix
export HOME=$TMP XDG_CONFIG_HOME=    # no developer config may leak in
unset XDG_CACHE_HOME INTERACTLY_API_KEY CALLTOP_BASE_URL CALLTOP_RELAY_URL CALLTOP_RELAY_TOKEN

# The Makefile target is what a packager types; BUILD points it at this tree.
make -s -C "$SRC" install BUILD="$BUILD" PREFIX="$P" >"$TMP/install.log" 2>&1 \
    || { cat "$TMP/install.log"; fail "make install PREFIX=$P exited $?"; }

for f in bin/calltop bin/calltop-relay bin/calltop-sim; do
    [ -x "$P/$f" ] || fail "$f not installed (or not executable)"
done
for f in share/man/man1/calltop.1.gz share/doc/calltop/README.md share/doc/calltop/copyright \
         share/doc/calltop/examples/config share/bash-completion/completions/calltop \
         share/zsh/vendor-completions/_calltop lib/systemd/system/calltop-relay.service; do
    [ -s "$P/$f" ] || fail "$f not installed"
done
# every committed man page is installed (the relay's and the simulator's when they exist)
for page in "$SRC"/docs/*.1; do
    [ -s "$P/share/man/man1/$(basename "$page").gz" ] || fail "$(basename "$page") not installed"
done
grep -q "^ExecStart=$P/bin/calltop-relay " "$P/lib/systemd/system/calltop-relay.service" \
    || fail "the unit does not run the installed relay"

# the installed programs run from the prefix
v=$("$P/bin/calltop" --version) || fail "calltop --version exited $?"
case $v in *[0-9].[0-9]*) ;; *) fail "calltop --version printed '$v'";; esac
for prog in calltop calltop-relay calltop-sim; do
    "$P/bin/$prog" --help >"$TMP/help.txt" 2>&1 || fail "$prog --help exited $?"
    grep -qi "usage" "$TMP/help.txt" || fail "$prog --help printed no usage"
    # --version where the program documents it (the lead tightens this after merging)
    if grep -q -- "--version" "$TMP/help.txt"; then
        "$P/bin/$prog" --version >/dev/null 2>&1 || fail "$prog --version exited $?"
    fi
done

# the sample config is calltop's own, and calltop accepts it
"$P/bin/calltop" config --sample | cmp -s - "$P/share/doc/calltop/examples/config" \
    || fail "examples/config differs from calltop config --sample"
cp "$P/share/doc/calltop/examples/config" "$TMP/config" && chmod 600 "$TMP/config"
"$P/bin/calltop" --config "$TMP/config" config >/dev/null 2>"$TMP/err" \
    || { cat "$TMP/err"; fail "calltop rejects its own sample config"; }

# man -l renders every installed page without warnings
if command -v man >/dev/null 2>&1; then
    for page in "$P"/share/man/man1/*.1.gz; do
        out=$(MANWIDTH=80 MANPAGER=cat man -l "$page" 2>"$TMP/manerr") || fail "man -l $page exited $?"
        [ -s "$TMP/manerr" ] && { cat "$TMP/manerr"; fail "man -l $(basename "$page") warned"; }
        grep -q "NAME" <<<"$out" || fail "man -l $(basename "$page") rendered no NAME section"
    done
else
    echo "skip: man is not installed (Debian package man-db); pages not rendered"
fi

# bash completion: commands, calls actions, flags, files after --config
complete_words() {   # complete_words WORD... : what TAB offers after these words
    bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _calltop;
             printf "%s\n" "${COMPREPLY[@]}"' _ "$P/share/bash-completion/completions/calltop" "$@"
}
complete_words calltop ca | grep -qx calls || fail "bash: 'calltop ca<TAB>' does not offer calls"
complete_words calltop calls "" | grep -qx connect || fail "bash: no 'calls connect'"
complete_words calltop --relay-url ws://x calls l | grep -qx list \
    || fail "bash: a flag's value is taken for the command"
complete_words calltop --con | grep -qx -- --config || fail "bash: no --config"
complete_words calltop calls list --j | grep -qx -- --json || fail "bash: no --json after calls list"
complete_words calltop config "" | grep -qx -- --sample || fail "bash: no config --sample"
touch "$TMP/zz-config-file"
(cd "$TMP" && complete_words calltop --config zz-c) | grep -qx zz-config-file \
    || fail "bash: --config does not complete file names"
# call ids: `calls list` caches them (0600), completion offers them to show/end/...
"$P/bin/calltop-sim" --port 0 --api-key inst-key --history 5 --calls 2 --rate 0 >"$TMP/sim.out" 2>&1 &
SIM_PID=$!
for _ in $(seq 100); do grep -q "^listening on" "$TMP/sim.out" && break; sleep 0.05; done
SIM_URL=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$TMP/sim.out")
[ -n "$SIM_URL" ] || fail "the installed calltop-sim did not start"
INTERACTLY_API_KEY=inst-key "$P/bin/calltop" --base-url "$SIM_URL" calls list --json >"$TMP/list.json" \
    || fail "calls list against the installed sim exited $?"
kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null; SIM_PID=
IDS=$HOME/.cache/calltop/call-ids
[ -s "$IDS" ] || fail "calls list cached no call ids"
[ "$(stat -c %a "$IDS")" = 600 ] || fail "the id cache is mode $(stat -c %a "$IDS"), want 600"
first=$(head -1 "$IDS")
grep -q "\"$first\"" "$TMP/list.json" || fail "cached id $first is not in the list"
complete_words calltop calls show "${first:0:3}" | grep -qx -- "$first" \
    || fail "bash: 'calls show <TAB>' does not offer the cached id $first"
[ "$(complete_words calltop calls show "$first" "")" != "$first" ] \
    || fail "bash: an id offered again for the second argument"
complete_words calltop calls list "" | grep -q -- "$first" && fail "bash: ids offered to calls list"
mkdir -p "$TMP/xdg/calltop" && echo xdg-id-1 >"$TMP/xdg/calltop/call-ids"
XDG_CACHE_HOME=$TMP/xdg complete_words calltop calls end "" | grep -qx xdg-id-1 \
    || fail "bash: the id cache under XDG_CACHE_HOME is not read"

if command -v zsh >/dev/null 2>&1; then
    zsh -n "$P/share/zsh/vendor-completions/_calltop" || fail "zsh completion does not parse"
else
    echo "skip: zsh is not installed; _calltop only checked for its #compdef line"
fi
head -1 "$P/share/zsh/vendor-completions/_calltop" | grep -qx '#compdef calltop' \
    || fail "_calltop lacks #compdef"

# DESTDIR staging, as packagers use it: nothing lands outside DESTDIR
DESTDIR=$TMP/stage cmake --install "$BUILD" --prefix /usr >/dev/null || fail "DESTDIR install"
[ -x "$TMP/stage/usr/bin/calltop" ] || fail "DESTDIR install put nothing in DESTDIR"
grep -q "^ExecStart=/usr/bin/calltop-relay " "$TMP/stage/usr/lib/systemd/system/calltop-relay.service" \
    || fail "DESTDIR: the unit must name /usr/bin/calltop-relay, not the staging path"
echo "ok: installed into $P and ran from there"
