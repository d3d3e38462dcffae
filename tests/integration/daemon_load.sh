#!/bin/sh
# 200 concurrent `docker run --rm` through `engine daemon`: every one exits
# 0 with its own output, and nothing is left behind (containers, records).
set -u
. "$(dirname "$0")/daemon_common.inc"
start_daemon
n=200
i=0
pids=""
start=$(date +%s)
while [ $i -lt $n ]; do
	( out=$(timeout 240 "$DOCKER" run --rm --network none busybox echo "run-$i" 2>&1)
	  [ "$out" = "run-$i" ] && echo ok >"$root/r.$i" || echo "$out" >"$root/r.$i" ) &
	pids="$pids $!"
	i=$((i + 1))
done
# Not a bare `wait`: that would wait for the daemon too.
for p in $pids; do wait "$p"; done
echo "($n runs in $(( $(date +%s) - start ))s)"
good=$(cat "$root"/r.* | grep -c '^ok$')
check "$n concurrent runs succeeded" "$n" "$good"
[ "$good" = "$n" ] || cat "$root"/r.* | grep -v '^ok$' | sort | uniq -c | head -5
check "no container left" "" "$(timeout 60 "$DOCKER" ps -a -q)"
check "no daemon record left" "0" "$(ls "$root/data/daemon/containers" | wc -l)"
check "daemon still serves" "1.41" "$(timeout 60 "$DOCKER" version --format '{{.Server.APIVersion}}')"
echo "$fails failed"
[ $fails -eq 0 ]
