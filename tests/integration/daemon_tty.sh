#!/bin/sh
# The real Docker CLI against `engine daemon` in real terminals (tmux on a
# private socket, and script): run -it (tty, size, resize, exit status),
# detaching with ctrl-p ctrl-q and docker attach, exec -it with resize and
# detach,
# run -t / exec -t under script; without a terminal: run -i and exec -i
# with piped stdin, exec -d; the resize endpoints.
set -u
. "$(dirname "$0")/daemon_common.inc"
command -v tmux >/dev/null || { echo "skip: no tmux (scripts/setup.sh installs it)"; exit 77; }
command -v script >/dev/null || { echo "skip: no script (util-linux)"; exit 77; }
D() { "$DOCKER" "$@"; }
. "$(dirname "$0")/tty.inc"
cleanup_tty() { T kill-server 2>/dev/null; daemon_cleanup; }
trap cleanup_tty EXIT
start_daemon

# run -it: the container's pty, the terminal's size, resize, exit status
term it "$DOCKER run -it --rm busybox sh"
shows it '/ #'; check "run -it prompt" 0 $?
T send-keys -t it 'tty; stty size; echo $TERM' Enter
shows it '^xterm'; check "run -it has a tty" 0 $?
check "run -it size" "30 100" "$(term_size it)"
check "run -it tty path" "/dev/pts/0" "$(T capture-pane -p -t it | grep -x '/dev/pts/[0-9]*' | head -n1)"
resize_term it
until_shows it 'clear; stty size' '^20 80'; check "run -it resize" 0 $?
T send-keys -t it 'exit 4' Enter
check "run -it exit status" 4 "$(status it)"

# detach with ctrl-p ctrl-q, docker attach
term d1 "$DOCKER run -it --name det busybox sh"
shows d1 '/ #'
T send-keys -t d1 'echo one' Enter
shows d1 '^one'
T send-keys -t d1 C-p C-q
check "detach exits 0" 0 "$(status d1)"
check "still running" "running" "$(D inspect -f '{{.State.Status}}' det)"
term a1 "$DOCKER attach det"
until_shows a1 'echo two' '^two'; check "docker attach" 0 $?
T send-keys -t a1 'exit 6' Enter
check "attach gets the exit status" 6 "$(status a1)"
check "tty logs" "one two" "$(D logs det | tr -d '\r' | grep -x 'one\|two' | uniq | tr '\n' ' ' | sed 's/ $//')"
# start -ai brings the same shell back
term s1 "$DOCKER start -ai det"
shows s1 '/ #'; check "start -ai prompt" 0 $?
T send-keys -t s1 'exit 7' Enter
check "start -ai exit status" 7 "$(status s1)"
D rm det >/dev/null

# exec -it: its own pty, size, resize, exit status; exec inspect's Pid
D run -d --name long busybox sleep 1000 >/dev/null
term x1 "$DOCKER exec -it long sh"
shows x1 '/ #'; check "exec -it prompt" 0 $?
T send-keys -t x1 'tty; stty size; echo $TERM' Enter
shows x1 '^xterm'; check "exec -it has a tty" 0 $?
check "exec -it size" "30 100" "$(term_size x1)"
resize_term x1
until_shows x1 'clear; stty size' '^20 80'; check "exec -it resize" 0 $?
T send-keys -t x1 'exit 5' Enter
check "exec -it exit status" 5 "$(status x1)"

# ctrl-p ctrl-q detaches from an exec too; the shell runs on
term x2 "$DOCKER exec -it long sh -c 'echo \$\$ > /tmp/xsh; exec sh'"
shows x2 '/ #'
T send-keys -t x2 C-p C-q
status x2 >/dev/null
xsh=$(D exec long cat /tmp/xsh)
check "exec detach: the shell runs on" 1 "$(D exec long ps -o pid,comm | grep -c "^ *$xsh sh")"
D exec long kill -9 "$xsh"

# script: -t without -i
script -qec "$DOCKER run -t --rm busybox sh -c 'echo tty-out; tty; exit 2'" /dev/null </dev/null >"$root/s.out"; rc=$?
out=$(tr -d '\r' <"$root/s.out")
check "script run -t output" "tty-out /dev/pts/0" "$(echo "$out" | grep -x 'tty-out\|/dev/pts/0' | tr '\n' ' ' | sed 's/ $//')"
check "script run -t status" 2 $rc
script -qec "$DOCKER exec -t long sh -c 'tty; exit 3'" /dev/null </dev/null >"$root/s.out"; rc=$?
out=$(tr -d '\r' <"$root/s.out")
check "script exec -t output" "/dev/pts/0" "$(echo "$out" | grep -x '/dev/pts/[0-9]*')"
check "script exec -t status" 3 $rc

# without a terminal
check "run -i piped" "hello" "$(echo hello | D run -i --rm busybox cat)"
check "run -i piped, kept" "hello done" "$(echo hello | D run -i --name kept busybox sh -c 'cat; echo done' | tr '\n' ' ' | sed 's/ $//')"
D rm kept >/dev/null
check "exec -i piped" "hello" "$(echo hello | D exec -i long cat)"
check "run -t without a terminal" "/dev/pts/0" "$(D run -t --rm busybox tty | tr -d '\r')"
D exec -d long sh -c 'sleep 0.3; echo done > /tmp/d'; check "exec -d returns" 0 $?
i=0; while [ $i -lt 100 ] && [ "$(D exec long cat /tmp/d 2>/dev/null)" != done ]; do sleep 0.1; i=$((i + 1)); done
check "exec -d ran in the background" "done" "$(D exec long cat /tmp/d)"

# the resize endpoints
api() { curl -s --unix-socket "$sock" -o "$root/api.out" -w '%{http_code}' "$@"; }
check "resize a container without a TTY" 200 "$(api -X POST "http://d/containers/long/resize?h=10&w=20")"
check "resize: bad size" 400 "$(api -X POST "http://d/containers/long/resize?h=x&w=20")"
check "resize: no such container" 404 "$(api -X POST "http://d/containers/nope/resize?h=10&w=20")"
D run -d -t --name tt busybox sh -c 'sleep 1000' >/dev/null
check "resize a TTY container" 200 "$(api -X POST "http://d/containers/tt/resize?h=12&w=34")"
check "the container's size" "12 34" "$(D exec tt stty size -F /dev/console 2>/dev/null)"
api -X POST -H 'Content-Type: application/json' -d '{"Cmd":["sleep","100"],"Tty":true}' http://d/containers/tt/exec >/dev/null
eid=$(sed 's/.*"Id":"\([0-9a-f]*\)".*/\1/' "$root/api.out")
check "exec start detached with a TTY" 200 "$(api -X POST -H 'Content-Type: application/json' -d '{"Detach":true,"Tty":true}' "http://d/exec/$eid/start")"
api "http://d/exec/$eid/json" >/dev/null
pid=$(sed 's/.*"Pid":\([0-9]*\).*/\1/' "$root/api.out")
check "exec inspect Pid is the process" "sleep" "$(cat /proc/$pid/comm 2>/dev/null)"
check "exec inspect Running" 1 "$(grep -c '"Running":true' "$root/api.out")"
api http://d/containers/tt/json >/dev/null
check "container inspect's ExecIDs" 1 "$(grep -c "\"ExecIDs\":\[\"$eid\"\]" "$root/api.out")"
check "exec resize" 200 "$(api -X POST "http://d/exec/$eid/resize?h=10&w=20")"
check "exec resize: no such exec" 404 "$(api -X POST "http://d/exec/nope/resize?h=10&w=20")"
kill "$pid"
i=0; while [ $i -lt 100 ] && ! { api "http://d/exec/$eid/json" >/dev/null; grep -q '"Running":false' "$root/api.out"; }; do sleep 0.1; i=$((i + 1)); done
check "exec inspect after its end" 1 "$(grep -c '"ExitCode":143.*"Pid":0' "$root/api.out")"
api http://d/containers/tt/json >/dev/null
check "ExecIDs without ended execs" 1 "$(grep -c '"ExecIDs":null' "$root/api.out")"
api -X POST -H 'Content-Type: application/json' -d '{"Cmd":["true"]}' http://d/containers/tt/exec >/dev/null
eid=$(sed 's/.*"Id":"\([0-9a-f]*\)".*/\1/' "$root/api.out")
D kill tt >/dev/null; D wait tt >/dev/null
check "exec start on a stopped container" 409 "$(api -X POST -H 'Content-Type: application/json' -d '{}' "http://d/exec/$eid/start")"
check "resize a stopped container" 409 "$(api -X POST "http://d/containers/tt/resize?h=12&w=34")"
D rm -f long tt >/dev/null

echo "$fails failed"
[ $fails -eq 0 ]
