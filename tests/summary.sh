#!/bin/sh
# Adds up results from the logs of every suite that ran (Check, shell tests,
# pytest, go test) and prints the one closing line:
# "N passed, N failed, N skipped" (skipped: tests this host cannot run).
# Usage: summary.sh RESULTS_FILE...  where each file holds "passed failed skipped" lines.
set -u
awk '{ p += $1; f += $2; s += $3 } END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$@"
