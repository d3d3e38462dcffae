#!/bin/sh
# docker run's namespace modes on the local CLI: --ipc (private, shareable,
# none, host, container:), --uts host, --pid (host, container:), --userns
# host, --cgroupns (host, private), checked by the /proc/self/ns links of
# the container against the host's or the other container's, and by what
# it sees of /dev/shm, SysV shared memory, hostnames and processes. Without
# a flag, every namespace stays the container's own.
set -u
. "$(dirname "$0")/lib.sh"
it_require_root
it_require_busybox
. "$(dirname "$0")/netns.inc"
it_engine_root nsmodes
it_tmpdir

E default >/dev/null || { echo "FAIL: engine default"; exit 1; }
ns() { readlink "/proc/self/ns/$1"; }
R() { E run --rm --network none "$@"; }
links='for n in ipc uts pid cgroup mnt; do readlink /proc/self/ns/$n; done'

# No flag: every namespace its own, a /dev/shm of its own.
got=$(R busybox sh -c "$links" | paste -sd' ' -)
for n in ipc uts pid cgroup mnt; do
	case " $got " in *" $(ns $n) "*) check "default: own $n namespace" own host ;; *) check "default: own $n namespace" own own ;; esac
done
check "default: a tmpfs /dev/shm of its own" "shm 65536k" \
	"$(R busybox sh -c 'df -k /dev/shm | tail -1 | awk "{print \$1, \$2\"k\"}"')"
check "inspect: default IpcMode" "private" "$(E inspect -f '{{.HostConfig.IpcMode}}' "$(E create --network none busybox true)")"

# --ipc host: the host's IPC namespace and /dev/shm.
check "--ipc host: the host's IPC namespace" "$(ns ipc)" "$(R --ipc host busybox readlink /proc/self/ns/ipc)"
check "--ipc host: its UTS namespace still its own" 1 \
	"$(R --ipc host busybox readlink /proc/self/ns/uts | grep -cv "^$(ns uts)$")"
shm=/dev/shm/engine-it-nsmodes-$$
echo from-host >"$shm"
check "--ipc host: the host's /dev/shm" from-host "$(R --ipc host busybox cat "$shm")"
R --ipc host busybox sh -c "echo from-ctr >$shm"
check "--ipc host: writes reach the host's /dev/shm" from-ctr "$(cat "$shm")"
rm -f "$shm"
R busybox test -e "$shm"; check "default: not the host's /dev/shm" 1 $?

# --ipc none: its own namespace, no /dev/shm.
R --ipc none busybox sh -c 'grep -q " /dev/shm " /proc/mounts'; check "--ipc none: no /dev/shm mount" 1 $?
check "--ipc none: own IPC namespace" 0 "$(R --ipc none busybox readlink /proc/self/ns/ipc | grep -c "^$(ns ipc)$")"

# --ipc shareable and container:<x>: the donor's namespace and /dev/shm.
E run -d --network none --name donor --ipc shareable busybox sh -c \
	'echo shared >/dev/shm/f; touch /tmp/ready; sleep 300' >/dev/null
i=0; while ! E exec donor test -e /tmp/ready 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "inspect: IpcMode shareable" shareable "$(E inspect -f '{{.HostConfig.IpcMode}}' donor)"
dpid=$(E inspect -f '{{.State.Pid}}' donor)
# A SysV segment (key 0x1234) in the donor's IPC namespace, gone with it.
nsenter -t "$dpid" --ipc /usr/bin/python3 -c \
	'import ctypes; assert ctypes.CDLL(None).shmget(0x1234, 4096, 0o1600) >= 0'
check "--ipc container: the donor's IPC namespace" "$(readlink /proc/$dpid/ns/ipc)" \
	"$(R --ipc container:donor busybox readlink /proc/self/ns/ipc)"
check "--ipc container: the donor's /dev/shm" shared "$(R --ipc container:donor busybox cat /dev/shm/f)"
check "--ipc container: the donor's SysV segment" 1 \
	"$(R --ipc container:donor busybox sh -c 'grep -c "^ *4660 " /proc/sysvipc/shm')"
check "default: no SysV segment of the donor's" 0 "$(R busybox sh -c 'grep -c "^ *4660 " /proc/sysvipc/shm')"
check "--ipc host: no SysV segment of the donor's" 0 \
	"$(R --ipc host busybox sh -c 'grep -c "^ *4660 " /proc/sysvipc/shm')"
E exec donor rm /dev/shm/f
E run -d --network none --name private busybox sleep 300 >/dev/null
R --ipc container:private busybox true 2>"$T/err"; check "--ipc container: of a private donor fails" 125 $?
contains "private donor: dockerd's words" "non-shareable IPC (hint: use IpcMode:shareable for the donor container)" "$(cat "$T/err")"
R --ipc container:nosuch busybox true 2>/dev/null; check "--ipc container: of no container fails" 125 $?
E create --network none --name stopped busybox true >/dev/null
R --ipc container:stopped busybox true 2>"$T/err"; check "--ipc container: of a stopped one fails" 125 $?
contains "stopped donor: dockerd's words" "can't join IPC of container $(E inspect -f '{{.Id}}' stopped): container $(E inspect -f '{{.Id}}' stopped) is not running" "$(cat "$T/err")"
R --pid container:stopped busybox true 2>"$T/err"; check "--pid container: of a stopped one fails" 125 $?
contains "--pid: stopped: dockerd's words" "container $(E inspect -f '{{.Id}}' stopped) is not running" "$(cat "$T/err")"
R --ipc bogus busybox true 2>"$T/err"; check "--ipc bogus exits 125" 125 $?
contains "--ipc bogus named" "invalid IPC mode: bogus" "$(cat "$T/err")"

# --pid host and container:<x>.
check "--pid host: the host's PID namespace" "$(ns pid)" "$(R --pid host busybox readlink /proc/self/ns/pid)"
R --pid host busybox sh -c "test -d /proc/$$"; check "--pid host: sees the host's processes" 0 $?
R busybox sh -c "test -d /proc/$$ && grep -q $$ /proc/$$/stat"; check "default: not the host's processes" 1 $?
check "--pid container: the other's PID namespace" "$(readlink /proc/$dpid/ns/pid)" \
	"$(R --pid container:donor busybox readlink /proc/self/ns/pid)"
check "--pid container: sees the other's processes" 1 \
	"$(R --pid container:donor busybox sh -c 'grep -l "^sleep" /proc/[0-9]*/comm | wc -l')"
check "inspect: PidMode" "container:donor" \
	"$(E inspect -f '{{.HostConfig.PidMode}}' "$(E create --network none --pid container:donor busybox true)")"
R --pid bogus busybox true 2>"$T/err"; check "--pid bogus exits 125" 125 $?
contains "--pid bogus named" "invalid PID mode: bogus" "$(cat "$T/err")"

# --uts host: the host's UTS namespace and name, which it cannot change.
check "--uts host: the host's UTS namespace" "$(ns uts)" "$(R --uts host busybox readlink /proc/self/ns/uts)"
# (dockerd's /etc/hostname still holds the short id)
id=$(E create --network none --uts host busybox sh -c 'hostname; cat /etc/hostname')
check "--uts host: the host's hostname, the id in /etc/hostname" "$(hostname) $(echo "$id" | cut -c1-12)" \
	"$(E start -a "$id" | paste -sd' ' -)"
E rm "$id" >/dev/null
before=$(hostname)
R --uts host busybox hostname changed 2>/dev/null
check "--uts host: no changing the host's name" "$before" "$(hostname)"
R --uts host --hostname x busybox true 2>"$T/err"; check "--uts host with --hostname exits 125" 125 $?
contains "--uts host with --hostname: dockerd's words" "conflicting options: hostname and the UTS mode" "$(cat "$T/err")"
check "inspect: UTSMode" host "$(E inspect -f '{{.HostConfig.UTSMode}}' "$(E create --network none --uts host busybox true)")"

# --cgroupns and --userns.
check "--cgroupns host: the host's cgroup namespace" "$(ns cgroup)" \
	"$(R --cgroupns host busybox readlink /proc/self/ns/cgroup)"
check "--cgroupns private: its own" 0 "$(R --cgroupns private busybox readlink /proc/self/ns/cgroup | grep -c "^$(ns cgroup)$")"
R --cgroupns bogus busybox true 2>"$T/err"; check "--cgroupns bogus exits 125" 125 $?
contains "--cgroupns bogus: dockerd's words" "invalid cgroup namespace mode: bogus" "$(cat "$T/err")"
check "--userns host: no user namespace" "$(ns user)" "$(R --userns host busybox readlink /proc/self/ns/user)"
R --userns remap busybox true 2>/dev/null; check "--userns bogus exits 125" 125 $?
check "inspect: CgroupnsMode, UsernsMode" "host host" \
	"$(E inspect -f '{{.HostConfig.CgroupnsMode}} {{.HostConfig.UsernsMode}}' "$(E create --network none --cgroupns host --userns host busybox true)")"

# The config's (daemon.json's) default-ipc-mode and default-cgroupns-mode
# for containers that name no mode.
printf '{"cgroup-parent": "%s", "default-ipc-mode": "shareable", "default-cgroupns-mode": "host"}\n' \
	"$parent" >"$T/defaults.json"
ED() { "$ENGINE_BUILD/tools/engine" --root "$root" --config "$T/defaults.json" "$@"; }
ED run -d --network none --name dflt busybox sleep 300 >/dev/null
check "default modes: inspect" "shareable host" "$(E inspect -f '{{.HostConfig.IpcMode}} {{.HostConfig.CgroupnsMode}}' dflt)"
check "default-ipc-mode shareable: others may join" "$(readlink /proc/$(E inspect -f '{{.State.Pid}}' dflt)/ns/ipc)" \
	"$(R --ipc container:dflt busybox readlink /proc/self/ns/ipc)"
check "default-cgroupns-mode host: run --rm too" "$(ns cgroup)" \
	"$(ED run --rm --network none busybox readlink /proc/self/ns/cgroup)"
check "a mode given wins over the default" 0 \
	"$(ED run --rm --network none --cgroupns private busybox readlink /proc/self/ns/cgroup | grep -c "^$(ns cgroup)$")"
printf '{"cgroup-parent": "%s", "default-ipc-mode": "host"}\n' "$parent" >"$T/bad.json"
"$ENGINE_BUILD/tools/engine" --root "$root" --config "$T/bad.json" run --rm --network none busybox true 2>"$T/err"
check "default-ipc-mode host is refused" 125 $?
contains "bad default-ipc-mode named" "invalid default IPC mode: host" "$(cat "$T/err")"
E rm -f dflt >/dev/null

# exec joins whatever the container shares.
E run -d --network none --name hostipc --ipc host --uts host busybox sleep 300 >/dev/null
check "exec in an --ipc host --uts host container" "$(ns ipc) $(ns uts)" \
	"$(E exec hostipc sh -c 'readlink /proc/self/ns/ipc; readlink /proc/self/ns/uts' | paste -sd' ' -)"
E rm -f donor private hostipc >/dev/null
E rm -f $(E ps -a -q) >/dev/null 2>&1
it_check_nothing_left
it_done
