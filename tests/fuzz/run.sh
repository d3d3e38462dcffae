#!/bin/sh
# Run every libFuzzer harness of a --enable-fuzzers build for a bounded time.
#   sh tests/fuzz/run.sh BUILD_DIR SECONDS [RESULTS_FILE] [HARNESS...]
# Each starts from its seed corpus (tests/fuzz/corpus/<name>, copied, so new
# inputs never land in the tree). A crash, leak, timeout or sanitizer report
# fails the harness; its reproducer is kept in BUILD_DIR/tests/fuzz/artifacts.
# With RESULTS_FILE, one "passed failed skipped" line per harness is appended
# (the format scripts/test.sh sums).
set -u
build=${1:?build dir}
secs=${2:?seconds}
results=${3:-}
[ $# -ge 3 ] && shift 3 || shift $#
here=$(cd "$(dirname "$0")" && pwd)
names=${*:-"unpack image_archive manifest image_config dockerfile envfile reference seccomp challenge"}
art="$build/tests/fuzz/artifacts"
mkdir -p "$art"
# The harnesses write small trees per input (fuzz_unpack): a tmpfs is much
# faster than a disk where there is one.
[ -z "${FUZZ_TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] && FUZZ_TMPDIR=/dev/shm
export TMPDIR="${FUZZ_TMPDIR:-${TMPDIR:-/tmp}}"
work=$(mktemp -d "$TMPDIR/engine-fuzz-run-XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=0
for n in $names; do
	bin="$build/tests/fuzz/fuzz_$n"
	if [ ! -x "$bin" ]; then
		echo "fuzz_$n: not built"
		[ -n "$results" ] && echo "0 1 0" >> "$results"
		failed=1
		continue
	fi
	mkdir -p "$work/$n"
	cp "$here/corpus/$n"/* "$work/$n/" 2>/dev/null
	log="$work/$n.log"
	# leak detection on; a 20 s hang of one input is a failure too
	if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 LSAN_OPTIONS=suppressions="$(cd "$(dirname "$0")" && pwd)/lsan.supp" UBSAN_OPTIONS=print_stacktrace=1 \
		"$bin" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -max_len=65536 \
		-print_final_stats=1 -artifact_prefix="$art/${n}-" "$work/$n" > "$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1)
		echo "fuzz_$n: ok (${runs:-?} runs, $cov)"
		[ -n "$results" ] && echo "1 0 0" >> "$results"
	else
		echo "fuzz_$n: FAILED"
		grep -E 'ERROR:|SUMMARY:|==[0-9]+==|artifact|Test unit written' "$log" | head -n 20
		[ -n "$results" ] && echo "0 1 0" >> "$results"
		failed=1
	fi
done
exit $failed
