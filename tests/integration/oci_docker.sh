#!/bin/sh
# engine-oci under dockerd and containerd (Debian's docker.io and
# containerd), each started here in a network namespace of the test's own
# with private roots and cgroup parent, killed by PID at the end:
# docker run --runtime engine with engine-oci in daemon.json (--rm, -d +
# exec + logs + stop + rm, -t, pause/unpause, a memory limit, kill -s,
# rm -f, the shim showing engine-oci's logged error, a runtime added on
# SIGHUP), ctr run --runc-binary engine-oci, and
# Swarm on a single node (SWARM=1: service create --replicas 3, update -f,
# rm) with engine-oci as the default runtime.
set -u
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
[ -x /bin/busybox ] || { echo "skip: no /bin/busybox"; exit 77; }
command -v dockerd >/dev/null && command -v containerd >/dev/null && command -v ctr >/dev/null ||
	{ echo "skip: no dockerd/containerd (scripts/setup.sh installs them)"; exit 77; }
ENGINE_BUILD=${ENGINE_BUILD:-$(pwd)}
OCI=${ENGINE_OCI:-$ENGINE_BUILD/tools/engine-oci}
DOCKER=${DOCKER:-$(command -v docker || echo /usr/local/bin/docker)}
[ -x "$DOCKER" ] || { echo "skip: no docker CLI"; exit 77; }
tmp=$(mktemp -d /tmp/engine-it-ocid-XXXXXX)
ns="engine-it-ocid-$$"
parent="engine-it-$(basename "$tmp")"
fails=0
dpid="" cpid=""
check() { # check NAME EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then echo "ok   $1"; else echo "FAIL $1: expected [$2] got [$3]"; fails=$((fails + 1)); fi
}
contains() { # contains NAME NEEDLE TEXT
	case "$3" in *"$2"*) echo "ok   $1" ;; *) echo "FAIL $1: [$3] lacks [$2]"; fails=$((fails + 1)) ;; esac
}
stop_pid() { # stop_pid PID: TERM, then KILL after 10 s
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
cleanup() {
	if [ -n "$dpid" ]; then
		D swarm leave --force >/dev/null 2>&1
		ids=$(D ps -aq 2>/dev/null)
		[ -n "$ids" ] && D rm -f $ids >/dev/null 2>&1
	fi
	stop_pid "$dpid"
	stop_pid "$cpid"
	# what the daemons mounted under their roots
	grep -o " $tmp[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
	ip netns delete "$ns" 2>/dev/null
	for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/unified/; do
		# A relative cgroupsPath (dockerd's --cgroup-parent without a slash)
		# lands below engine-oci's own parent, "engine".
		for d in "$h$parent" "${h}ocid-$ns" "${h}engine/$parent"; do
			[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
		done
		rmdir "${h}engine" 2>/dev/null
	done
	if [ $fails -gt 0 ]; then
		echo "--- dockerd log"; tail -n 30 "$tmp/dockerd.log"
		for l in "$tmp"/exec/containerd/daemon/io.containerd.runtime.v2.task/moby/*/log.json; do
			[ -f "$l" ] && { echo "--- $l"; tail -n 5 "$l"; }
		done
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
D() { "$DOCKER" -H "unix://$tmp/docker.sock" "$@"; }

ip netns add "$ns" || { echo "FAIL: ip netns add"; exit 1; }
ip -n "$ns" link set lo up
# an address for Swarm's advertise address (it never leaves the namespace)
ip -n "$ns" link add eng0 type veth peer name eng1
ip -n "$ns" addr add 198.18.0.1/24 dev eng0
ip -n "$ns" link set eng0 up
ip -n "$ns" link set eng1 up

# busybox as an image
mkdir -p "$tmp/rootfs/bin" "$tmp/rootfs/etc"
cp /bin/busybox "$tmp/rootfs/bin/"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "$tmp/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$tmp/rootfs/etc/passwd"
tar -C "$tmp/rootfs" -cf "$tmp/rootfs.tar" .

# engine-oci registered in daemon.json (the --add-runtime flag is the
# Swarm run's below)
printf '{"runtimes": {"engine": {"path": "%s"}}}\n' "$OCI" > "$tmp/daemon.json"
nsenter --net="/run/netns/$ns" dockerd --data-root "$tmp/data" --exec-root "$tmp/exec" \
	--pidfile "$tmp/dockerd.pid" -H "unix://$tmp/docker.sock" --bridge=none --iptables=false \
	--ip-masq=false --ip-forward=false --cgroup-parent "$parent" --config-file "$tmp/daemon.json" \
	>"$tmp/dockerd.log" 2>&1 &
dpid=$!
i=0
while ! D version >/dev/null 2>&1 && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
D version >/dev/null 2>&1 || { echo "FAIL: dockerd did not start"; fails=1; exit 1; }
D import -c 'CMD ["/bin/sh"]' "$tmp/rootfs.tar" busybox:latest >/dev/null
contains "docker info lists the runtime" "engine" "$(D info --format '{{json .Runtimes}}')"

out=$(D run --runtime engine --rm --network none busybox echo hi 2>&1); check "docker run --rm" "hi" "$out"
out=$(D run --runtime engine --rm --network none busybox sh -c 'exit 7'); check "docker run exit status" 7 $?
D run --runtime engine -d --network none --name d1 busybox sh -c 'echo started; exec sleep 100' >/dev/null
check "docker run -d" 0 $?
out=$(D exec d1 sh -c 'echo exec-$((2+3))'); check "docker exec" "exec-5" "$out"
i=0
while [ "$(D logs d1 2>&1)" != started ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "docker logs" "started" "$(D logs d1 2>&1)"
D pause d1 >/dev/null; check "docker pause" paused "$(D inspect -f '{{.State.Status}}' d1)"
D unpause d1 >/dev/null; check "docker unpause" running "$(D inspect -f '{{.State.Status}}' d1)"
D stop -t 2 d1 >/dev/null; check "docker stop" exited "$(D inspect -f '{{.State.Status}}' d1)"
D rm d1 >/dev/null; check "docker rm" 0 $?
out=$(D run --runtime engine --rm -t --network none busybox tty | tr -d '\r'); check "docker run -t" "/dev/pts/0" "$out"
out=$(D run --runtime engine --rm -m 64m --network none busybox cat /sys/fs/cgroup/memory/memory.limit_in_bytes)
check "docker run -m" 67108864 "$out"
out=$(D run --runtime engine --rm --network none busybox sh -c 'cat /proc/self/status | grep ^CapEff')
check "docker's capabilities" "CapEff:	00000000a80425fb" "$out"
# the shim reads engine-oci's --log (json) for the error it shows
out=$(D run --runtime engine --rm --network none busybox /nonexistent 2>&1); check "docker run: missing command fails" 127 $?
contains "docker shows engine-oci's error" 'exec: "/nonexistent": no such file or directory' "$out"
# docker kill (kill ID SIG), rm -f of a running one (kill 9, delete)
D run --runtime engine -d --network none --name d2 busybox sh -c 'trap "exit 7" USR1; echo up; while :; do sleep 0.1; done' >/dev/null
i=0
while [ "$(D logs d2 2>&1)" != up ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
D kill -s USR1 d2 >/dev/null; check "docker kill -s USR1" 0 $?
check "the signal reached it" 7 "$(D wait d2)"
D rm d2 >/dev/null
D run --runtime engine -d --network none --name d3 busybox sleep 100 >/dev/null
D rm -f d3 >/dev/null; check "docker rm -f running" 0 $?
check "gone after rm -f" "" "$(D ps -aq --filter name=d3)"
# a runtime added to daemon.json, reloaded on SIGHUP
printf '{"runtimes": {"engine": {"path": "%s"}, "engine2": {"path": "%s"}}}\n' "$OCI" "$OCI" > "$tmp/daemon.json"
kill -HUP "$dpid"
i=0
while ! D info --format '{{json .Runtimes}}' | grep -q engine2 && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
out=$(D run --runtime engine2 --rm --network none busybox echo reloaded 2>&1); check "runtime added on SIGHUP" "reloaded" "$out"

# containerd on its own, ctr run --runc-binary
nsenter --net="/run/netns/$ns" containerd --root "$tmp/ctrd/root" --state "$tmp/ctrd/state" \
	--address "$tmp/ctrd/ctrd.sock" >"$tmp/containerd.log" 2>&1 &
cpid=$!
C() { ctr -a "$tmp/ctrd/ctrd.sock" -n "ocid-$ns" "$@"; }
i=0
while ! C version >/dev/null 2>&1 && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
D save busybox:latest -o "$tmp/busybox-image.tar"
C images import --all-platforms "$tmp/busybox-image.tar" >/dev/null 2>&1
img=$(C images ls -q | head -n 1)
out=$(C run --runc-binary "$OCI" --rm "$img" c1 /bin/echo hi-ctr 2>&1); check "ctr run --runc-binary" "hi-ctr" "$out"

if [ "${SWARM:-0}" = 1 ]; then
	stop_pid "$dpid"
	nsenter --net="/run/netns/$ns" dockerd --data-root "$tmp/data" --exec-root "$tmp/exec" \
		--pidfile "$tmp/dockerd.pid" -H "unix://$tmp/docker.sock" --bridge=none --iptables=false \
		--ip-masq=false --ip-forward=false --cgroup-parent "$parent" --add-runtime "engine=$OCI" \
		--default-runtime engine >>"$tmp/dockerd.log" 2>&1 &
	dpid=$!
	i=0
	while ! D version >/dev/null 2>&1 && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	D swarm init --advertise-addr 198.18.0.1 >/dev/null 2>&1; check "swarm init" 0 $?
	D service create --detach --no-resolve-image --name s1 --replicas 3 busybox sleep 1000 >/dev/null
	check "service create" 0 $?
	running() { D service ps s1 --filter desired-state=running --format '{{.CurrentState}}' | grep -c ^Running; }
	i=0
	while [ "$(running)" != 3 ] && [ $i -lt 120 ]; do sleep 0.5; i=$((i + 1)); done
	check "3 replicas running" 3 "$(running)"
	before=$(D ps -q --filter label=com.docker.swarm.service.name=s1 | sort | tr '\n' ' ')
	D service update --detach --force s1 >/dev/null; check "service update --force" 0 $?
	i=0
	while { [ "$(running)" != 3 ] || [ "$(D ps -q --filter label=com.docker.swarm.service.name=s1 | sort | tr '\n' ' ')" = "$before" ]; } && [ $i -lt 180 ]; do sleep 0.5; i=$((i + 1)); done
	check "update --force: 3 running" 3 "$(running)"
	after=$(D ps -q --filter label=com.docker.swarm.service.name=s1 | sort | tr '\n' ' ')
	[ "$after" != "$before" ]; check "update --force replaced the tasks" 0 $?
	D service rm s1 >/dev/null; check "service rm" 0 $?
fi

[ "$fails" = 0 ] && echo "oci_docker: all passed" || echo "oci_docker: $fails failed"
[ "$fails" = 0 ]
