#!/usr/bin/env bash
# test_package.sh — CPack builds calltop_*.deb and calltop-relay_*.deb from this
# build tree (no rebuild); their control data carries shlibdeps dependencies,
# each has copyright + changelog.Debian.gz; unpacked with dpkg-deb -x, the
# programs run from the unpacked tree; lintian reports no errors (if installed).
# Arg 1: the build directory (already built).
set -u
BUILD=$(cd "${1:?usage: test_package.sh BUILD_DIR}" && pwd)
TMP=$(mktemp -d /tmp/ct-package-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
export HOME=$TMP XDG_CONFIG_HOME=
command -v dpkg-deb >/dev/null 2>&1 || { echo "skip: dpkg-deb is not installed"; exit 0; }

# Packages go to TMP, not the build tree: the test leaves nothing behind.
cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$TMP/out" >"$TMP/cpack.log" 2>&1 \
    || { cat "$TMP/cpack.log"; fail "cpack exited $?"; }
main=$(ls "$TMP"/out/calltop_*.deb 2>/dev/null | head -1)
relay=$(ls "$TMP"/out/calltop-relay_*.deb 2>/dev/null | head -1)
[ -n "$main" ] || fail "no calltop_*.deb"
[ -n "$relay" ] || fail "no calltop-relay_*.deb"

for deb in "$main" "$relay"; do
    pkg=$(dpkg-deb -f "$deb" Package)
    deps=$(dpkg-deb -f "$deb" Depends)
    # shlibdeps: the Debian packages of the libraries the binaries link
    for lib in libc6 libwebsockets libcjson; do
        grep -q "$lib" <<<"$deps" || fail "$pkg: Depends lacks $lib: '$deps'"
    done
    dpkg-deb -c "$deb" >"$TMP/$pkg.list"
    grep -q "usr/share/doc/$pkg/copyright$" "$TMP/$pkg.list" || fail "$pkg: no copyright"
    grep -q "usr/share/doc/$pkg/changelog.Debian.gz$" "$TMP/$pkg.list" || fail "$pkg: no changelog"
    dpkg-deb -x "$deb" "$TMP/root" || fail "dpkg-deb -x $deb"
done
grep -q "ncursesw\|libtinfo" <<<"$(dpkg-deb -f "$main" Depends)" || fail "calltop: no ncurses dependency"
grep -q "libcurl" <<<"$(dpkg-deb -f "$main" Depends)" || fail "calltop: no libcurl dependency"
grep -q "usr/bin/calltop-sim$" "$TMP/calltop.list" || fail "the simulator is not in calltop"
grep -q "usr/bin/calltop-relay$" "$TMP/calltop.list" && fail "the relay binary is in calltop"
grep -q "lib/systemd/system/calltop-relay.service$" "$TMP/calltop-relay.list" \
    || fail "the unit is not in calltop-relay"

R=$TMP/root/usr
"$R/bin/calltop" --version >/dev/null || fail "unpacked calltop --version exited $?"
for prog in calltop calltop-relay calltop-sim; do
    "$R/bin/$prog" --help >/dev/null 2>&1 || fail "unpacked $prog --help exited $?"
done
grep -q "^ExecStart=/usr/bin/calltop-relay " "$R/lib/systemd/system/calltop-relay.service" \
    || fail "the packaged unit does not run /usr/bin/calltop-relay"
# stripped: no debug sections in what ships
if command -v readelf >/dev/null 2>&1; then
    readelf -S "$R/bin/calltop" | grep -q "\.debug_info" && fail "calltop is not stripped"
fi

if command -v lintian >/dev/null 2>&1; then
    # Errors fail the test; warnings are printed for the reader.
    lintian --tag-display-limit 0 "$main" "$relay" >"$TMP/lintian.txt" 2>&1
    grep -v "^running with root" "$TMP/lintian.txt"
    grep -q "^E: " "$TMP/lintian.txt" && fail "lintian reports errors"
else
    echo "skip: lintian is not installed (apt-get install lintian); packages not linted"
fi
echo "ok: $(basename "$main") $(basename "$relay")"
