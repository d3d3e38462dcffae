#!/bin/sh
# `docker run --rm --network none busybox true` through `engine daemon` vs
# through dockerd (Debian's docker.io, in a network namespace of its own with
# --bridge=none --iptables=false --ip-masq=false --ip-forward=false), same
# Docker CLI, same run: median and p95 in ms, and the ratio. Then the idle
# resident memory of engine daemon (+ its starter) vs dockerd + containerd.
#
#   bench/daemon/run.sh [N]    (as root; ENGINE_BUILD=<build dir>, default build/default)
set -eu
N=${1:-30}
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${ENGINE_BUILD:-$top/build/default}
RB="$B/bench/run/runbench" # libtool's wrapper finds the build's libengine
DOCKER=${DOCKER:-/usr/local/bin/docker}
command -v dockerd >/dev/null || { echo "dockerd missing: apt-get install docker.io containerd"; exit 1; }
work=$(mktemp -d /tmp/engine-bench-daemon-XXXXXX)
ns="engine-bench-$$"
epid="" dpid=""
cleanup() {
	[ -n "$epid" ] && kill "$epid" 2>/dev/null && wait "$epid" 2>/dev/null
	if [ -n "$dpid" ]; then
		kill "$dpid" 2>/dev/null
		i=0; while kill -0 "$dpid" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
	fi
	ip netns del "$ns" 2>/dev/null
	grep -q "$work" /proc/self/mountinfo && awk -v w="$work" '$5 ~ w {print $5}' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l
	for d in /sys/fs/cgroup/*/engine-bench-daemon /sys/fs/cgroup/*/docker-bench-daemon; do
		[ -d "$d" ] && find "$d" -depth -mindepth 1 -type d -exec rmdir {} + 2>/dev/null; rmdir "$d" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT

# engine daemon with busybox
E() { "$B/tools/engine" --root "$work/engine" "$@"; }
E default >/dev/null
printf '{"cgroup-parent": "engine-bench-daemon"}\n' >"$work/engine.json"
"$B/tools/engine" daemon -H "unix://$work/engine.sock" --data-root "$work/engine" --config "$work/engine.json" \
	>"$work/engine.log" 2>&1 &
epid=$!

# dockerd in its own netns, the same busybox tree imported
ip netns add "$ns"
nsenter --net="/run/netns/$ns" dockerd --data-root "$work/docker" --exec-root "$work/dexec" \
	--pidfile "$work/dockerd.pid" -H "unix://$work/docker.sock" --cgroup-parent docker-bench-daemon \
	--bridge=none --iptables=false --ip-masq=false --ip-forward=false >"$work/dockerd.log" 2>&1 &
dpid=$!
i=0; while { [ ! -S "$work/docker.sock" ] || [ ! -S "$work/engine.sock" ]; } && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
E unpack busybox "$work/rootfs" >/dev/null
tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
i=0; until DOCKER_HOST="unix://$work/docker.sock" "$DOCKER" version >/dev/null 2>&1 || [ $i -ge 300 ]; do sleep 0.1; i=$((i + 1)); done
DOCKER_HOST="unix://$work/docker.sock" "$DOCKER" import -c 'CMD ["/bin/sh"]' "$work/rootfs.tar" busybox:latest >/dev/null

rss() { # rss PID... -> MiB
	t=0
	for p in "$@"; do
		v=$(awk '/^VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
		t=$((t + ${v:-0}))
	done
	echo "$t" | awk '{printf "%.1f", $1 / 1024}'
}
children() { ps -o pid= --ppid "$1" | tr -d ' '; }

export DOCKER_CONFIG="$work/docker-config"
mkdir -p "$DOCKER_CONFIG"
# Warm both up, then time them back to back.
for s in engine docker; do
	DOCKER_HOST="unix://$work/$s.sock" "$DOCKER" run --rm --network none busybox true
done
printf '%-44s %8s %8s\n' "docker run --rm --network none busybox true" "median" "p95"
en=$(DOCKER_HOST="unix://$work/engine.sock" "$RB" --cmd -n "$N" --quiet -- "$DOCKER" run --rm --network none busybox true)
printf '%-44s %8s %8s\n' "engine daemon" $(echo "$en" | cut -d' ' -f1-2)
dk=$(DOCKER_HOST="unix://$work/docker.sock" "$RB" --cmd -n "$N" --quiet -- "$DOCKER" run --rm --network none busybox true)
printf '%-44s %8s %8s\n' "dockerd (docker.io)" $(echo "$dk" | cut -d' ' -f1-2)
echo "$en $dk" | awk '{printf "dockerd / engine daemon: median %.1fx, p95 %.1fx\n", $4 / $1, $5 / $2}'
# The CLI's own cost (a Go binary that pings and asks for the version) is a
# floor no server removes; what is left is the server's part of a run.
fl=$(DOCKER_HOST="unix://$work/engine.sock" "$RB" --cmd -n "$N" --quiet -- "$DOCKER" version)
printf '%-44s %8s %8s\n' "docker version (the CLI's floor)" $(echo "$fl" | cut -d' ' -f1-2)
echo "$en $dk $fl" | awk '{printf "above the CLI floor: engine daemon %.1f ms, dockerd %.1f ms (%.1fx)\n", $1 - $7, $4 - $7, ($4 - $7) / ($1 - $7)}'

sleep 2
e_rss=$(rss "$epid" $(children "$epid"))
d_rss=$(rss "$dpid" $(children "$dpid"))
printf 'idle RSS: engine daemon (+starter) %s MiB, dockerd + containerd %s MiB\n' "$e_rss" "$d_rss"
