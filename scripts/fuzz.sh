#!/bin/sh
# Longer fuzzing than the test suite's 20 s per harness, outside it:
#   scripts/fuzz.sh [SECONDS_EACH] [HARNESS...]     (default 600 s, all)
# Builds build/fuzz (CC=clang --enable-fuzzers) and runs tests/fuzz/run.sh;
# reproducers of anything found land in build/fuzz/tests/fuzz/artifacts.
# Rerun one with: build/fuzz/tests/fuzz/fuzz_NAME ARTIFACT
set -eu
cd "$(dirname "$0")/.."
secs=${1:-600}
[ $# -gt 0 ] && shift
[ -f configure ] || ./autogen.sh >/dev/null
mkdir -p build/fuzz
(cd build/fuzz && [ -f Makefile ] || ../../configure -q CC=clang --enable-fuzzers --disable-python)
make -s -C build/fuzz -j"$(nproc)" fuzzers
exec sh tests/fuzz/run.sh build/fuzz "$secs" "" "$@"
