#!/bin/sh
# Prepared sandboxes for harnesses (issue 13): a loop of "5 ms of test work,
# then one /bin/true container with full isolation (busybox image, all
# namespaces, 64m memory + 64 pids limits, default seccomp)", timing call to
# result of the container, for
#   engine_pool_run   sandboxes prepared in the background (pool of 2)
#   engine_run        everything on the caller's path
#   unshare           `unshare -muipn --fork chroot ROOTFS /bin/true` (the floor)
# interleaved in one run (blocks of 50 runs of each in turn); prints median and p95 in ms and the ratios (target: pool
# median under 1.5 ms, p95 under 3 ms, below unshare).
#
#   bench/pool/run.sh [N]      (as root; ENGINE_BUILD=<build dir>, default build/default)
set -eu
N=${1:-300}
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/bench/common/bundle.sh"
PB="$B/bench/pool/.libs/poolbench"
[ -x "$PB" ] || PB="$B/bench/pool/poolbench"
work=$(mktemp -d /dev/shm/engine-bench-pool-XXXXXX)
trap 'rm -rf "$work"; for d in /sys/fs/cgroup/*/engine-bench-pool /sys/fs/cgroup/engine-bench-pool; do [ ! -d "$d" ] || rmdir "$d"; done 2>/dev/null || true' EXIT
root="$work/root"
"$B/tools/engine" --root "$root" default >/dev/null
make_bundle "$root" "$work"
printf '{"cgroup-parent": "engine-bench-pool"}\n' >"$work/config.json"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg), N=$N, 5 ms of work between runs, interleaved in blocks of 50"
out=$("$PB" --root "$root" --config "$work/config.json" --mode all -n "$N" -- "$(command -v unshare)" \
	--mount --uts --ipc --pid --net --fork chroot "$work/bundle/rootfs" /bin/true)
pool=$(echo "$out" | sed -n 1p)
run=$(echo "$out" | sed -n 2p)
us=$(echo "$out" | sed -n 3p)
printf '%-34s %8s %8s\n' "call to result, /bin/true" "median" "p95"
printf '%-34s %8s %8s\n' "engine_pool_run (pool of 2)" $pool
printf '%-34s %8s %8s\n' "engine_run" $run
printf '%-34s %8s %8s\n' "unshare -muipn --fork chroot" $us
echo
echo "$pool $run $us" | awk '{
	printf "pool / engine_run: median %.2f, p95 %.2f\n", $1 / $3, $2 / $4;
	printf "pool / unshare:    median %.2f, p95 %.2f (target < 1)\n", $1 / $5, $2 / $6;
	printf "engine_run / unshare: median %.2f\n", $3 / $5 }'
