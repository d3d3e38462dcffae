#!/bin/sh
# Commands load only the libraries they need: libengine.so and the engine
# binary are not linked against the back ends (libarchive, libcurl), and
# neither `engine --version` nor `engine images` loads them; the build
# tree's engine is a real binary, not libtool's wrapper script.
set -u
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)/build/default}"
fail=0
lib="$top_builddir/libengine/.libs/libengine.so"
engine="$top_builddir/tools/engine"
heavy='libarchive|libcurl|libcrypto|libssl|libxml2|libicu|libgnutls|libkrb5|libldap|libnftables'

if ! command -v readelf >/dev/null; then
	echo "readelf missing: skipped"
	exit 77
fi
head -c 4 "$engine" | grep -q ELF || { echo "FAIL: $engine is not an ELF binary (libtool wrapper?)"; fail=1; }
for f in "$lib" "$engine"; do
	[ -f "$f" ] || continue
	if readelf -d "$f" | grep NEEDED | grep -Eq "$heavy"; then
		echo "FAIL: $f is linked against a back end:"
		readelf -d "$f" | grep NEEDED | grep -E "$heavy"
		fail=1
	fi
done
root=$(mktemp -d /tmp/engine-lazy-XXXXXX)
trap 'rm -rf "$root"' EXIT
for cmd in "--version" "--root $root images"; do
	# shellcheck disable=SC2086
	loaded=$(LD_DEBUG=libs "$engine" $cmd 2>&1 >/dev/null | grep 'calling init' | grep -E "$heavy")
	if [ -n "$loaded" ]; then
		echo "FAIL: engine $cmd loaded: $loaded"
		fail=1
	fi
done
[ $fail = 0 ] && echo "lazy back ends: ok"
exit $fail
