#!/bin/sh
# Start latency of one ephemeral /bin/true container: engine_run (fresh
# overlay rootfs from the store, all namespaces, 64m memory + 64 pids
# limits, default seccomp) vs crun and runc on an equivalent OCI bundle
# (same rootfs, namespaces, limits, masked paths, and Docker's default
# seccomp profile from /usr/share/containers/seccomp.json when present), vs
# bwrap (no cgroups, no seccomp), vs plain fork+exec, vs the floor of bare
# `unshare -muipn --fork chroot ROOTFS /bin/true` (no cgroup, no seccomp, no
# overlay). Prints median and p95 in ms, runs/s, and ratios to crun; then
# engine throughput with 2 workers beside unshare's with 2 in parallel
# (issue 13: at least unshare's, and engine_run at or below its floor).
#
#   bench/run/run.sh [N]       (as root; ENGINE_BUILD=<build dir>, default build/default;
#                               ROUNDS=<rounds the engine and unshare rows interleave>, default 5)
set -eu
N=${1:-100}
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/bench/common/bundle.sh"
work=$(mktemp -d /tmp/engine-bench-run-XXXXXX)
cg="engine-bench-run-$$"
# (a runtime that failed to start leaves its container's cgroups)
trap 'rmdir /sys/fs/cgroup/*/"$cg" /sys/fs/cgroup/*/bench-crun-0 /sys/fs/cgroup/*/bench-runc-0 2>/dev/null || :; rm -rf "$work"' EXIT
root="$work/root"
printf '{"cgroup-parent": "%s"}\n' "$cg" >"$work/config.json"

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
# Under a real-time policy (chrt -f) the OCI runtimes cannot move their
# process into a new cpu cgroup (no RT budget there): their rows say n/a.
cr=$(unshare --mount --propagation private -- sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' sh \
	"$RB" --cmd -n "$N" -- "$(command -v crun)" run --bundle "$work/bundle" "bench-crun-{}" 2>/dev/null) || cr="n/a n/a n/a"
row "crun run" "$cr"
rc=$("$RB" --cmd -n "$N" -- "$(command -v runc)" run --bundle "$work/bundle" "bench-runc-{}" 2>/dev/null) || rc="n/a n/a n/a"
row "runc run" "$rc"
# engine_run and the unshare floor: ROUNDS rounds (default 5) of N/ROUNDS
# runs each, the five series in turn, so a change in the machine's load
# falls on all of them; each row is the median of its rounds' medians,
# p95s and rates.
R=${ROUNDS:-5}
n=$((N / R))
[ "$n" -ge 10 ] || n=10
E() { "$RB" --root "$root" --config "$work/config.json" --image busybox -n "$n" "$@"; }
U() { "$RB" --cmd -n "$n" "$@" -- "$(command -v unshare)" --mount --uts --ipc --pid --net --fork \
	chroot "$work/bundle/rootfs" /bin/true; }
for r in $(seq "$R"); do
	E >>"$work/en"
	E --no-limits >>"$work/en0"
	E --workers 2 >>"$work/en2"
	U >>"$work/us"
	U --workers 2 >>"$work/us2"
done
mid() { # mid FILE: the median of each column
	for c in 1 2 3; do
		cut -d' ' -f"$c" "$1" | sort -g | awk '{ v[NR] = $1 } END { printf "%s ", v[int((NR + 1) / 2)] }'
	done
}
en=$(mid "$work/en")
row "engine_run" "$en"
en0=$(mid "$work/en0")
row "engine_run, no limits" "$en0"
en2=$(mid "$work/en2")
row "engine_run, 2 workers" "$en2"
us=$(mid "$work/us")
row "unshare -muipn --fork" "$us"
us2=$(mid "$work/us2")
row "unshare, 2 in parallel" "$us2"
echo
echo "$en $cr $rc $bw" | awk '{
	if ($4 != "n/a") printf "engine_run / crun: median %.2f, p95 %.2f\n", $1 / $4, $2 / $5;
	if ($7 != "n/a") printf "engine_run / runc: median %.2f, p95 %.2f\n", $1 / $7, $2 / $8;
	printf "engine_run / bwrap: median %.2f, p95 %.2f\n", $1 / $10, $2 / $11 }'
echo "$en2" | awk '{ printf "throughput with 2 workers: %.1f containers/s\n", $3 }'
echo "$en $us $en2 $us2" | awk '{ printf "engine_run / unshare: median %.2f, p95 %.2f (target <= 1)\n", $1 / $4, $2 / $5;
	printf "2 workers / unshare 2 in parallel: throughput %.2f (target >= 1)\n", $9 / $12 }'
