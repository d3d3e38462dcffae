#!/bin/sh
# What the suite leaves behind on the host: "snapshot FILE" before the suite,
# "check FILE" after it. Compares the host network namespace (engine/veth/br-
# links, the engine nftables table, ip_forward), overlay and /tmp/engine-*
# mounts, engine cgroups and processes running from a test's temporary root.
# Prints one line per leftover and exits 1 if there is any.
set -u
state() {
	ip -br link 2>/dev/null | awk '{ sub(/@.*/, "", $1); print "link " $1 }' | grep -E ' (engine|veth|br-)'
	command -v nft >/dev/null && nft list tables 2>/dev/null | grep -i engine | sed 's/^/nft /'
	echo "ip_forward $(cat /proc/sys/net/ipv4/ip_forward 2>/dev/null)"
	awk '$9 == "overlay" || $5 ~ /^\/tmp\/engine-/ { print "mount " $5 }' /proc/self/mountinfo
	for d in /sys/fs/cgroup/*/ /sys/fs/cgroup/unified/; do
		for c in "$d"*engine*; do [ -d "$c" ] && echo "cgroup $c"; done
	done 2>/dev/null
	for p in /proc/[0-9]*; do
		cmd=$( { tr '\0' ' ' < "$p/cmdline"; } 2>/dev/null) || continue
		case "$cmd" in *"/tmp/engine-it"*|*"/tmp/engine-test"*) echo "process ${p#/proc/} $cmd" ;; esac
	done
}
case "${1:-}" in
snapshot) state | sed 's/^process [0-9]* /process /' | sort -u > "$2" ;;
check)
	# A leftover is something present now and not before; processes are
	# compared by command line. Give exiting monitors a moment first.
	for i in 1 2 3 4 5; do
		state | sed 's/^process [0-9]* /process /' | sort -u | comm -13 "$2" - > "$2.new"
		[ -s "$2.new" ] || break
		sleep 1
	done
	if [ -s "$2.new" ]; then
		sed 's/^/leftover: /' "$2.new"
		rm -f "$2.new"
		exit 1
	fi
	rm -f "$2.new"
	echo "no leftovers: host network, mounts, cgroups and processes as before"
	;;
*) echo "usage: leftovers.sh snapshot|check FILE" >&2; exit 2 ;;
esac
