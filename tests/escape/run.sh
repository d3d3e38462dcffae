#!/bin/sh
# Runs the escape suite: every tests/escape/*.sh but this one and lib.sh.
# Each check in a script ("ok ..." / "FAIL ...") counts as one test; a
# script that exits 77 counts as one skip, one that fails without a FAIL
# line as one failure.
# Usage: ENGINE_BUILD=<abs build dir> tests/escape/run.sh [RESULTS_FILE]
# Appends "passed failed skipped" to RESULTS_FILE; exits non-zero on failure.
set -u
case "${1:-}" in
-*) echo "usage: tests/escape/run.sh [RESULTS_FILE] (it takes no options)" >&2 && exit 2 ;;
esac
results=${1:-/dev/null}
here=$(cd "$(dirname "$0")" && pwd)
# The scripts use `engine run`, whose default is the bridge network: keep
# its bridge and nftables table out of the host's network namespace.
[ "$(id -u)" = 0 ] && . "$here/../integration/netns.inc"
: "${ENGINE_BUILD:?set ENGINE_BUILD to the build directory}"
passed=0 failed=0 skipped=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "$here"/*.sh; do
	case "$(basename "$t")" in run.sh | lib.sh) continue ;; esac
	echo "== escape/$(basename "$t" .sh) =="
	sh "$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^FAIL' "$log")
	if [ $rc -eq 77 ]; then
		skipped=$((skipped + 1))
		continue
	fi
	[ $rc -ne 0 ] && [ "$f" -eq 0 ] && f=1
	passed=$((passed + p)) failed=$((failed + f))
done
echo "escape suite: $passed passed, $failed failed, $skipped skipped"
echo "$passed $failed $skipped" >> "$results"
[ "$failed" -eq 0 ]
