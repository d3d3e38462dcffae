#!/bin/sh
# `docker run --rm --network none busybox true` with engine-oci, runc and
# crun as dockerd's runtime, one dockerd (Debian's docker.io) for all three,
# interleaved (the order rotates every round), as root. dockerd runs in a
# network namespace of its own (docker-api's flags) and in a mount
# namespace where the cgroup2 mount is hidden, which crun needs on this
# hybrid host; the three runtimes see the same cgroups. Prints median and
# p95 in ms and the ratio to crun.
#
#   bench/oci/docker.sh [ROUNDS]   (ENGINE_BUILD=<build dir>, default build/default)
set -eu
N=${1:-20}
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${ENGINE_BUILD:-$top/build/default}
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
for t in dockerd runc crun unshare nsenter; do command -v $t >/dev/null || { echo "$t missing"; exit 77; }; done
DOCKER=${DOCKER:-$(command -v docker || echo /usr/local/bin/docker)}
[ -x "$DOCKER" ] || { echo "no docker CLI"; exit 77; }
[ -x /bin/busybox ] || { echo "no /bin/busybox"; exit 77; }
work=$(mktemp -d /tmp/engine-bench-ocid-XXXXXX)
ns="engine-bench-ocid-$$"
parent="engine-bench-ocid-$$"
dpid=""
D() { "$DOCKER" -H "unix://$work/docker.sock" "$@"; }
cleanup() {
	if [ -n "$dpid" ]; then
		ids=$(D ps -aq 2>/dev/null || :)
		[ -n "$ids" ] && D rm -f $ids >/dev/null 2>&1
		kill "$dpid" 2>/dev/null
		i=0
		while kill -0 "$dpid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		kill -9 "$dpid" 2>/dev/null || :
	fi
	ip netns delete "$ns" 2>/dev/null || :
	for h in /sys/fs/cgroup/*/; do
		[ -d "$h$parent" ] && find "$h$parent" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	grep -o " $work[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$ns"
ip -n "$ns" link set lo up
mkdir -p "$work/rootfs/bin"
cp /bin/busybox "$work/rootfs/bin/"
for a in sh true; do ln -s busybox "$work/rootfs/bin/$a"; done
tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
# crun through a wrapper would be timed too: dockerd itself lives in the
# namespace without the cgroup2 mount, so crun runs as is
nsenter --net="/run/netns/$ns" unshare --mount --propagation private -- sh -c \
	'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' sh \
	dockerd --data-root "$work/data" --exec-root "$work/exec" --pidfile "$work/dockerd.pid" \
	-H "unix://$work/docker.sock" --bridge=none --iptables=false --ip-masq=false --ip-forward=false \
	--cgroup-parent "$parent" --add-runtime "engine=$B/tools/engine-oci" \
	--add-runtime "crun=$(command -v crun)" >"$work/dockerd.log" 2>&1 &
dpid=$!
i=0
while ! D version >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 300 ] || { tail -n 20 "$work/dockerd.log"; exit 1; }; sleep 0.1
done
D import -c 'CMD ["/bin/sh"]' "$work/rootfs.tar" busybox:latest >/dev/null
echo "$N rounds, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$DOCKER" "unix://$work/docker.sock" "$N" <<'PY'
import subprocess, sys, time
docker, host, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
rts = ["engine", "runc", "crun"]
t = {r: [] for r in rts}
for i in range(n + 2):
    for r in rts[i % 3:] + rts[:i % 3]:
        t0 = time.perf_counter()
        p = subprocess.run([docker, "-H", host, "run", "--rm", "--network", "none", "--runtime", r,
                            "busybox", "true"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        dt = time.perf_counter() - t0
        if p.returncode != 0:
            sys.exit("%s: exit %d: %s" % (r, p.returncode, p.stderr.decode()))
        if i >= 2:
            t[r].append(dt)
def st(v):
    v = sorted(v)
    return v[len(v) // 2] * 1000, v[min(len(v) - 1, int(len(v) * 0.95))] * 1000
base = st(t["crun"])[0]
print("%-34s %9s %9s %9s" % ("docker run --rm ... true", "median", "p95", "vs crun"))
for r in rts:
    m, p = st(t[r])
    print("%-34s %7.1fms %7.1fms %8.2fx" % ("--runtime " + ("engine (engine-oci)" if r == "engine" else r), m, p, m / base))
PY
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
