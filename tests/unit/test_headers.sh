#!/bin/sh
# Compiles every public header alone, as strict C11 and as C++, so each one
# is self-contained and usable from C++ and by binding generators.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
CC=${CC:-cc}
CXX=${CXX:-c++}
fail=0
n=0
for h in "$top_srcdir"/include/engine.h "$top_srcdir"/include/engine/*.h; do
	rel=${h#"$top_srcdir"/include/}
	n=$((n + 1))
	printf '#include <%s>\n' "$rel" | $CC -std=c11 -pedantic-errors -Wall -Wextra -Werror \
		-I"$top_srcdir/include" -fsyntax-only -x c - || { echo "FAIL (C11): $rel"; fail=1; }
	printf '#include <%s>\n' "$rel" | $CXX -std=c++11 -pedantic-errors -Wall -Wextra -Werror \
		-I"$top_srcdir/include" -fsyntax-only -x c++ - || { echo "FAIL (C++): $rel"; fail=1; }
done
echo "headers: $n checked as C11 and C++"
exit $fail
