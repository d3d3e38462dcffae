#!/bin/sh
# docker's command-line conventions on the engine CLI: every command answers
# --help with its usage (exit 0), an unknown flag is one line naming it plus
# "See 'engine CMD --help'." (exit 125), operand counts are checked; stop
# -s/-t, kill -s, rm -f, pause, system prune (stopped containers, unused
# networks, images; prompt unless -f), image prune, builder prune. In a
# network namespace of its own.
set -u
. "$(dirname "$0")/lib.sh"
it_require_root
it_require_busybox
. "$(dirname "$0")/netns.inc"
it_engine_root commands
it_tmpdir

E default >/dev/null || { echo "FAIL: engine default"; exit 1; }

for cmd in images inspect tag rmi unpack run create start ps exec stop kill rm pause unpause stats commit cp \
	export diff top rename update restart port version info history events "system df" "system prune" "system check" \
	"image prune" "builder prune" "network ls" "network inspect" "container inspect"; do
	# shellcheck disable=SC2086
	out=$(E $cmd --help 2>&1); rc=$?
	check "$cmd --help exits 0" 0 $rc
	case "$out" in *"Usage:  engine $cmd "*) ;; *) check "$cmd --help shows its usage" "Usage:  engine $cmd ..." "$(echo "$out" | sed -n 2p)" ;; esac
	# shellcheck disable=SC2086
	E $cmd --no-such-flag >/dev/null 2>"$T/err"; rc=$?
	check "$cmd unknown flag exits 125" 125 $rc
	check "$cmd unknown flag: two lines" "unknown flag: --no-such-flag|See 'engine $cmd --help'." "$(paste -sd'|' "$T/err")"
done
contains "engine --help lists the environment" "ENGINE_ROOT" "$(E --help)"
check "ENGINE_ROOT is the root without --root" "$root" \
	"$(ENGINE_ROOT="$root" "$ENGINE_BUILD/tools/engine" --config "$root/config.json" info --format '{{.DockerRootDir}}')"
check "--root wins over ENGINE_ROOT" "$root" \
	"$(ENGINE_ROOT=/nonexistent/x "$ENGINE_BUILD/tools/engine" --root "$root" info --format '{{.DockerRootDir}}')"
echo '{"cgroup-parent": 5' >"$T/bad.json"
ENGINE_CONFIG="$T/bad.json" "$ENGINE_BUILD/tools/engine" --root "$root" info >/dev/null 2>"$T/err"
check "ENGINE_CONFIG is read without --config" 1 $?
contains "its error names the file" "bad.json" "$(cat "$T/err")"
for group in container network system builder; do
	check "$group --help exits 0" 0 "$(E $group --help >/dev/null 2>&1; echo $?)"
	contains "$group --help lists commands" "Commands:" "$(E $group --help)"
done

E tag busybox 2>"$T/err"; check "tag with one operand exits 125" 125 $?
check "tag operand count named" 'Error: "engine tag" requires exactly 2 arguments.' "$(head -n1 "$T/err")"
E stop 2>"$T/err"; check "stop without a container" 125 $?
check "stop operand count named" 'Error: "engine stop" requires at least 1 argument.' "$(head -n1 "$T/err")"
E ps extra 2>/dev/null; check "ps takes no operands" 125 $?

# stop -s / -t, kill -s, pause, rm -f
E run -d --network none --name s1 busybox sh -c 'trap "echo got HUP; exit 5" HUP; echo ready; while :; do sleep 0.1; done' >/dev/null
i=0; while [ "$(E logs s1 2>/dev/null)" != ready ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "stop -s prints the name" s1 "$(E stop -s HUP -t 20 s1)"
check "stop -s sent the signal" 5 "$(E inspect -f '{{.State.ExitCode}}' s1)"
E stop -s NOPE s1 2>"$T/err"; check "stop -s with a bad signal exits 125" 125 $?
E run -d --network none --name s2 busybox sleep 60 >/dev/null
check "pause" "s2" "$(E pause s2)"
check "paused" "paused" "$(E inspect -f '{{.State.Status}}' s2)"
check "unpause" "s2" "$(E unpause s2)"
check "kill -s prints the name" "s2" "$(E kill -s KILL s2)"
E kill --signal=BOGUS s2 2>/dev/null; check "kill with a bad signal exits 125" 125 $?
E rm nosuch 2>"$T/err"; check "rm of a missing container exits 1" 1 $?
E run -d --network none --name s3 busybox sleep 60 >/dev/null
E rm s3 2>/dev/null; check "rm of a running container needs -f" 1 $?
check "rm -f" "s3" "$(E rm -f s3)"

# history: newest first, the image's ID on top, empty layers 0B
printf 'FROM busybox\nRUN echo hi > /hi\nENV A=1\nLABEL x=y\n' > "$T/Dockerfile"
E build -q -t hist:1 "$T" >/dev/null 2>&1 || echo "FAIL: build for history"
check "history rows" 4 "$(E history -q hist:1 | wc -l | tr -d ' ')"
check "history top row is the image" "$(E images -q hist:1)" "$(E history -q hist:1 | head -n1)"
# The build's intermediate images (its steps' parents) name their rows, as a
# classic docker build's do; the base image's row is the base image.
check "a step's row is its intermediate image" "$(E history -q --no-trunc hist:1 | sed -n 2p)" \
	"$(E image inspect -f '{{.Id}}' "$(E history -q --no-trunc hist:1 | sed -n 2p)")"
check "the base row is the base image" "$(E images -q busybox)" "$(E history -q hist:1 | tail -n1)"
check "a RUN row has its layer's size" "3B" "$(E history --format '{{.Size}} {{.CreatedBy}}' hist:1 | grep 'echo hi' | cut -d' ' -f1)"
check "--human=false sizes in bytes" "3" "$(E history --human=false --format '{{.Size}} {{.CreatedBy}}' hist:1 | grep 'echo hi' | cut -d' ' -f1)"
check "history header" "IMAGE          CREATED" "$(E history hist:1 | head -n1 | cut -c1-22)"
check "empty layers are 0B" "0B 0B" "$(E history --format '{{.Size}}' hist:1 | head -n2 | paste -sd' ' -)"
contains "history CreatedBy" "echo hi > /hi" "$(E history --no-trunc --format '{{.CreatedBy}}' hist:1)"
check "image history is history" "$(E history -q hist:1 | paste -sd, -)" "$(E image history -q hist:1 | paste -sd, -)"
E history nosuch:1 2>"$T/err"; check "history of a missing image exits 1" 1 $?
check "history names it" "Error: No such image: nosuch:1" "$(cat "$T/err")"
E rmi hist:1 >/dev/null

# load --tag of a docker archive that names its own tag: both tags
E save -o "$T/bb.tar" busybox
check "load --tag adds the tag" "Loaded image: busybox:latest|Loaded image: mine:7" "$(E load -i "$T/bb.tar" --tag mine:7 | paste -sd'|' -)"
check "both tags are there" "busybox:latest,mine:7" "$(E images --format '{{.Repository}}:{{.Tag}}' | grep -v '<none>' | sort | paste -sd, -)"
E rmi mine:7 >/dev/null
# a build from a missing base: one clean line
mkdir -p "$T/nobase"
printf 'FROM nosuchbase:1\nRUN true\n' > "$T/nobase/Dockerfile"
E build -t x "$T/nobase" >/dev/null 2>"$T/err"; check "build from a missing base fails" 1 $?
check "its error, once" "Error: Dockerfile:1: FROM nosuchbase:1: No such image: nosuchbase:1 (load or pull it first: builds never pull)" \
	"$(tail -n1 "$T/err")"

# events: the container's life, filtered and formatted as docker's
t0=$(date +%s)
E run -d --network none --name evt busybox sh -c 'exit 3' >/dev/null
E wait evt >/dev/null
E rm evt >/dev/null
until=$(( $(date +%s) + 1 ))
check "events of a container" "create,start,die,destroy" \
	"$(E events --since "$t0" --until "$until" --filter container=evt --format '{{.Action}}' | paste -sd, -)"
check "events --filter event=die" "3 evt" \
	"$(E events --since "$t0" --until "$until" --filter event=die --filter container=evt --format '{{.Actor.Attributes.exitCode}} {{.Actor.Attributes.name}}')"
contains "docker's line" " container die " "$(E events --since "$t0" --until "$until" --filter container=evt)"
contains "with its attributes" "(exitCode=3, image=busybox, name=evt)" "$(E events --since "$t0" --until "$until" --filter event=die --filter container=evt)"
check "events --until in the past ends at once" "" "$(E events --since "$t0" --until "$t0" --filter container=nosuch)"
E events --filter nonsense 2>/dev/null; check "a filter without = exits 1" 1 $?

# ps -s: the writable layer's size and, as "virtual", with the image's
E run --network none --name writer busybox sh -c 'head -c 300000 /dev/zero > /big' >/dev/null
sz=$(E ps -a -s --filter name=writer --format '{{.Size}}')
case "$sz" in 3[0-9][0-9]kB" (virtual "*"MB)") echo "ok   ps -s size [$sz]" ;; *) check "ps -s size" "3xxkB (virtual N MB)" "$sz" ;; esac
check "ps without -s: 0B" "0B" "$(E ps -a --filter name=writer --format '{{.Size}}')"
contains "ps -s adds the SIZE column" "SIZE" "$(E ps -a -s | head -n1)"
E rm writer >/dev/null

# system prune: stopped containers, unused networks, dangling images
E network create unused >/dev/null
E create --network none --name stopped busybox true >/dev/null
E run -d --network none --name up busybox sleep 60 >/dev/null
echo n | E system prune >"$T/out" 2>"$T/err"
contains "system prune asks first" "Are you sure you want to continue? [y/N]" "$(cat "$T/err")"
contains "system prune warns about containers" "all stopped containers" "$(cat "$T/err")"
check "a no keeps everything" "stopped" "$(E ps -a --filter name=stopped --format '{{.Names}}')"
E system prune -f >"$T/out" 2>&1; check "system prune -f" 0 $?
contains "deleted containers listed" "Deleted Containers:" "$(cat "$T/out")"
contains "deleted networks listed" "unused" "$(cat "$T/out")"
contains "reclaimed space" "Total reclaimed space:" "$(cat "$T/out")"
check "stopped containers gone, running kept" "up" "$(E ps -a --format '{{.Names}}' | paste -sd, -)"
check "busybox kept (a container uses it)" "busybox" "$(E images --format '{{.Repository}}')"
E rm -f up >/dev/null
echo y | E image prune -a >"$T/out" 2>&1; check "image prune -a after yes" 0 $?
check "image prune -a removed busybox" "" "$(E images -q)"
E builder prune </dev/null >"$T/out" 2>&1
contains "builder prune asks first" "WARNING! This will remove all dangling build cache." "$(cat "$T/out")"
E builder prune -f >"$T/out" 2>&1; check "builder prune -f" 0 $?
contains "builder prune -f report" "Deleted build cache entries: 0" "$(cat "$T/out")"

it_check_nothing_left
echo "$fails failed"
[ "$fails" -eq 0 ]
