#!/bin/sh
# engine daemon's HostConfig namespace modes through the Docker CLI: IpcMode
# (host, none, shareable, container:), UTSMode host, PidMode (host,
# container:), UsernsMode host, CgroupnsMode host; the container's
# /proc/self/ns links against the host's or the other container's, what it
# sees of /dev/shm, inspect's values, and dockerd's words for bad ones.
set -u
. "$(dirname "$0")/daemon_common.inc"
start_daemon
D() { timeout 60 "$DOCKER" "$@"; }
ns() { readlink "/proc/self/ns/$1"; }
R() { D run --rm --network none "$@"; }

check "default: own IPC, UTS, PID namespaces" "0" \
	"$(R busybox sh -c 'for n in ipc uts pid; do readlink /proc/self/ns/$n; done' | grep -c -e "^$(ns ipc)$" -e "^$(ns uts)$" -e "^$(ns pid)$")"
check "--ipc host: the host's IPC namespace" "$(ns ipc)" "$(R --ipc host busybox readlink /proc/self/ns/ipc)"
shm=/dev/shm/engine-it-dnsmodes-$$
echo from-host >"$shm"
check "--ipc host: the host's /dev/shm" from-host "$(R --ipc host busybox cat "$shm" 2>&1)"
rm -f "$shm"
R --ipc none busybox sh -c 'grep -q " /dev/shm " /proc/mounts'; check "--ipc none: no /dev/shm" 1 $?
check "--uts host: the host's UTS namespace and name" "$(ns uts) $(hostname)" \
	"$(R --uts host busybox sh -c 'readlink /proc/self/ns/uts; hostname' | paste -sd' ' -)"
check "--pid host: the host's PID namespace" "$(ns pid)" "$(R --pid host busybox readlink /proc/self/ns/pid)"
check "--cgroupns host --userns host" "$(ns cgroup) $(ns user)" \
	"$(R --cgroupns host --userns host busybox sh -c 'readlink /proc/self/ns/cgroup; readlink /proc/self/ns/user' | paste -sd' ' -)"

# The engine CLI as the daemon's client sends them as HostConfig too.
C() { timeout 60 "$ENGINE" -H "unix://$sock" "$@"; }
check "engine -H run --ipc host --pid host" "$(ns ipc) $(ns pid)" \
	"$(C run --rm --network none --ipc host --pid host busybox sh -c 'readlink /proc/self/ns/ipc; readlink /proc/self/ns/pid' | paste -sd' ' -)"

D run -d --network none --name donor --ipc shareable busybox sh -c 'echo shared >/dev/shm/f; sleep 300' >/dev/null
i=0; while ! D exec donor test -e /dev/shm/f 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
dpid1=$(D inspect -f '{{.State.Pid}}' donor)
check "--ipc container: the donor's namespace and /dev/shm" "$(readlink /proc/$dpid1/ns/ipc) shared" \
	"$(R --ipc container:donor busybox sh -c 'readlink /proc/self/ns/ipc; cat /dev/shm/f' | paste -sd' ' -)"
check "--pid container: the donor's PID namespace" "$(readlink /proc/$dpid1/ns/pid)" \
	"$(R --pid container:donor busybox readlink /proc/self/ns/pid)"
D run -d --network none --name private busybox sleep 300 >/dev/null
R --ipc container:private busybox true 2>"$root/err"; check "a private donor fails" 125 $?
grep -q "non-shareable IPC" "$root/err"; check "private donor: dockerd's words" 0 $?

D create --network none --name modes --ipc host --uts host --pid container:donor --cgroupns host --userns host \
	busybox true >/dev/null
check "inspect: the modes" "host host container:donor host host" \
	"$(D inspect -f '{{.HostConfig.IpcMode}} {{.HostConfig.UTSMode}} {{.HostConfig.PidMode}} {{.HostConfig.CgroupnsMode}} {{.HostConfig.UsernsMode}}' modes)"
D create --network none --name plain busybox true >/dev/null
check "inspect: the defaults" "private  private" \
	"$(D inspect -f '{{.HostConfig.IpcMode}} {{.HostConfig.PidMode}} {{.HostConfig.CgroupnsMode}}' plain)"

curl -s --unix-socket "$sock" -H 'Content-Type: application/json' -o "$root/out" -w '%{http_code}' \
	-d '{"Image":"busybox","HostConfig":{"IpcMode":"bogus"}}' http://d/v1.41/containers/create >"$root/code"
check "a bad IpcMode is a 400" "400" "$(cat "$root/code")"
grep -q 'invalid IPC mode: bogus' "$root/out"; check "bad IpcMode: dockerd's words" 0 $?
curl -s --unix-socket "$sock" -H 'Content-Type: application/json' -o "$root/out" -w '%{http_code}' \
	-d '{"Image":"busybox","Hostname":"x","HostConfig":{"UTSMode":"host"}}' http://d/v1.41/containers/create >"$root/code"
check "a hostname with UTSMode host is a 400" "400" "$(cat "$root/code")"
grep -q 'conflicting options: hostname and the UTS mode' "$root/out"; check "hostname and UTS host: dockerd's words" 0 $?
curl -s --unix-socket "$sock" -H 'Content-Type: application/json' -o "$root/out" -w '%{http_code}' \
	-d '{"Image":"busybox","HostConfig":{"CgroupnsMode":"bogus"}}' http://d/v1.41/containers/create >"$root/code"
check "a bad CgroupnsMode is a 400, dockerd's words" '400 {"message":"invalid cgroup namespace mode: bogus"}' \
	"$(cat "$root/code") $(cat "$root/out")"

D rm -f donor private modes plain >/dev/null
stop_daemon

# daemon.json's default-ipc-mode: a container naming no mode is shareable.
printf '{"cgroup-parent": "%s", "default-ipc-mode": "shareable"}\n' "$parent" >"$root/daemon.json"
start_daemon
D create --network none --name dflt busybox true >/dev/null
check "default-ipc-mode shareable: inspect" "shareable private" \
	"$(D inspect -f '{{.HostConfig.IpcMode}} {{.HostConfig.CgroupnsMode}}' dflt)"
D rm -f dflt >/dev/null
stop_daemon
exit $((fails > 0))
