#!/bin/sh
# HostConfig.LogConfig through engine daemon with the Docker CLI: --log-opt
# max-size/max-file rotate the log, docker logs reads every kept file in
# order (--tail across them, -f across rotations), inspect shows the
# LogConfig given and LogPath; --log-driver none and local; daemon.json's
# log-driver and log-opts (and --log-driver, --log-opt) as defaults;
# refusals in dockerd's words.
set -u
. "$(dirname "$0")/daemon_common.inc"
start_daemon
D() { timeout 60 "$DOCKER" "$@"; }
T="$root"

consecutive() { # consecutive FILE LAST: N, N+1, ... LAST, each once
	awk -v last="$2" 'NR > 1 && $1 != prev + 1 { bad = 1 } { prev = $1 } END { print (bad || prev != last) ? "no" : "yes" }' "$1"
}

id=$(D run -d --network none --log-opt max-size=1k --log-opt max-file=3 busybox seq 1 1000)
D wait "$id" >/dev/null
dir="$root/data/containers/$id"
check "rotated files" "container.log container.log.1 container.log.2" "$(cd "$dir" && echo container.log*)"
D logs "$id" >"$T/all"
check "docker logs: the kept lines in order" yes "$(consecutive "$T/all" 1000)"
check "docker logs --tail 2" "999 1000" "$(D logs --tail 2 "$id" | tr '\n' ' ' | sed 's/ $//')"
n=$(($(wc -l <"$T/all") - 3))
D logs --tail "$n" "$id" >"$T/tail"
check "docker logs --tail across the files" "yes $n" "$(consecutive "$T/tail" 1000) $(wc -l <"$T/tail")"
check "inspect LogConfig" '{"Type":"json-file","Config":{"max-file":"3","max-size":"1k"}}' \
	"$(D inspect -f '{{json .HostConfig.LogConfig}}' "$id")"
check "inspect LogPath" "$dir/container.log" "$(D inspect -f '{{.LogPath}}' "$id")"
D rm "$id" >/dev/null

# -f across rotations, started before the output and once it has rotated.
id=$(D run -d --network none --log-opt max-size=2k --log-opt max-file=2 busybox sh -c '
	while [ ! -e /go ]; do sleep 0.05; done
	i=0; while [ $i -lt 3000 ]; do i=$((i + 1)); echo $i; done
	while [ ! -e /end ]; do sleep 0.05; done')
D logs -f "$id" >"$T/f1" &
f1=$!
sleep 0.5 # let the follower connect (not checked: a late one reads the files)
D exec "$id" touch /go
i=0
while [ "$(D logs --tail 1 "$id")" != 3000 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
D logs -f --since 0 "$id" >"$T/f2" &
f2=$!
sleep 0.3
D exec "$id" touch /end
wait $f1 $f2
check "docker logs -f: every line once" "yes 3000" "$(consecutive "$T/f1" 3000) $(wc -l <"$T/f1")"
check "docker logs -f once rotated" yes "$(consecutive "$T/f2" 3000)"
D rm -f "$id" >/dev/null

# none and local
id=$(D run -d --network none --log-driver none busybox echo hi)
D wait "$id" >/dev/null
D logs "$id" 2>"$T/err"; check "none: docker logs fails" 1 $?
check "none: message" "Error response from daemon: configured logging driver does not support reading" "$(cat "$T/err")"
check "none: LogConfig" '{"Type":"none","Config":{}}' "$(D inspect -f '{{json .HostConfig.LogConfig}}' "$id")"
D rm "$id" >/dev/null
check "none: attached output" hi "$(D run --rm --network none --log-driver none busybox echo hi)"
id=$(D run -d --network none --log-driver local busybox echo hi)
D wait "$id" >/dev/null
check "local: docker logs" hi "$(D logs "$id")"
check "local: LogPath" "" "$(D inspect -f '{{.LogPath}}' "$id")"
D rm "$id" >/dev/null

# refusals: names at create (400), values at start
D create --network none --log-opt foo=bar busybox true 2>"$T/err"; check "unknown opt exits 1" 1 $?
check "unknown opt message" "Error response from daemon: unknown log opt 'foo' for json-file log driver" "$(cat "$T/err")"
D create --network none --log-driver bogus busybox true 2>"$T/err"
check "unknown driver" 'Error response from daemon: error looking up logging plugin bogus: plugin "bogus" not found' \
	"$(cat "$T/err")"
D run --rm --network none --log-opt max-size=abc busybox true 2>"$T/err"; check "bad size: run exits 125" 125 $?
check "bad size: message" "docker: Error response from daemon: failed to initialize logging driver: invalid size: 'abc'" \
	"$(head -n1 "$T/err")"
D run --rm --network none --log-opt max-size=1k --log-opt max-file=0 busybox true 2>"$T/err"
check "max-file 0" "docker: Error response from daemon: failed to initialize logging driver: max-file cannot be less than 1" \
	"$(head -n1 "$T/err")"
D ps -aq | xargs -r "$DOCKER" rm -f >/dev/null

# daemon.json's log-driver and log-opts
stop_daemon
printf '{"cgroup-parent": "%s", "log-opts": {"max-size": "1k", "max-file": "2"}}\n' "$parent" >"$root/daemon.json"
start_daemon
id=$(D run -d --network none busybox seq 1 300)
D wait "$id" >/dev/null
check "daemon.json log-opts: inspect" '{"Type":"json-file","Config":{"max-file":"2","max-size":"1k"}}' \
	"$(D inspect -f '{{json .HostConfig.LogConfig}}' "$id")"
check "daemon.json log-opts: rotated" "container.log container.log.1" \
	"$(cd "$root/data/containers/$id" && echo container.log*)"
D rm "$id" >/dev/null
stop_daemon
printf '{"cgroup-parent": "%s", "log-driver": "local"}\n' "$parent" >"$root/daemon.json"
start_daemon
id=$(D create --network none busybox true)
check "daemon.json log-driver" local "$(D inspect -f '{{.HostConfig.LogConfig.Type}}' "$id")"
D rm "$id" >/dev/null
# dockerd's --log-driver and --log-opt flags
stop_daemon
printf '{"cgroup-parent": "%s"}\n' "$parent" >"$root/daemon.json"
start_daemon --log-driver json-file --log-opt max-size=2k --log-opt max-file=4
id=$(D create --network none busybox true)
check "daemon --log-opt: inspect" '{"Type":"json-file","Config":{"max-file":"4","max-size":"2k"}}' \
	"$(D inspect -f '{{json .HostConfig.LogConfig}}' "$id")"
D rm "$id" >/dev/null

exit $((fails > 0))
