#!/bin/sh
# Turns the logs of one `make check` run into "passed failed skipped" lines.
# Check logs carry "NN%: Checks: N, Failures: F, Errors: E"; a suite that
# exited 77 counts as one skip; a plain script test counts as one result.
# Usage: collect.sh BUILD_DIR >> results
set -u
dir=$1
find "$dir/tests" -name '*.trs' | sort | while read -r trs; do
	log=${trs%.trs}.log
	res=$(sed -n 's/^:test-result: //p' "$trs" | head -n1)
	line=$(grep -E '^[0-9]+%: Checks: [0-9]+' "$log" 2>/dev/null | tail -n1)
	if [ "$res" = SKIP ]; then
		echo "0 0 1"
	elif [ -n "$line" ]; then
		echo "$line" | awk -v res="$res" '{ gsub(",", ""); c=$3; f=$5; e=$7;
			fail = f + e; if (res != "PASS" && fail == 0) fail = 1;
			print c - f - e, fail, 0 }'
	elif [ "$res" = PASS ]; then
		echo "1 0 0"
	else
		echo "0 1 0"
	fi
done
