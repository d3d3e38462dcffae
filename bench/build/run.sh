#!/bin/sh
# Build the same 10-step Dockerfile on the same busybox base with libengine
# (`engine build`) and buildah (Debian), cold (--no-cache) and fully cached,
# in one run; prints median wall times and buildah/libengine ratios.
#   ENGINE_BUILD=<build dir> bench/build/run.sh [ROUNDS]
# buildah runs with its own --root/--runroot, --storage-driver vfs,
# --isolation chroot, --layers (its cache) and --pull=never; its base image
# is the oci-archive that `engine save` writes of our busybox:latest.
set -eu
[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 77; }
command -v buildah >/dev/null || { echo "buildah not installed"; exit 77; }
here=$(cd "$(dirname "$0")" && pwd)
B="${ENGINE_BUILD:?set ENGINE_BUILD to the build directory}"
# The real binary, not libtool's wrapper script (which costs a shell and sed per call).
if [ -x "$B/tools/.libs/engine" ]; then
	E="$B/tools/.libs/engine"
	export LD_LIBRARY_PATH="$B/libengine/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
else
	E="$B/tools/engine"
fi
rounds=${1:-5}
tmp=$(mktemp -d /tmp/bench-build-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
e() { "$E" --root "$tmp/engine" "$@"; }
b() { buildah --root "$tmp/buildah" --runroot "$tmp/buildah-run" --storage-driver vfs "$@"; }

mkdir -p "$tmp/ctx/dir"
cp "$here/Dockerfile" "$tmp/ctx/Dockerfile"
echo "a file" > "$tmp/ctx/a.txt"
for i in 1 2 3 4 5 6 7 8; do echo "file $i" > "$tmp/ctx/dir/f$i"; done

e default >/dev/null
e save -o "$tmp/busybox.tar" --format oci busybox:latest
b pull -q oci-archive:"$tmp/busybox.tar" > "$tmp/bid"
b tag "$(cat "$tmp/bid")" docker.io/library/busybox:latest

now() { date +%s.%N; }
# time_cmd OUTFILE CMD...: append the wall time of one run to OUTFILE.
time_cmd() {
	out=$1; shift
	t0=$(now)
	"$@" > "$tmp/last.log" 2>&1 || { echo "FAILED: $*"; cat "$tmp/last.log"; exit 1; }
	t1=$(now)
	echo "$t1 - $t0" | bc -l >> "$out"
}
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

bb() { b build --isolation chroot --layers --pull=never -q "$@" -t bench:1 "$tmp/ctx"; }
eb() { e build -q "$@" -t bench:1 "$tmp/ctx"; }

# Warm both once (first build fills the cache), then alternate per round.
eb >/dev/null; bb >/dev/null
for i in $(seq "$rounds"); do
	time_cmd "$tmp/e_cold" eb --no-cache
	time_cmd "$tmp/b_cold" bb --no-cache
	time_cmd "$tmp/e_hot" eb
	time_cmd "$tmp/b_hot" bb
done
# The cached engine build must really be all cache hits.
e build -t bench:1 "$tmp/ctx" | grep -c "Using cache" | grep -qx 9 || { echo "engine: not fully cached"; exit 1; }

ec=$(median "$tmp/e_cold"); bc_=$(median "$tmp/b_cold")
eh=$(median "$tmp/e_hot"); bh=$(median "$tmp/b_hot")
printf '%-28s %10s %10s %8s\n' "10-step build ($rounds rounds)" libengine buildah ratio
printf '%-28s %9.3fs %9.3fs %7.1fx\n' "cold (--no-cache)" "$ec" "$bc_" "$(echo "$bc_ / $ec" | bc -l)"
printf '%-28s %9.3fs %9.3fs %7.1fx\n' "fully cached" "$eh" "$bh" "$(echo "$bh / $eh" | bc -l)"
