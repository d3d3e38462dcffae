#!/bin/sh
# Interactive use end to end, in real terminals (tmux on a private socket):
# run -it (tty, size, resize, exit status), detaching with ctrl-p ctrl-q and
# attaching again, start -ai, exec -it/-i/-d; and the streams without a terminal: run -i with
# piped stdin, run attached, logs (-f, --tail, --since, --until, -t), wait.
set -u
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
[ -x /bin/busybox ] || { echo "skip: no /bin/busybox"; exit 77; }
. "$(dirname "$0")/netns.inc"
command -v tmux >/dev/null || { echo "skip: no tmux (scripts/setup.sh installs it)"; exit 77; }
ENGINE_BUILD=${ENGINE_BUILD:-$(pwd)}
root=$(mktemp -d /tmp/engine-it-tty-XXXXXX)
parent="engine-it-$(basename "$root")"
printf '{"cgroup-parent": "%s"}\n' "$parent" > "$root/config.json"
ENGINE="$ENGINE_BUILD/tools/engine --root $root --config $root/config.json"
E() { $ENGINE "$@"; }
fails=0
cleanup() {
	T kill-server 2>/dev/null
	E rm -f $(E ps -a -q 2>/dev/null) >/dev/null 2>&1
	for d in /sys/fs/cgroup/*/"$parent"; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done
	rm -rf "$root"
}
trap cleanup EXIT
check() { # check NAME EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then echo "ok   $1"; else echo "FAIL $1: expected [$2] got [$3]"; fails=$((fails + 1)); fi
}
. "$(dirname "$0")/tty.inc"

E default >/dev/null || { echo "FAIL: engine default"; exit 1; }

# run -it: a real tty of the terminal's size, resize, exit status
term it "$ENGINE run -it --rm busybox sh"
shows it '/ #'; check "prompt" 0 $?
T send-keys -t it 'tty; stty size; echo $TERM' Enter
shows it '^xterm'; check "tty is the container's pty" 0 $?
check "tty size" "30 100" "$(term_size it)"
check "tty path" "/dev/pts/0" "$(T capture-pane -p -t it | grep -x '/dev/pts/[0-9]*' | head -n1)"
resize_term it
until_shows it 'clear; stty size' '^20 80'; check "resize follows the terminal" 0 $?
T send-keys -t it 'exit 4' Enter
check "exit status through the tty" 4 "$(status it)"

# detach with ctrl-p ctrl-q, attach again
term d1 "$ENGINE run -it --name det busybox sh"
shows d1 '/ #'
T send-keys -t d1 'echo one' Enter
shows d1 '^one'
T send-keys -t d1 C-p C-q
check "detach exits 0" 0 "$(status d1)"
check "still running" "running" "$(E inspect det | tr -d ' ' | sed -n 's/"Status":"\(.*\)",/\1/p')"
term a1 "$ENGINE attach det"
until_shows a1 'echo two' '^two'; check "attach" 0 $?
T send-keys -t a1 'exit 6' Enter
check "attach gets the exit status" 6 "$(status a1)"
check "tty logs" "one two" "$(E logs det | tr -d '\r' | grep -x 'one\|two' | uniq | tr '\n' ' ' | sed 's/ $//')"
E attach det 2>/dev/null; check "attach to a stopped container" 1 $?
# start -ai brings the same shell back
term s1 "$ENGINE start -ai det"
shows s1 '/ #'
T send-keys -t s1 'exit 7' Enter
check "start -ai" 7 "$(status s1)"
E rm det >/dev/null

# exec: -it in a terminal (its own pty, size, resize, exit status), -i with
# piped stdin, the streams apart, -d detaches, --privileged
E run -d --name ex busybox sleep 1000 >/dev/null
term x1 "$ENGINE exec -it ex sh"
shows x1 '/ #'; check "exec -it prompt" 0 $?
T send-keys -t x1 'tty; stty size; echo $TERM' Enter
shows x1 '^xterm'; check "exec -it has a tty" 0 $?
check "exec tty size" "30 100" "$(term_size x1)"
check "exec tty of the container's devpts" 1 "$(T capture-pane -p -t x1 | grep -c -x '/dev/pts/[0-9]*')"
resize_term x1
until_shows x1 'clear; stty size' '^20 80'; check "exec resize follows the terminal" 0 $?
T send-keys -t x1 'exit 5' Enter
check "exec -it exit status" 5 "$(status x1)"
check "exec -i piped" "hello" "$(echo hello | E exec -i ex cat)"
check "exec without -i: no stdin" "" "$(echo hello | E exec ex cat)"
out=$(E exec ex sh -c 'echo out; echo err >&2; exit 3' 2>"$root/err"); rc=$?
check "exec stdout" "out" "$out"
check "exec stderr" "err" "$(cat "$root/err")"
check "exec status" 3 $rc
check "exec -t without a terminal" "/dev/pts/0" "$(E exec -t ex tty | tr -d '\r')"
E exec -d ex sh -c 'sleep 0.3; echo done > /tmp/d'; check "exec -d returns" 0 $?
check "exec -d: nothing yet" "" "$(E exec ex cat /tmp/d 2>/dev/null)"
i=0; while [ $i -lt 100 ] && [ "$(E exec ex cat /tmp/d 2>/dev/null)" != done ]; do sleep 0.1; i=$((i + 1)); done
check "exec -d ran in the background" "done" "$(E exec ex cat /tmp/d)"
echo | E exec -it ex true 2>/dev/null; check "exec -it without a tty on stdin" 1 $?
E exec ex /no/such 2>/dev/null; check "exec: not found" 127 $?
E exec nope true 2>/dev/null; check "exec: no such container" 1 $?
plain=$(E exec ex grep CapEff /proc/self/status)
priv=$(E exec --privileged ex grep CapEff /proc/self/status)
[ -n "$plain" ] && [ "$plain" != "$priv" ]; check "exec --privileged: more capabilities" 0 $?
E rm -f ex >/dev/null

# -it without a terminal is refused, like docker
echo | E run -it --rm busybox true 2>/dev/null; check "no tty on stdin" 1 $?

# without a terminal: piped stdin, separate streams, exit statuses
check "run -i piped" "hello" "$(echo hello | E run -i --rm busybox cat)"
check "run -i piped, kept" "hello done" "$(echo hello | E run -i --name kept busybox sh -c 'cat; echo done' | tr '\n' ' ' | sed 's/ $//')"
E rm kept >/dev/null
out=$(E run --name streams busybox sh -c 'echo out; echo err >&2; exit 3' 2>"$root/err"); rc=$?
check "attached run: stdout" "out" "$out"
check "attached run: stderr" "err" "$(cat "$root/err")"
check "attached run: status" 3 $rc
check "logs keep the streams apart" "out" "$(E logs streams 2>/dev/null)"
check "logs stderr" "err" "$(E logs streams 2>&1 >/dev/null)"
E rm streams >/dev/null

# sig-proxy (the default without a TTY): SIGTERM to the CLI reaches the
# container, whose exit status the CLI returns; --sig-proxy=false leaves it
sigrun() { # sigrun NAME [FLAGS]: start an attached run in the background
	rm -f "$root/$1.out"
	$ENGINE run $2 --name "$1" busybox sh -c 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done' >"$root/$1.out" 2>&1 &
	cli=$!
	i=0; while [ $i -lt 600 ] && ! grep -q ready "$root/$1.out" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
}
sigrun sp ""
kill -TERM $cli; wait $cli; rc=$?
check "sig-proxy: the container's status" 7 $rc
check "sig-proxy: the container got SIGTERM" "got-term" "$(grep got-term "$root/sp.out")"
E rm sp >/dev/null
sigrun sp2 --sig-proxy=false
kill -TERM $cli; wait $cli
check "--sig-proxy=false: still running" running "$(E inspect sp2 | tr -d ' ' | sed -n 's/"Status":"\(.*\)",/\1/p')"
E rm -f sp2 >/dev/null

# the monitor keeps none of the caller's inheritable fds: a pipe on fd 7
# ends with the CLI, not with the container
( E run -d --name fdt busybox sleep 1000 >/dev/null ) 7>&1 | timeout 60 cat >/dev/null
check "the monitor does not hold the caller's pipe" 0 $?
E rm -f fdt >/dev/null

# logs: follow, tail, since/until, timestamps
id=$(E run -d busybox sh -c 'echo a; echo b; sleep 1; echo c')
check "logs -f follows to the end" "a b c" "$(E logs -f "$id" | tr '\n' ' ' | sed 's/ $//')"
check "logs --tail 1" "c" "$(E logs --tail 1 "$id")"
check "logs -n 0" "" "$(E logs -n 0 "$id")"
ts=$(E logs -t "$id" | sed -n 2p)
check "logs -t" "b" "${ts#* }"
case "$ts" in 20[0-9][0-9]-[01][0-9]-[0-3][0-9]T*Z\ b) check "timestamp format" 0 0 ;; *) check "timestamp format" "RFC 3339" "$ts" ;; esac
check "logs --since 1h" "3" "$(E logs --since 1h "$id" | wc -l)"
check "logs --until 1h ago" "0" "$(E logs --until 1h "$id" | wc -l)"
E logs --since yesterday "$id" 2>/dev/null; check "bad --since" 1 $?
check "wait" "0" "$(E wait "$id")"
E rm "$id" >/dev/null
E run -d --name w7 busybox sh -c 'sleep 0.3; exit 7' >/dev/null
check "wait prints the status" "7" "$(E wait w7)"
E wait nope 2>/dev/null; check "wait unknown" 1 $?
E rm w7 >/dev/null

# nothing left behind
E ps -a --format json | grep -v "^$" && echo "^^^ left over"
check "no containers" 0 "$(ls "$root/containers" | wc -l)"
check "no mounts" 0 "$(grep -c "$root" /proc/self/mountinfo)"

[ $fails -eq 0 ] || { echo "$fails failed"; exit 1; }
echo "all passed"
