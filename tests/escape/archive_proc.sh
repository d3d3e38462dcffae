#!/bin/sh
# docker cp and the archive API of a running container work on its live
# mounts (/proc/PID/root), where /proc, /sys and the cgroup tree are the
# kernel's: read there by the engine (every capability, the host's user
# namespace) /proc/kallsyms gives real addresses and, with --pid host,
# /proc/1/environ is the host's init's; written there, /proc/1/oom_score_adj
# takes what a container may not set. Paths into them, directly or through
# a link the container made (to /proc/1, /proc/self/root, /proc/1/root,
# /sys/fs/cgroup), are refused both ways, as is a PUT's target there; the
# files stay as they were.
. "$(dirname "$0")/lib.sh"

echo -1000 >"$tmp/oom_score_adj"
id=$(E run -d --network none busybox sh -c 'ln -s /proc/1 /p1; ln -s /proc/self/root /sr
	ln -s /proc/1/root /r1; ln -s /sys/fs/cgroup /cg; exec sleep 600')
i=0
while ! E exec "$id" test -L /cg 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
adj=$(E exec "$id" cat /proc/1/oom_score_adj)
for p in /proc/kallsyms /proc/1/environ /proc/1/oom_score_adj /sys/kernel/notes /p1/environ /sr/etc/hostname \
	/r1/etc/hostname /cg/ /cg/. /proc/self/root/etc/hostname; do
	out=$(E cp "$id:$p" - 2>&1 | head -c 4096 | tr -d '\0')
	contains "cp out of $p: refused" "leads outside the container's root or across a mount" "$out"
done
for p in /proc/1/ /p1/ /sr/tmp/ /r1/tmp/ /cg/ /sys/kernel/; do
	out=$(E cp "$tmp/oom_score_adj" "$id:$p" 2>&1)
	contains "cp into $p: refused" "leads outside the container's root or across a mount" "$out"
done
check "PID 1's oom_score_adj is as it was" "$adj" "$(E exec "$id" cat /proc/1/oom_score_adj)"
lacks "nothing landed in the container's /tmp" "oom_score_adj" "$(E exec "$id" ls /tmp)"
E rm -f "$id" >/dev/null

# --pid host: the container's /proc is the host's.
hostadj=$(cat /proc/1/oom_score_adj)
id=$(E run -d --network none --pid host busybox sh -c 'ln -s /proc/1 /p1; exec sleep 600')
i=0
while ! E exec "$id" test -L /p1 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
for p in /proc/1/environ /p1/environ /p1/root/etc/hostname; do
	out=$(E cp "$id:$p" - 2>&1 | head -c 4096 | tr -d '\0')
	contains "--pid host: cp out of $p: refused" "leads outside the container's root or across a mount" "$out"
done
out=$(E cp "$tmp/oom_score_adj" "$id:/p1/" 2>&1)
contains "--pid host: cp into the host's /proc/1: refused" "leads outside the container's root or across a mount" "$out"
check "the host's init keeps its oom_score_adj" "$hostadj" "$(cat /proc/1/oom_score_adj)"
E rm -f "$id" >/dev/null
finish
