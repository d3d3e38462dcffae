#!/bin/sh
# debian/: dpkg-buildpackage -us -uc -b builds libengine0, libengine-dev,
# engine and python3-engine offline from a clean export of the tree;
# lintian finds no error; the packages' contents (unpacked with dpkg-deb
# into a temporary root, never installed on the host) build and run the
# README's C example, run the CLI and import the Python binding.
set -u
. "$(dirname "$0")/lib.sh"
it_require_root
it_require_busybox
it_require dpkg-buildpackage dh lintian git cc
top=$(cd "$(dirname "$0")/../.." && pwd)
git -C "$top" rev-parse --git-dir >/dev/null 2>&1 || { echo "skip: not a git checkout"; exit 77; }
dpkg-checkbuilddeps "$top/debian/control" 2>/dev/null || { echo "skip: build dependencies missing"; exit 77; }
it_tmpdir

mkdir "$T/libengine"
(cd "$top" && { git ls-files; git ls-files --others --exclude-standard debian; } | sort -u |
	while read -r f; do [ -e "$f" ] && printf '%s\n' "$f"; done | tar -cf - -T -) | tar -xf - -C "$T/libengine"
(cd "$T/libengine" && dpkg-buildpackage -us -uc -b >"$T/build.log" 2>&1)
rc=$?
check "dpkg-buildpackage -us -uc -b" 0 $rc
[ $rc -eq 0 ] || { tail -n 30 "$T/build.log"; exit 1; }
for p in libengine0 libengine-dev engine python3-engine; do
	check "package $p built" 1 "$(ls "$T"/${p}_*.deb 2>/dev/null | wc -l | tr -d ' ')"
done
lintian --fail-on error "$T"/*.changes >"$T/lintian.log" 2>&1
check "lintian: no errors" 0 $?
grep '^E:' "$T/lintian.log" | head -n 10

mkdir "$T/root"
for d in "$T"/*.deb; do dpkg-deb -x "$d" "$T/root"; done
pc=$(find "$T/root" -name libengine.pc | head -n1)
libdir=$(dirname "$(dirname "$pc")")
check "engine --version from the package" "engine version" "$(LD_LIBRARY_PATH="$libdir" "$T/root/usr/bin/engine" --version | cut -d' ' -f1-2)"

# The README's example, with a root and a cgroup parent of the test's own.
sed -n '/^```c$/,/^```$/p' "$top/README.md" | sed '1d;$d' >"$T/demo.c"
mkdir "$T/engine-root"
parent="engine-it-deb-$$"
printf '{"cgroup-parent": "%s"}\n' "$parent" >"$T/config.json"
sed -i "s|opts.root = \"/var/lib/engine\";|opts.root = \"$T/engine-root\"; opts.config_path = \"$T/config.json\";|" "$T/demo.c"
grep -q "$T/engine-root" "$T/demo.c" || fail "README example: no opts.root line to point at the test's root"
# shellcheck disable=SC2046
cc -o "$T/demo" "$T/demo.c" $(PKG_CONFIG_SYSROOT_DIR="$T/root" PKG_CONFIG_PATH="$(dirname "$pc")" pkg-config --cflags --libs libengine) \
	2>"$T/cc.log"
check "the README example builds against libengine-dev" 0 $?
out=$(LD_LIBRARY_PATH="$libdir" "$T/demo" 2>&1)
contains "and runs on libengine0" "hello from" "$out"
for d in /sys/fs/cgroup/*/"$parent" /sys/fs/cgroup/"$parent"; do [ -d "$d" ] && rmdir "$d"; done
check "python3-engine imports" "$("$T/root/usr/bin/engine" --version 2>/dev/null | sed 's/.* //')" \
	"$(cd / && PYTHONPATH="$T/root/usr/lib/python3/dist-packages" /usr/bin/python3 -c 'import engine; print(engine.__version__)')"

echo "$fails failed"
[ "$fails" -eq 0 ]
