#!/bin/sh
# What networking adds to a start: engine_run of /bin/true with
# --network none vs --network bridge (the whole call: veth pair, address,
# route, endpoint record and its release), and the time from
# engine_container_start of a busybox httpd with a published port until it
# answers through the port. Runs in a network namespace of its own, so the
# host's is never touched. Docker's sandbox with networking takes ~150 ms
# here (PEERS.md: dockerd 460 ms a run without it).
#
#   bench/network/run.sh [N]   (as root; ENGINE_BUILD=<build dir>, default build/default)
set -eu
N=${1:-50}
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${ENGINE_BUILD:-$top/build/default}
# On tmpfs like /run/engine (the default run dir, where endpoint state
# lives): this VM's ext4 disk is erratic.
work=$(mktemp -d /dev/shm/engine-bench-net-XXXXXX)
trap 'rm -rf "$work"' EXIT
unshare --net -- sh -c 'ip link set lo up && exec "$@"' sh "$B/bench/network/netbench" "$work/root" "$N"
