#!/bin/sh
# What a container takes from the host beyond the default sandbox, through
# the library's engine_spec_* (engine run's flags) and engine daemon's
# HostConfig (the Docker CLI's): --sysctl, --group-add, --device,
# --volumes-from, --cpuset-mems, --oom-kill-disable, --link; and the bad
# values each refuses (a sysctl outside the container's namespaces, a
# missing device, a path outside /dev, an unknown group or container).
set -u
. "$(dirname "$0")/daemon_common.inc"
start_daemon
D() { timeout 60 "$DOCKER" "$@"; }

# --- sysctls
out=$(D run --rm --network none --sysctl net.ipv4.ip_forward=1 --sysctl kernel.shmmax=12345 busybox \
	cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax 2>&1 | tr '\n' ' ')
check "docker --sysctl net and ipc" "1 12345 " "$out"
out=$(E run --rm --network none --sysctl net/ipv4/ip_forward=1 busybox cat /proc/sys/net/ipv4/ip_forward 2>&1)
check "engine run --sysctl as a path" "1" "$out"
check "the host's sysctl untouched" "0" "$(cat /proc/sys/net/ipv4/ip_forward)"
curl -s --unix-socket "$sock" -H 'Content-Type: application/json' -o "$root/out" -w '%{http_code}' \
	-d '{"Image":"busybox","HostConfig":{"Sysctls":{"kernel.hostname":"x"}}}' \
	http://d/v1.41/containers/create >"$root/code"
check "a sysctl outside the namespaces is a 400" "400" "$(cat "$root/code")"
grep -q 'sysctl \\"kernel.hostname\\" is not allowed' "$root/out"; check "its message names it" 0 $?
E run --rm --network none --sysctl vm.swappiness=1 busybox true 2>"$root/err"; check "engine run refuses vm.*" 125 $?
E run --rm --network none --sysctl net.ipv4/../x=1 busybox true 2>/dev/null; check "a climbing key" 125 $?
D run --rm --network host --sysctl net.ipv4.ip_forward=1 busybox true 2>"$root/err"
check "net.* with the host's network fails" 125 $?
grep -q "not allowed in the host network namespace" "$root/err"; check "host network message" 0 $?

# --- groups
check "docker --group-add gid and name" "uid=0(root) gid=0(root) groups=0(root),1(daemon),10(wheel),1234" \
	"$(D run --rm --network none --group-add 1234 --group-add daemon busybox id 2>&1)"
check "engine run -u --group-add" "1000 1000 2 5" \
	"$(E run --rm --network none -u 1000:1000 --group-add 5 --group-add bin busybox sh -c 'echo $(id -u) $(id -G)' 2>&1)"
D run --rm --network none --group-add nosuch busybox id 2>"$root/err"; check "an unknown group fails" 125 $?
grep -q "unable to find group nosuch" "$root/err"; check "unknown group message" 0 $?

# --- devices
out=$(D run --rm --network none --device /dev/null:/dev/mynull busybox sh -c \
	'ls -l /dev/mynull | cut -c1; echo x >/dev/mynull && echo wrote' 2>&1 | tr '\n' ' ')
check "docker --device: a node, usable" "c wrote " "$out"
if [ -b /dev/loop0 ]; then
	out=$(E run --rm --network none --device /dev/loop0:/dev/xda:r busybox sh -c \
		'head -c1 /dev/xda >/dev/null && echo read; (echo x >/dev/xda) 2>/dev/null || echo denied' 2>&1 | tr '\n' ' ')
	check "engine run --device :r reads, cannot write" "read denied " "$out"
	E run --rm --network none busybox test -e /dev/loop0; check "no device without --device" 1 $?
fi
D run --rm --network none --device /dev/nope busybox true 2>"$root/err"; check "a missing device fails: 127, as the CLI reads dockerd's words" 127 $?
grep -q 'error gathering device information while adding custom device "/dev/nope"' "$root/err"
check "missing device message (dockerd's)" 0 $?
E run --rm --network none --device /etc/passwd:/dev/p busybox true 2>/dev/null; check "a file is no device" 125 $?
E run --rm --network none --device /dev/null:/etc/null busybox true 2>/dev/null; check "a container path outside /dev" 125 $?
E run --rm --network none --device /dev/null:/dev/../x busybox true 2>/dev/null; check "a climbing container path" 125 $?
E run --rm --network none --device /dev/null:rwx busybox true 2>/dev/null; check "bad permissions" 125 $?

# --- volumes-from
D create --name vsrc --network none -v /data -v vnamed:/named busybox sh -c 'echo a >/data/f' >/dev/null
D start -a vsrc >/dev/null
check "docker --volumes-from sees the volumes" "a ok" \
	"$(D run --rm --network none --volumes-from vsrc busybox sh -c 'cat /data/f; test -d /named && echo ok' 2>&1 | tr '\n' ' ' | sed 's/ $//')"
D run --rm --network none --volumes-from vsrc:ro busybox touch /data/x 2>/dev/null; check "volumes-from :ro" 1 $?
check "engine run --volumes-from" "a" "$(E run --rm --network none --volumes-from vsrc busybox cat /data/f 2>&1)"
D run --rm --network none --volumes-from nosuch busybox true 2>"$root/err"; check "volumes-from a missing container" 125 $?
grep -q "No such container: nosuch" "$root/err"; check "no pull attempted, dockerd's words" 0 $?

# --- memory nodes, OOM killer
mems=$(cat /sys/devices/system/node/online 2>/dev/null || echo 0)
D run --rm --network none --cpuset-mems "${mems%%[-,]*}" busybox true; check "--cpuset-mems of an online node" 0 $?
D run --rm --network none --cpuset-mems 4095 busybox true 2>"$root/err"; check "--cpuset-mems off the host" 125 $?
grep -q "Requested memory nodes are not available" "$root/err"; check "memory nodes message" 0 $?
if [ -f /sys/fs/cgroup/memory/memory.oom_control ]; then
	id=$(D run -d --network none --oom-kill-disable -m 64m busybox sleep 30)
	check "--oom-kill-disable sets memory.oom_control" "oom_kill_disable 1" \
		"$(head -n1 /sys/fs/cgroup/memory/"$parent"/"$id"/memory.oom_control 2>&1)"
	D rm -f "$id" >/dev/null
	curl -s --unix-socket "$sock" -H 'Content-Type: application/json' \
		-d '{"Image":"busybox","HostConfig":{"OomKillDisable":true}}' http://d/v1.41/containers/create >"$root/out"
	grep -q "no memory limit is set" "$root/out"; check "OomKillDisable without memory warns" 0 $?
fi

# --- links: by alias on a user network and on the default bridge
D network create n1 >/dev/null
D run -d --name tgt --network n1 busybox sleep 100 >/dev/null
D run --rm --network n1 --link tgt:al busybox ping -c1 -W2 al >/dev/null 2>&1; check "link alias on a user network" 0 $?
D run -d --name tgt2 busybox sleep 100 >/dev/null
D run --rm --link tgt2:al2 busybox ping -c1 -W2 al2 >/dev/null 2>&1; check "link alias on the default bridge" 0 $?
D run --rm --link tgt2 busybox ping -c1 -W2 tgt2 >/dev/null 2>&1; check "link by name alone" 0 $?
D run --rm busybox ping -c1 -W2 tgt2 >/dev/null 2>&1; check "no link, no name on the default bridge" 1 $?
D run --rm --link nosuch:x busybox true 2>"$root/err"; check "a link to a missing container" 125 $?
grep -q "could not get container for nosuch" "$root/err"; check "missing link message" 0 $?
E run --rm --link tgt2:al3 busybox ping -c1 -W2 al3 >/dev/null 2>&1; check "engine run --link" 0 $?
D rm -f tgt tgt2 >/dev/null

# --- dockerd's --cgroup-parent with an absolute path: the cgroups under it
stop_daemon
start_daemon --cgroup-parent "/$parent/abs"
id=$(D run -d --network none busybox sleep 60)
n=0
for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/unified/; do [ -d "$h$parent/abs/$id" ] && n=$((n + 1)); done
[ "$n" -gt 0 ]; check "--cgroup-parent /abs: the container's cgroups under it" 0 $?
D rm -f "$id" >/dev/null
n=0
for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/unified/; do [ -d "$h$parent/abs/$id" ] && n=$((n + 1)); done
check "--cgroup-parent /abs: removed with the container" 0 "$n"
stop_daemon
for d in /sys/fs/cgroup/*/"$parent"/abs /sys/fs/cgroup/unified/"$parent"/abs; do [ -d "$d" ] && rmdir "$d"; done

exit $((fails > 0))
