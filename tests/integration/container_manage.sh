#!/bin/sh
# Docker's container-management verbs end to end (as root, on its own engine
# root and cgroup parent), checked against Docker's documented behaviour:
# rename, update, restart and restart policies.
set -u
. "$(dirname "$0")/lib.sh"
it_require_root
it_require_busybox
. "$(dirname "$0")/netns.inc"
it_engine_root manage
field() { # field CONTAINER KEY: the first "KEY": value of inspect, unquoted
	E inspect "$1" | tr -d ' ' | sed -n "s/^\"$2\":\"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" | head -n1
}

E default >/dev/null || { echo "FAIL: engine default"; exit 1; }

# rename
E create --name one busybox true >/dev/null
E create --name two busybox true >/dev/null
E rename one two 2>/dev/null; check "rename to a used name fails" 1 $?
E rename one uno; check "rename" 0 $?
check "renamed in inspect" "/uno" "$(field uno Name)"
E inspect one >/dev/null 2>&1; check "old name gone" 1 $?
E rename uno 2>/dev/null; check "rename needs 2 args" 125 $?
E rm uno two >/dev/null

# update: limits of a running container, read back by inspect and stats
E run -d --name upd -m 64m busybox sleep 60 >/dev/null
check "update prints the name" "upd" "$(E update -m 128m --pids-limit 20 --cpus 0.5 upd)"
check "memory updated" 134217728 "$(field upd Memory)"
check "pids updated" 20 "$(field upd PidsLimit)"
check "cpus updated" 500000000 "$(field upd NanoCpus)"
E stats --no-stream upd | grep -q "/ 128MiB"; check "stats shows the new limit" 0 $?
E update upd 2>/dev/null; check "update without flags" 1 $?
E update --restart sometimes upd 2>/dev/null; check "bad restart policy" 1 $?
E update --memory 1k upd 2>/dev/null; check "memory below minimum" 1 $?
check "unchanged after a refused update" 134217728 "$(field upd Memory)"

# restart
pid1=$(field upd Pid)
check "restart prints the name" "upd" "$(E restart -t 1 upd)"
pid2=$(field upd Pid)
[ -n "$pid2" ] && [ "$pid2" != 0 ] && [ "$pid2" != "$pid1" ]; check "restart gives a new process" 0 $?
check "running after restart" "running" "$(field upd Status)"
E rm -f upd >/dev/null

E run --rm --restart always busybox true 2>/dev/null; check "--restart with --rm conflicts" 125 $?

# restart policies: the monitor runs it again
E run -d --name flaky --restart on-failure:2 busybox sh -c 'echo run; exit 3' >/dev/null
check "wait reports the first exit" 3 "$(E wait flaky)"
for i in $(seq 100); do [ "$(field flaky RestartCount)" = 2 ] && [ "$(field flaky Status)" = exited ] && break; sleep 0.1; done
check "on-failure:2 restarts twice" 2 "$(field flaky RestartCount)"
check "three runs logged" 3 "$(E logs flaky | grep -c run)"
check "policy in inspect" 1 "$(E inspect flaky | tr -d " \n" | grep -c "\"RestartPolicy\":{\"Name\":\"on-failure\",\"MaximumRetryCount\":2}")"
E run -d --name always --restart always busybox sh -c 'sleep 0.2' >/dev/null
for i in $(seq 100); do [ "$(field always RestartCount)" -ge 1 ] && break; sleep 0.1; done
[ "$(field always RestartCount)" -ge 1 ]; check "always restarts" 0 $?
E stop -t 1 always >/dev/null
sleep 0.5
check "stop ends the policy" exited "$(field always Status)"
E rm flaky always >/dev/null

# top: the container's processes only, ps -ef columns or the given ps options
E run -d --name tops busybox sh -c 'sleep 100 & sleep 200' >/dev/null
sleep 0.3
check "top header" "UID PID PPID C STIME TTY TIME CMD" "$(E top tops | head -n1 | tr -s ' ')"
check "top rows" "sleep 100,sleep 200" "$(E top tops | tail -n +2 | sed 's/.*:[0-9][0-9] *//' | sort | paste -sd, -)"
check "top with ps options" "PID COMMAND" "$(E top tops -o pid,comm | head -n1 | tr -s ' ')"
E top tops --bogus-ps-flag >/dev/null 2>&1; check "top with bad ps options" 1 $?
E stop -t 0 tops >/dev/null
E top tops >/dev/null 2>&1; check "top of a stopped container" 1 $?
E rm tops >/dev/null

# diff: A added, C changed, D deleted, as docker diff prints them
E run --name differ -v "$root:/mnt/host" busybox sh -c 'echo >> /etc/passwd; rm /etc/group; mkdir /new; touch /new/f' >/dev/null
check "diff" "C /etc,D /etc/group,C /etc/passwd,A /new,A /new/f" "$(E diff differ | paste -sd, -)"
E diff 2>/dev/null; check "diff needs 1 arg" 125 $?
E rm differ >/dev/null

# cp both ways (docker cp's placement rules), "-" for tar streams, export
mkdir -p "$root/h/d/sub"; echo one > "$root/h/d/f"; echo two > "$root/h/d/sub/g"
E create --name files busybox sleep 60 >/dev/null
E cp "$root/h/d" files:/tmp/; check "cp into a stopped container" 0 $?
E start files >/dev/null
check "cp'd files seen inside" "one two" "$(E exec files sh -c 'cat /tmp/d/f /tmp/d/sub/g' | paste -sd' ' -)"
E cp "$root/h/d/f" files:/renamed; check "cp to a new name" "one" "$(E exec files cat /renamed)"
E cp files:/tmp/d "$root/back"; check "cp from a running container" "two" "$(cat "$root/back/sub/g")"
E cp files:/tmp/d/. "$root/contents"; check "cp SRC/. copies the content" "f sub" "$(ls "$root/contents" | paste -sd' ' -)"
check "cp to - streams a tar" "d/,d/f,d/sub/,d/sub/g" "$(E cp files:/tmp/d - | tar t | paste -sd, -)"
E exec files mkdir /opt; (cd "$root/h" && tar cf - d) | E cp - files:/opt; check "cp from - extracts a tar" "one" "$(E exec files cat /opt/d/f)"
E cp files:/nope "$root/x" 2>/dev/null; check "cp of a missing path" 1 $?
E cp "$root/h/d" files:/etc/passwd 2>/dev/null; check "cp of a directory onto a file" 1 $?
E cp "$root/h/d" "$root/y" 2>/dev/null; check "cp needs a container" 1 $?
E export files > "$root/fs.tar"; check "export" 0 $?
tar tf "$root/fs.tar" | grep -q '^tmp/d/sub/g$'; check "export holds the container's files" 0 $?
tar tf "$root/fs.tar" | grep -q '^proc/.'; check "export leaves /proc out" 1 $?
E export -o "$root/fs2.tar" files && cmp -s "$root/fs.tar" "$root/fs2.tar"; check "export -o" 0 $?
E rm -f files >/dev/null

# commit: a new image from the container's changes, tagged, with --change
E run --name tocommit busybox sh -c 'echo committed > /msg' >/dev/null
id=$(E commit -m "the message" -a tester -c 'CMD ["cat", "/msg"]' -c 'ENV X=1' tocommit snap:v1)
check "commit prints the image id" 71 "${#id}"
check "committed image runs its files and CMD" "committed" "$(E run --rm snap:v1)"
check "committed env" "1" "$(E run --rm snap:v1 sh -c 'echo $X')"
E image inspect snap:v1 | grep -q '"the message"'; check "commit message" 0 $?
E commit -c 'RUN true' tocommit 2>/dev/null; check "commit refuses RUN" 1 $?
untagged=$(E commit tocommit); check "commit without a name" 71 "${#untagged}"
E rm tocommit >/dev/null

# labels, ps --filter, container prune
printf 'team=web\n# comment\ntier=front\n' > "$root/labels"
E create --name lab1 -l app=a --label-file "$root/labels" busybox true >/dev/null
E create --name lab2 --label app=b busybox true >/dev/null
E run --name lab3 -l app=a busybox sh -c 'exit 3' >/dev/null
check "ps --filter label" 1 "$(E ps -a -q --filter label=team=web | wc -l | tr -d ' ')"
check "ps -f label=app=a" 2 "$(E ps -a -q -f label=app=a | wc -l | tr -d ' ')"
check "ps --filter exited=3 (no -a needed)" 1 "$(E ps -q --filter exited=3 | wc -l | tr -d ' ')"
check "ps --filter status=created" 2 "$(E ps -q --filter status=created | wc -l | tr -d ' ')"
E ps --filter bogus=1 >/dev/null 2>&1; check "ps with an unknown filter" 1 $?
E inspect lab1 | tr -d ' \n' | grep -q '"Labels":{"app":"a","team":"web","tier":"front"}'; check "labels in inspect" 0 $?
check "status text" "Exited (3)" "$(E ps -a --format json --filter name=lab3 | sed 's/.*"Status":"\(Exited ([0-9]*)\).*/\1/')"
E container prune -f --filter label=app=b | grep -q '^Deleted Containers:'; check "container prune --filter" 0 $?
E inspect lab2 >/dev/null 2>&1; check "pruned container gone" 1 $?
E run -d --name keeper busybox sleep 30 >/dev/null
echo y | E container prune >/dev/null 2>&1
check "prune keeps running containers" "keeper" "$(E ps -a --format '{{.Names}}' | paste -sd, -)"
E rm -f keeper >/dev/null

echo "$fails failed"
[ "$fails" -eq 0 ]
