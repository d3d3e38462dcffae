#!/bin/sh
# Escape 1 (CVE-2016-9962 / CVE-2024-21626 class): a process already in the
# container races `engine exec` for the directory fds the joining process
# brought from the caller (the CLI's cgroupfs fds, and here a host
# directory the caller left open without O_CLOEXEC on fd 9) and walks from
# one of them to the host's root. It must never see any: the joining
# process closes them before it enters and is non-dumpable until it execs.
. "$(dirname "$0")/lib.sh"

id=$(E run -d $P busybox /probe fdscan "$tmp/marker" 120)
[ -n "$id" ] || { echo "FAIL: start the racing container"; exit 1; }
i=0
while [ $i -lt 40 ] && [ -z "$(ls -A "$tmp/marker")" ]; do
	E exec "$id" true 9<"$tmp"
	i=$((i + 1))
done
no_markers "exec: no host fd reachable while joining ($i racing execs)"
E rm -f "$id" >/dev/null
# What the exec'd command holds: stdio and the probe's own directory fd.
id=$(E run -d $P busybox sleep 600)
out=$(E exec "$id" /probe status self 9<"$tmp")
lacks "exec: the command holds no host directory" "$tmp" "$out"
contains "exec: the command has its stdio" "fd 2:" "$out"
lacks "exec: no fd beyond stdio and the probe's own" "fd 4:" "$out"
E rm -f "$id" >/dev/null
finish
