#!/bin/sh
# The Python binding installs the way Python packages do: `pip install
# --no-build-isolation ./bindings/python` (offline, Debian's setuptools)
# builds the extension against an installed libengine found by pkg-config;
# the package imports from any directory and pytest finds its plugin
# through the entry point, without -p. libengine is installed into a
# temporary DESTDIR; nothing outside temporary directories is touched.
set -u
. "$(dirname "$0")/lib.sh"
it_require swig pkg-config /usr/bin/python3
/usr/bin/python3 -m pip --version >/dev/null 2>&1 || { echo "skip: no pip for /usr/bin/python3"; exit 77; }
/usr/bin/python3 -c 'import setuptools' 2>/dev/null || { echo "skip: no setuptools"; exit 77; }
top=$(cd "$(dirname "$0")/../.." && pwd)
it_tmpdir

make -s -C "$ENGINE_BUILD" install DESTDIR="$T/root" >"$T/install.log" 2>&1 || { cat "$T/install.log"; fail "make install"; }
prefix=$(find "$T/root" -name libengine.pc | head -n1)
[ -n "$prefix" ] || fail "no libengine.pc installed"
libdir=$(dirname "$(dirname "$prefix")")
# A copy of the binding's sources (pip builds in place), with its ../swig.
mkdir -p "$T/src/bindings"
cp -r "$top/bindings/python" "$top/bindings/swig" "$T/src/bindings/"
rm -rf "$T/src/bindings/python/engine/capi.py" "$T/src/bindings/python/engine/_capi"*
PKG_CONFIG_PATH="$(dirname "$prefix")" PKG_CONFIG_SYSROOT_DIR="$T/root" /usr/bin/python3 -m pip install -q \
	--no-build-isolation --no-deps --no-index --target "$T/site" "$T/src/bindings/python" >"$T/pip.log" 2>&1
check "pip install --no-build-isolation" 0 $?
[ -f "$T/site/engine/capi.py" ] || cat "$T/pip.log"
ver=$(cd / && LD_LIBRARY_PATH="$libdir" PYTHONPATH="$T/site" /usr/bin/python3 -c 'import engine; print(engine.__version__)')
check "imports from another directory, the installed library's version" \
	"$(pkg-config --modversion --with-path="$(dirname "$prefix")" libengine)" "$ver"
contains "the extension links the installed libengine.so" "$libdir/libengine.so" \
	"$(LD_LIBRARY_PATH="$libdir" ldd "$T/site/engine/"_capi*.so)"
check "pytest11 entry point" "engine = engine.pytest_plugin" "$(sed -n '/\[pytest11\]/{n;p}' "$T/site/"engine-*.dist-info/entry_points.txt)"
mkdir -p "$T/proj"
printf 'def test_nothing():\n    pass\n' > "$T/proj/test_x.py"
fixtures=$(cd "$T/proj" && LD_LIBRARY_PATH="$libdir" PYTHONPATH="$T/site" /usr/bin/python3 -m pytest -p no:cacheprovider --fixtures 2>&1)
contains "pytest finds the plugin without -p" "engine_context" "$fixtures"
contains "and its options" "--engine-root" "$(cd "$T/proj" && LD_LIBRARY_PATH="$libdir" PYTHONPATH="$T/site" /usr/bin/python3 -m pytest -p no:cacheprovider --help 2>&1)"

echo "$fails failed"
[ "$fails" -eq 0 ]
