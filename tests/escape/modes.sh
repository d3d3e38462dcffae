#!/bin/sh
# Masked and read-only paths hold in every mode but --privileged: a
# read-only root, the host's network, PID, IPC, UTS or cgroup namespace
# (/proc and /sys are then the host's kernel objects), --init, a TTY, an
# added CAP_SYS_ADMIN (which can remount what it may see) and an
# unconfined seccomp filter.
# No mode mounts a cgroup filesystem, and none reaches a v1 hierarchy's
# release_agent (run by the host when a cgroup empties) through a mount
# of its own. Files are only opened for writing, never written; no
# release_agent is written.
. "$(dirname "$0")/lib.sh"

chk='/probe openw /proc/sys/kernel/core_pattern /proc/sys/kernel/domainname /proc/sysrq-trigger \
	/sys/kernel/mm/transparent_hugepage/enabled /proc/bus/pci/devices /proc/irq/default_smp_affinity 2>&1
	echo "kcore=$(head -c 64 /proc/kcore 2>/dev/null | wc -c) keys=$(cat /proc/keys 2>/dev/null | wc -c)"
	echo "firmware=$(ls /sys/firmware 2>/dev/null | wc -l) acpi=$(ls /proc/acpi 2>/dev/null | wc -l)"
	echo "cgroupfs=$(grep -c " cgroup" /proc/self/mountinfo)"; ls /sys/fs/cgroup/*/release_agent 2>/dev/null; true'
# With CAP_SYS_ADMIN a mount is allowed: the container's own cgroup
# namespace shows a hierarchy from the container's cgroup down (no
# release_agent, which only the root has) and refuses a new hierarchy.
mnt='mkdir -p /tmp/cg; if mount -t cgroup -o memory cgroup /tmp/cg 2>/dev/null; then
	echo "memory hierarchy: $(ls /tmp/cg | grep -c release_agent) release_agent"; umount /tmp/cg; fi
	mount -t cgroup -o none,name=escape cgroup /tmp/cg 2>/dev/null && echo "new hierarchy mounted" && umount /tmp/cg; true'
for mode in "" "--read-only" "--network host" "--pid host" "--ipc host" "--uts host" "--cgroupns host" \
	"--init" "-t" "--cap-add SYS_ADMIN" "--security-opt seccomp=unconfined"; do
	net="--network none"
	case "$mode" in *network*) net= ;; esac
	out=$(E run --rm $net $mode $P busybox sh -c "$chk; $mnt" </dev/null 2>&1 | tr -d '\r')
	name=${mode:-default}
	for f in /proc/sys/kernel/core_pattern /proc/sys/kernel/domainname /proc/sysrq-trigger \
		/sys/kernel/mm/transparent_hugepage/enabled /proc/bus/pci/devices /proc/irq/default_smp_affinity; do
		[ -e "$f" ] || continue
		contains "$name: $f read-only" "openw $f: EROFS" "$out"
	done
	for m in kcore keys firmware acpi cgroupfs; do
		contains "$name: $m masked or absent" "$m=0" "$out"
	done
	lacks "$name: no release_agent in sight" "/release_agent" "$out"
	lacks "$name: no hierarchy's release_agent through a mount" "1 release_agent" "$out"
	lacks "$name: no new cgroup hierarchy" "new hierarchy mounted" "$out"
done
# The controls: what the checks look for is there to see without masks,
# and a mount of the hierarchy is seen where CAP_SYS_ADMIN allows it.
out=$(E run --rm --network none --privileged $P busybox sh -c "$chk" 2>&1)
contains "control: --privileged writes /proc/sys" "openw /proc/sys/kernel/domainname: ok" "$out"
lacks "control: --privileged sees /sys/firmware" "firmware=0" "$out"
out=$(E run --rm --network none --cap-add SYS_ADMIN busybox sh -c "$mnt" 2>&1)
contains "control: with CAP_SYS_ADMIN the memory hierarchy mounts" "memory hierarchy: 0 release_agent" "$out"
finish
