#!/bin/sh
# Every C file in the tree is formatted by its .clang-format, with the
# clang-format that Debian 12 ships (14): another version formats some
# constructs differently, so it is a skip, not a failure.
set -u
cd "${top_srcdir:-$(dirname "$0")/../..}" || exit 1
command -v clang-format >/dev/null || { echo "skip: no clang-format"; exit 77; }
case "$(clang-format --version)" in
*" version 14."*) ;;
*) echo "skip: clang-format is not Debian's 14: $(clang-format --version)"; exit 77 ;;
esac
git rev-parse --git-dir >/dev/null 2>&1 || { echo "skip: not a git checkout"; exit 77; }
bad=0
for f in $(git ls-files '*.c' '*.h'); do
	if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		echo "FAIL $f differs from .clang-format (run: clang-format -i $f)"
		bad=$((bad + 1))
	fi
done
[ $bad -eq 0 ] && echo "ok   $(git ls-files '*.c' '*.h' | wc -l) files formatted"
[ $bad -eq 0 ]
