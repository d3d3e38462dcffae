#!/bin/sh
# The public API is what the headers say, no more and no less:
#  - libengine.so exports exactly the functions include/ declares through
#    ENGINE_EXTERN (an internal function marked ENGINE_EXTERN shows up as
#    extra), and their definitions say ENGINE_EXTERN as well;
#  - nothing exported falls outside libengine/libengine.sym's engine_*, and
#    no engine__ internal leaks;
#  - every versioned struct (ENGINE_<X>_VERSION) has its table in
#    libengine/core/abi.c, and no code checks a version by hand.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
so=$top_builddir/libengine/.libs/libengine.so
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ ! -f "$so" ]; then
	echo "no $so (static-only build?)"
	exit 77
fi
nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVWi]$/ { print $3 }' | sed 's/@.*//' | sort -u >"$tmp/exported"
# The name before the first "(" of each ENGINE_EXTERN declaration.
for h in "$top_srcdir"/include/engine.h "$top_srcdir"/include/engine/*.h; do
	sed -n '/^ENGINE_EXTERN/{s/(.*//;s/.*[ *]//;p}' "$h"
done | sort -u >"$tmp/declared"
if ! cmp -s "$tmp/exported" "$tmp/declared"; then
	echo "FAIL: exported symbols differ from the ENGINE_EXTERN declarations in include/"
	comm -23 "$tmp/exported" "$tmp/declared" | sed 's/^/  exported, not declared: /'
	comm -13 "$tmp/exported" "$tmp/declared" | sed 's/^/  declared, not exported (ENGINE_EXTERN missing on the definition?): /'
	fail=1
fi
if grep -v '^engine_' "$tmp/exported" | grep . >"$tmp/stray" || grep '^engine__' "$tmp/exported" >"$tmp/stray"; then
	echo "FAIL: exported outside libengine.sym's engine_* or internal:"
	sed 's/^/  /' "$tmp/stray"
	fail=1
fi
# Definitions say ENGINE_EXTERN too: the declaration alone would export
# them, and the definition would not say that it is public.
while read -r f; do
	grep -rn "^[a-z][a-z0-9_ *]*[ *]$f(" "$top_srcdir/libengine" --include='*.c' | grep -v 'ENGINE_EXTERN'
done <"$tmp/declared" >"$tmp/bare"
if [ -s "$tmp/bare" ]; then
	echo "FAIL: public functions defined without ENGINE_EXTERN:"
	sed 's/^/  /' "$tmp/bare"
	fail=1
fi
grep -q 'engine_\*;' "$top_srcdir/libengine/libengine.sym" || { echo "FAIL: libengine.sym lost its engine_* rule"; fail=1; }
# Versioned structs.
sed -n 's/^#define ENGINE_\([A-Z0-9_]*\)_VERSION [0-9].*/\1/p' "$top_srcdir"/include/engine/*.h |
	tr 'A-Z' 'a-z' | sort -u >"$tmp/versioned"
while read -r s; do
	grep -q "ABI_DEFINE(engine_$s," "$top_srcdir/libengine/core/abi.c" ||
		{ echo "FAIL: engine_$s has a version but no table in libengine/core/abi.c"; fail=1; }
done <"$tmp/versioned"
if grep -rnE 'version (!=|==) ENGINE_[A-Z0-9_]*_VERSION|version [<>]=? ENGINE_[A-Z0-9_]*_VERSION' \
	"$top_srcdir/libengine" --include='*.c' | grep -v 'libengine/core/abi.c'; then
	echo "FAIL: a version checked by hand (use engine__abi_read / ENGINE__INIT_FROM_TEMPLATE)"
	fail=1
fi
echo "api: $(wc -l <"$tmp/exported") exported functions, $(wc -l <"$tmp/versioned") versioned structs"
exit $fail
