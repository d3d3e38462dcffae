#!/bin/sh
# The whole test suite, from a clean checkout: installs dependencies, builds
# with -Werror, runs every suite (C/Check, header test, Python, Go), then
# rebuilds with ASan+UBSan and runs the C suite again, then runs each
# libFuzzer harness for 20 s when clang is installed. Ends with one line:
# "N passed, N failed, N skipped" (skipped: tests this host cannot run).
set -u
cd "$(dirname "$0")/.."
top=$(pwd)
scripts/setup.sh || exit 1
# An in-tree configure would make the out-of-tree builds below refuse to run.
[ -f config.status ] && make distclean >/dev/null 2>&1
./autogen.sh >/dev/null 2>&1 || { echo "autogen failed"; exit 1; }
results=$(mktemp)
before=$(mktemp)
sh tests/leftovers.sh snapshot "$before"
status=0
start=$(date +%s)
# Every suite puts its containers' cgroups under a parent of its own and
# removes it (suites of other runs may be running beside this one); the
# leftovers check at the end reports any cgroup this run left, the default
# parent "engine" included.
trap 'rm -f "$results" "$before"' EXIT

build() { # build DIR CONFIGURE_ARGS...
	d=$1; shift
	mkdir -p "$d" && (cd "$d" && "$top/configure" -q "$@" && make -s -j"$(nproc)" >/dev/null) ||
		{ echo "build in $d failed"; (cd "$d" && make -j1 2>&1 | tail -n 40); return 1; }
}

run_check() { # run_check DIR LABEL
	echo "== C suite ($2) [t+$(( $(date +%s) - start ))s] =="
	(cd "$1" && make -s -j"$(nproc)" check >/dev/null 2>&1)
	# One line per suite (its Check summary), then every failing assertion.
	for log in "$1"/tests/unit/*.log; do
		[ -f "$log" ] || continue
		name=$(basename "$log" .log)
		sum=$(grep -E '^[0-9]+%: Checks' "$log" | tail -n1)
		res=$(sed -n 's/^:test-result: //p' "${log%.log}.trs" 2>/dev/null | head -n1)
		skips=$(grep -c '^SKIP: ' "$log")
		[ "$skips" -gt 0 ] && sum="$sum, Skipped: $skips"
		printf '%-28s %-5s %s\n' "$name" "$res" "$sum"
	done
	# What could not run here, and why.
	grep -h '^SKIP: ' "$1"/tests/unit/*.log 2>/dev/null | sort | uniq -c | head -n 40
	grep -hE ':[EF]:|^FAIL|ERROR' "$1"/tests/unit/*.log 2>/dev/null | head -n 100
	sh tests/collect.sh "$1" >> "$results"
	(cd "$1" && sed -n '/^# TOTAL/,/^# ERROR/p' test-suite.log)
}

build build/default --enable-werror || status=1
[ $status -eq 0 ] && run_check build/default "-Werror"
for t in tests/integration/*.sh; do
	[ -f "$t" ] || continue
	echo "== $t [t+$(( $(date +%s) - start ))s] =="
	if ENGINE_BUILD="$top/build/default" sh "$t"; then echo "1 0 0" >> "$results"
	else rc=$?; if [ $rc -eq 77 ]; then echo "0 0 1" >> "$results"; else echo "0 1 0" >> "$results"; fi; fi
done
[ -x tests/escape/run.sh ] && ENGINE_BUILD="$top/build/default" tests/escape/run.sh "$results"
[ -x tests/python/run.sh ] && ENGINE_BUILD="$top/build/default" tests/python/run.sh "$results"
[ -x tests/go/run.sh ] && ENGINE_BUILD="$top/build/default" tests/go/run.sh "$results"

build build/asan --enable-werror --enable-sanitizers --disable-python || status=1
[ $status -eq 0 ] && ASAN_OPTIONS=detect_leaks=1 run_check build/asan "ASan+UBSan"

# The libFuzzer harnesses (tests/fuzz), a bounded run each, where clang and
# its libFuzzer runtime are installed. scripts/fuzz.sh runs them longer.
if command -v clang >/dev/null 2>&1; then
	echo "== fuzzers, ${FUZZ_SECONDS:-20} s each [t+$(( $(date +%s) - start ))s] =="
	if mkdir -p build/fuzz && (cd build/fuzz && "$top/configure" -q CC=clang --enable-fuzzers --disable-python &&
		make -s -j"$(nproc)" fuzzers >/dev/null 2>&1); then
		sh tests/fuzz/run.sh build/fuzz "${FUZZ_SECONDS:-20}" "$results"
	else
		echo "fuzz build failed"
		echo "0 1 0" >> "$results"
	fi
fi

echo "== leftovers [t+$(( $(date +%s) - start ))s] =="
if sh tests/leftovers.sh check "$before"; then echo "1 0 0" >> "$results"; else echo "0 1 0" >> "$results"; fi

echo "== done in $(( $(date +%s) - start ))s =="
sh tests/summary.sh "$results"
if [ $status -ne 0 ] || awk '{ f += $2 } END { exit f > 0 ? 0 : 1 }' "$results"; then exit 1; fi
exit 0
