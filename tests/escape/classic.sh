#!/bin/sh
# The classic breakouts, from a default container (Docker's capabilities,
# seccomp profile and no_new_privs): keyctl, unshare, mount, the i386
# (int 0x80) and x32 entry points, /proc/sys and other read-only paths
# (opened for writing, never written), masked paths, ptrace of an --init
# PID 1. Each denial comes with a positive control showing the probe does
# see the call succeed where the policy allows it, so no check here passes
# by construction.
. "$(dirname "$0")/lib.sh"

out=$(E run --rm $P busybox /probe syscalls)
for call in keyctl add_key "unshare user" "unshare mount" mount; do
	contains "seccomp: $call" "$call: EPERM" "$out"
done
if [ "$(uname -m)" = x86_64 ]; then
	contains "seccomp: int 0x80 unshare (i386)" "int80 unshare user: EPERM" "$out"
	contains "seccomp: int 0x80 keyctl (i386)" "int80 keyctl: EPERM" "$out"
	lacks "seccomp: x32 unshare" "x32 unshare user: ok" "$out"
fi
out=$(E run --rm --security-opt seccomp=unconfined $P busybox /probe syscalls)
contains "control: unconfined, unshare user goes through" "unshare user: ok" "$out"
contains "control: unconfined, keyctl goes through" "keyctl: ok" "$out"
if [ "$(uname -m)" = x86_64 ]; then
	contains "control: unconfined, int 0x80 goes through" "int80 keyctl: ok" "$out"
fi

# engine-init is exec'd with execveat; a profile that forbids it (but not
# execve) still starts containers and execs (through /proc/self/fd).
printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["execveat"], "action": "SCMP_ACT_ERRNO"}]}' \
	> "$tmp/no-execveat.json"
out=$(E run --rm --security-opt "seccomp=$tmp/no-execveat.json" $P busybox sh -c '/probe openw /; echo started')
contains "a profile without execveat still starts" "started" "$out"

out=$(E run --rm $P busybox /probe openw /proc/sys/kernel/core_pattern /proc/sys/vm/drop_caches \
	/proc/sys/kernel/hostname /proc/bus/pci/devices /sys/kernel/mm/transparent_hugepage/enabled)
for f in /proc/sys/kernel/core_pattern /proc/sys/vm/drop_caches /proc/sys/kernel/hostname \
	/proc/bus/pci/devices /sys/kernel/mm/transparent_hugepage/enabled; do
	[ -e "$f" ] || continue
	contains "read-only: $f" "openw $f: EROFS" "$out"
done
out=$(E run --rm $P busybox sh -c 'mkdir -p /t && /probe openw /t/file 2>&1; touch /t/file && /probe openw /t/file')
contains "control: a writable file opens for writing" "openw /t/file: ok" "$out"

out=$(E run --rm busybox sh -c 'for f in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug /proc/latency_stats; do
	[ -e $f ] && echo "$f $(head -c 64 $f | wc -c)"; done
	for d in /proc/acpi /proc/scsi /sys/firmware /sys/devices/virtual/powercap; do
	[ -d $d ] && echo "$d $(ls -A $d | wc -l)"; done' 2>&1)
for m in /proc/kcore /proc/keys /proc/timer_list /sys/firmware; do
	[ -e "$m" ] || continue
	contains "masked: $m is empty" "$m 0" "$out"
done
check "control: the host's /sys/firmware is not empty" 1 "$([ -n "$(ls -A /sys/firmware)" ] && echo 1)"

out=$(E run --rm --init $P busybox sh -c '/probe ptrace 1; /probe ptrace $$; true')
contains "ptrace: --init's PID 1 (non-dumpable) refuses" "ptrace seize 1: EPERM" "$out"
out=$(E run --rm $P busybox sh -c 'sleep 30 & /probe ptrace $!; kill $!')
contains "control: a process of the container's own is traceable" ": ok" "$out"
finish
