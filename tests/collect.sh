#!/bin/sh
# Turns the logs of one `make check` run into "passed failed skipped" lines.
# Check logs carry "NN%: Checks: N, Failures: F, Errors: E"; each line
# "SKIP: <test>: <why>" (TH_SKIP in tests/unit/check_helpers.h) is a test
# that could not run on this host, counted as skipped rather than passed; a
# suite that exited 77 counts its SKIP lines (at least one); a plain script
# test counts as one result.
# Usage: collect.sh BUILD_DIR >> results
set -u
dir=$1
find "$dir/tests" -name '*.trs' | sort | while read -r trs; do
	log=${trs%.trs}.log
	res=$(sed -n 's/^:test-result: //p' "$trs" | head -n1)
	line=$(grep -E '^[0-9]+%: Checks: [0-9]+' "$log" 2>/dev/null | tail -n1)
	skips=$(grep -c '^SKIP: ' "$log" 2>/dev/null)
	skips=${skips:-0}
	if [ "$res" = SKIP ]; then
		echo "0 0 $((skips > 0 ? skips : 1))"
	elif [ -n "$line" ]; then
		echo "$line" | awk -v res="$res" -v skips="$skips" '{ gsub(",", ""); c=$3; f=$5; e=$7;
			fail = f + e; if (res != "PASS" && fail == 0) fail = 1;
			print c - f - e - skips, fail, skips }'
	elif [ "$res" = PASS ]; then
		echo "1 0 0"
	else
		echo "0 1 0"
	fi
done
