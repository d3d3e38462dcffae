#!/bin/sh
# The suite's counts cannot lie: tests/collect.sh counts each "SKIP: " line
# of a Check log (TH_SKIP) as skipped, not passed, a suite that exited 77 by
# its SKIP lines, and tests/summary.sh reports skips on the closing line.
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
mkdir -p "$d/tests/unit"
suite() { # suite NAME RESULT LOG-TEXT
	printf '%b' "$3" > "$d/tests/unit/$1.log"
	echo ":test-result: $2" > "$d/tests/unit/$1.trs"
}
suite some PASS 'SKIP: test_a: no v1\nSKIP: test_b: no umoci\n100%: Checks: 5, Failures: 0, Errors: 0\n'
suite all SKIP 'SKIP: test_c: no cgroup2\n100%: Checks: 1, Failures: 0, Errors: 0\n1 of 1 tests skipped\n'
suite root SKIP 'SKIP: the whole suite: it needs root\n'
suite failing FAIL 'SKIP: test_d: no x\n66%: Checks: 3, Failures: 1, Errors: 0\n'
suite script PASS 'ok\n'
sh "$src/tests/collect.sh" "$d" > "$d/results"
got=$(sh "$src/tests/summary.sh" "$d/results")
want="5 passed, 1 failed, 5 skipped"
if [ "$got" != "$want" ]; then
	echo "summary: got \"$got\", want \"$want\""
	cat "$d/results"
	exit 1
fi
echo "ok: $got"
