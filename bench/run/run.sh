#!/bin/sh
# Start latency of one ephemeral /bin/true container: engine_run (fresh
# overlay rootfs from the store, all namespaces, 64m memory + 64 pids
# limits, default seccomp) vs crun and runc on an equivalent OCI bundle
# (same rootfs, namespaces, limits, masked paths, and Docker's default
# seccomp profile from /usr/share/containers/seccomp.json when present), vs
# bwrap (no cgroups, no seccomp), vs plain fork+exec. Prints median and
# p95 in ms, runs/s, and ratios to crun; then engine throughput with 2 workers.
#
#   bench/run/run.sh [N]       (as root; ENGINE_BUILD=<build dir>, default build/default)
set -eu
N=${1:-100}
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/bench/common/bundle.sh"
work=$(mktemp -d /tmp/engine-bench-run-XXXXXX)
trap 'rm -rf "$work"' EXIT
root="$work/root"

"$B/tools/engine" --root "$root" default >/dev/null
# The peers' rootfs: the same busybox tree, unpacked from the image layer.
make_bundle "$root" "$work"

row() { # row NAME "median p95 rate"
	printf '%-26s %8s %8s %8s\n' "$1" $2
}
printf '%-26s %8s %8s %8s\n' "one /bin/true container" "median" "p95" "runs/s"
base=$("$RB" --cmd -n "$N" -- "$work/bundle/rootfs/bin/true")
row "fork+exec" "$base"
bw=$("$RB" --cmd -n "$N" -- "$(command -v bwrap)" --unshare-all --ro-bind "$work/bundle/rootfs" / --proc /proc --dev /dev /bin/true)
row "bwrap" "$bw"
# crun refuses the hybrid layout: hide the v2 mount in a private namespace, once.
cr=$(unshare --mount --propagation private -- sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' sh \
	"$RB" --cmd -n "$N" -- "$(command -v crun)" run --bundle "$work/bundle" "bench-crun-{}")
row "crun run" "$cr"
rc=$("$RB" --cmd -n "$N" -- "$(command -v runc)" run --bundle "$work/bundle" "bench-runc-{}")
row "runc run" "$rc"
en=$("$RB" --root "$root" --image busybox -n "$N")
row "engine_run" "$en"
en0=$("$RB" --root "$root" --image busybox -n "$N" --no-limits)
row "engine_run, no limits" "$en0"
en2=$("$RB" --root "$root" --image busybox -n "$N" --workers 2)
row "engine_run, 2 workers" "$en2"
echo
echo "$en $cr $rc $bw" | awk '{ printf "engine_run / crun: median %.2f, p95 %.2f\n", $1 / $4, $2 / $5;
	printf "engine_run / runc: median %.2f, p95 %.2f\n", $1 / $7, $2 / $8;
	printf "engine_run / bwrap: median %.2f, p95 %.2f\n", $1 / $10, $2 / $11 }'
echo "$en2" | awk '{ printf "throughput with 2 workers: %.1f containers/s\n", $3 }'
