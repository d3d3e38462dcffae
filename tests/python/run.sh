#!/bin/sh
# Runs the Python binding's pytest suite against a build tree.
# Usage: ENGINE_BUILD=<abs build dir> tests/python/run.sh [RESULTS_FILE] [PYTEST_ARGS...]
# Appends "passed failed skipped" to RESULTS_FILE; exits non-zero on failure.
# A first argument starting with "-" is pytest's (run.sh -k name), never a
# results file: that is how a stray file named "-k" once landed in the tree.
set -u
results=/dev/null
case "${1:-}" in "" | -*) ;; *) results=$1 && shift ;; esac
here=$(cd "$(dirname "$0")" && pwd)
build=${ENGINE_BUILD:?set ENGINE_BUILD to the build directory}
py=/usr/bin/python3

echo "== Python binding (pytest) =="
if [ ! -f "$build/bindings/python/engine/capi.py" ]; then
	echo "python binding not built in $build (configure found no swig or Python headers): skipped"
	echo "0 0 1" >> "$results"
	exit 0
fi
junit=$(mktemp)
basetemp=$(mktemp -d -t engine-pytest-XXXXXX)
trap 'rm -rf "$junit" "$basetemp"' EXIT
PYTHONPATH="$build/bindings/python${PYTHONPATH:+:$PYTHONPATH}" PYTHONDONTWRITEBYTECODE=1 \
	ENGINE_BUILD="$build" "$py" -m pytest -p no:cacheprovider -q -rfEs \
	--basetemp="$basetemp" --junitxml="$junit" "$here" "$@"
rc=$?
counts=$("$py" - "$junit" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception:
    print("0 0 0"); sys.exit()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
t = f = s = 0
for su in suites:
    t += int(su.get("tests", 0)); s += int(su.get("skipped", 0))
    f += int(su.get("failures", 0)) + int(su.get("errors", 0))
print(t - f - s, f, s)
PY
)
set -- $counts
passed=$1 failed=$2 skipped=$3
# pytest exits 5 when it collected nothing: that is a failure here.
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	echo "pytest exited with status $rc"
	failed=1
fi
echo "$passed $failed $skipped" >> "$results"
[ "$rc" -eq 0 ]
