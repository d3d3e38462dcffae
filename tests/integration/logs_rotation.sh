#!/bin/sh
# docker run's --log-driver and --log-opt through the engine CLI: the log
# rotated at max-size into container.log.1, .2 (max-file files in all),
# read back in order by engine logs (all, --tail across the files, -f
# across rotations with nothing lost or repeated), attach --logs (start
# -a), inspect's LogConfig and LogPath; --log-driver none and local; the
# options refused in docker's words (names at create, values at start).
set -u
. "$(dirname "$0")/lib.sh"
it_require_root
it_require_busybox
. "$(dirname "$0")/netns.inc"
it_engine_root logrot
it_tmpdir

E default >/dev/null || { echo "FAIL: engine default"; exit 1; }

# consecutive FILE LAST: the lines are N, N+1, ... LAST, each once.
consecutive() {
	awk -v last="$2" 'NR > 1 && $1 != prev + 1 { bad = 1 } { prev = $1 } END { print (bad || prev != last) ? "no" : "yes" }' "$1"
}

# --- rotation: three files of about max-size, read back in order
id=$(E run -d --network none --log-opt max-size=1k --log-opt max-file=3 busybox seq 1 1000)
E wait "$id" >/dev/null
dir="$root/containers/$id"
check "rotated files" "container.log container.log.1 container.log.2" "$(cd "$dir" && echo container.log*)"
check "no container.log.3" no "$([ -e "$dir/container.log.3" ] && echo yes || echo no)"
size1=$(stat -c %s "$dir/container.log.1")
[ "$size1" -ge 1024 ] && [ "$size1" -lt 1100 ]; check "a rotated file is about max-size" 0 $?
E logs "$id" >"$T/all"
check "logs: the kept lines in order" yes "$(consecutive "$T/all" 1000)"
[ "$(head -n1 "$T/all")" -gt 1 ]; check "logs: the oldest lines are gone" 0 $?
check "logs = the files' lines" "$(wc -l <"$T/all")" "$(E logs "$id" 2>&1 | wc -l)"
check "--tail 3" "998 999 1000" "$(E logs --tail 3 "$id" | tr '\n' ' ' | sed 's/ $//')"
n=$(($(wc -l <"$T/all") - 5))
E logs --tail "$n" "$id" >"$T/tail"
check "--tail across the files: count" "$n" "$(wc -l <"$T/tail")"
check "--tail across the files: in order" yes "$(consecutive "$T/tail" 1000)"
check "--tail more than there is" "$(wc -l <"$T/all")" "$(E logs --tail 100000 "$id" | wc -l)"
check "inspect LogConfig" '{"Type":"json-file","Config":{"max-size":"1k","max-file":"3"}}' \
	"$(E inspect -f '{{json .HostConfig.LogConfig}}' "$id")"
check "inspect LogPath" "$dir/container.log" "$(E inspect -f '{{.LogPath}}' "$id")"
E rm "$id" >/dev/null

# max-file=1: the one file starts again
id=$(E run -d --network none --log-opt max-size=1k --log-opt max-file=1 busybox seq 1 500)
E wait "$id" >/dev/null
check "max-file=1: one file" "container.log" "$(cd "$root/containers/$id" && echo container.log*)"
E logs "$id" >"$T/one"
check "max-file=1: its lines in order" yes "$(consecutive "$T/one" 500)"
E rm "$id" >/dev/null

# --- -f across rotations: from the start, and from a log rotated since
id=$(E run -d --network none --log-opt max-size=2k --log-opt max-file=2 busybox sh -c '
	while [ ! -e /go ]; do sleep 0.05; done
	i=0; while [ $i -lt 3000 ]; do i=$((i + 1)); echo $i; done
	while [ ! -e /end ]; do sleep 0.05; done')
E logs -f "$id" >"$T/f1" &
f1=$!
sleep 0.5 # let the follower connect (not checked: a late one reads the files)
E exec "$id" touch /go
i=0
while [ "$(E logs --tail 1 "$id")" != 3000 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
E logs -f "$id" >"$T/f2" &
f2=$!
E logs -f --tail 10 "$id" >"$T/f3" &
f3=$!
sleep 0.3
E exec "$id" touch /end
wait $f1 $f2 $f3
check "-f from the start: every line once" "yes 3000" "$(consecutive "$T/f1" 3000) $(wc -l <"$T/f1")"
check "-f once rotated: the kept lines once" yes "$(consecutive "$T/f2" 3000)"
check "-f --tail 10" "yes 10" "$(consecutive "$T/f3" 3000) $(wc -l <"$T/f3")"
E rm -f "$id" >/dev/null

# --- local and none
id=$(E create --network none --log-driver local busybox echo hi)
check "local: LogConfig" '{"Type":"local","Config":{}}' "$(E inspect -f '{{json .HostConfig.LogConfig}}' "$id")"
check "local: no LogPath" "" "$(E inspect -f '{{.LogPath}}' "$id")"
E start -a "$id" >/dev/null
check "local: logs" hi "$(E logs "$id")"
E rm "$id" >/dev/null
id=$(E run -d --network none --log-driver none busybox echo hi)
E wait "$id" >/dev/null
E logs "$id" 2>"$T/err"; check "none: logs fails" 1 $?
check "none: logs message" "Error: configured logging driver does not support reading" "$(cat "$T/err")"
E rm "$id" >/dev/null
check "none: attached output" hi "$(E run --rm --network none --log-driver none busybox echo hi)"

# --- refused options, docker's words; names at create, values at start
E create --network none --log-opt foo=bar busybox true 2>"$T/err"; check "unknown opt exits 125" 125 $?
check "unknown opt message" "Error: unknown log opt 'foo' for json-file log driver" "$(cat "$T/err")"
E create --network none --log-driver local --log-opt tag=x busybox true 2>"$T/err"
check "local's unknown opt" "Error: unknown log opt 'tag' for log driver local" "$(cat "$T/err")"
E create --network none --log-driver bogus busybox true 2>"$T/err"
check "unknown driver" 'Error: error looking up logging plugin bogus: plugin "bogus" not found' "$(cat "$T/err")"
E create --network none --log-driver none --log-opt max-size=1k busybox true 2>"$T/err"; check "none with opts exits 125" 125 $?
check "none with opts message" "Error: invalid logging opts for driver none" "$(cat "$T/err")"
refused() { # refused NAME MESSAGE OPTS...
	name=$1 msg=$2
	shift 2
	E run --rm --network none "$@" busybox true 2>"$T/err"
	check "$name: run exits 125" 125 $?
	check "$name: message" "Error: failed to initialize logging driver: $msg" "$(cat "$T/err")"
}
refused "bad size" "invalid size: 'abc'" --log-opt max-size=abc
refused "negative size" "invalid size: '-1'" --log-opt max-size=-1
refused "zero size" "max-size must be a positive number" --log-opt max-size=0
refused "max-file 0" "max-file cannot be less than 1" --log-opt max-size=1k --log-opt max-file=0
refused "max-file x" 'strconv.Atoi: parsing "x": invalid syntax' --log-opt max-size=1k --log-opt max-file=x
refused "compress alone" "compress cannot be true when max-file is less than 2 or max-size is not set" \
	--log-opt compress=true
refused "compress maybe" 'strconv.ParseBool: parsing "maybe": invalid syntax' --log-opt compress=maybe
refused "compress unsupported" "compress is not supported: rotated logs are kept uncompressed" \
	--log-opt compress=true --log-opt max-size=1k --log-opt max-file=2
id=$(E create --network none --log-opt max-size=abc busybox true); check "a bad value is created" 0 $?
E start "$id" 2>"$T/err"; check "... and refused at start" 1 $?
contains "start's message" "failed to initialize logging driver: invalid size: 'abc'" "$(cat "$T/err")"
E rm "$id" >/dev/null
check "max-file without max-size (docker takes it)" ok \
	"$(E run --rm --network none --log-opt max-file=3 busybox echo ok)"
check "sizes like docker's: 1.5k, 10MB, 2 GiB" "a b c" "$(E run --rm --network none --log-opt max-size=1.5k busybox echo a) \
$(E run --rm --network none --log-opt max-size=10MB busybox echo b) \
$(E run --rm --network none --log-opt 'max-size=2 GiB' busybox echo c)"

# --- the config's log-driver and log-opts: the defaults of a container naming none
printf '{"cgroup-parent": "%s", "log-opts": {"max-size": "1k", "max-file": "2"}}\n' "$parent" >"$root/config.json"
id=$(E run -d --network none busybox seq 1 300)
E wait "$id" >/dev/null
check "config log-opts: inspect" '{"Type":"json-file","Config":{"max-size":"1k","max-file":"2"}}' \
	"$(E inspect -f '{{json .HostConfig.LogConfig}}' "$id")"
check "config log-opts: rotated" "container.log container.log.1" "$(cd "$root/containers/$id" && echo container.log*)"
E rm "$id" >/dev/null
id=$(E create --network none --log-opt max-size=5k busybox true)
check "config log-opts under the given ones" '{"Type":"json-file","Config":{"max-size":"5k","max-file":"2"}}' \
	"$(E inspect -f '{{json .HostConfig.LogConfig}}' "$id")"
E rm "$id" >/dev/null
id=$(E create --network none --log-driver local busybox true)
check "config log-opts are the default driver's only" '{"Type":"local","Config":{}}' \
	"$(E inspect -f '{{json .HostConfig.LogConfig}}' "$id")"
E rm "$id" >/dev/null
printf '{"cgroup-parent": "%s", "log-driver": "none"}\n' "$parent" >"$root/config.json"
id=$(E create --network none busybox true)
check "config log-driver" none "$(E inspect -f '{{.HostConfig.LogConfig.Type}}' "$id")"
E rm "$id" >/dev/null
printf '{"cgroup-parent": "%s"}\n' "$parent" >"$root/config.json"

it_check_nothing_left
it_done
