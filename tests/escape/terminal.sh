#!/bin/sh
# Escape 4 (TIOCSTI): the caller runs in a terminal (a pty this test makes,
# the controlling terminal of the engine CLI). A container process must not
# share it: it runs in a session of its own, so /dev/tty does not open and
# TIOCSTI on the terminal it was handed as stdin fails, which keeps it from
# typing commands into the caller's shell. Checked for `run --rm`
# (engine_run), `run -d` (the monitor) and `exec`. Nor is it handed the
# terminal as stdout or stderr: `run --rm` without -i/-t gave the CLI's
# fds 1 and 2 themselves, through which (or /proc/self/fd/1 reopened) the
# container read what the user typed and turned the terminal's echo off
# for good; it now gets pipes the CLI copies to the terminal. Nor a file
# the caller's stdout appends to (read and truncated through /proc), nor
# the caller's pipe (its read end, reopened through /proc, took what the
# host's other writers sent down the pipeline).
. "$(dirname "$0")/lib.sh"

engine="$ENGINE_BUILD/tools/engine --root $root --config $tmp/config.json"

out=$(in_pty $engine run --rm -i $P busybox /probe tty)
contains "run --rm: own session" "sid: own" "$out"
contains "run --rm: no controlling terminal" "open /dev/tty: ENXIO" "$out"
# The CLI relays -i through a pipe (as docker does without -t), so the
# container may not be handed the terminal at all; where it is, TIOCSTI fails.
lacks "run --rm: no TIOCSTI succeeds" ": ok" "$(echo "$out" | grep TIOCSTI)"

steal='stty -F /proc/self/fd/1 -echo 2>/dev/null; echo ready
	read -t 3 x < /proc/self/fd/1 && echo "stole: $x"; read -t 1 x <&2 && echo "stole: $x"; ls -l /proc/self/fd/'
out=$(in_pty -t typed-secret $engine run --rm --network none busybox sh -c "$steal")
contains "run --rm: the container's output reaches the terminal" "ready" "$out"
lacks "run --rm: stdout is not the caller's terminal" "1 -> /dev/pts" "$out"
lacks "run --rm: stderr is not the caller's terminal" "2 -> /dev/pts" "$out"
# (Reopening /proc/self/fd/1, a pipe, reads the pipe itself: the container
# may read back its own "ready" before the CLI relays it; only what the
# user typed must never reach it.)
lacks "run --rm: what the user types is not read by the container" "stole: typed-secret" "$out"
contains "run --rm: the caller's terminal still echoes" "terminal echo: on" "$out"

id=$(E run -d $P busybox sleep 600)
out=$(in_pty $engine exec -i "$id" /probe tty)
contains "exec: own session" "sid: own" "$out"
contains "exec: no controlling terminal" "open /dev/tty: ENXIO" "$out"
lacks "exec: no TIOCSTI succeeds" ": ok" "$(echo "$out" | grep TIOCSTI)"
E rm -f "$id" >/dev/null

id=$(in_pty $engine run -d $P busybox /probe tty | tail -n1)
E wait "$id" >/dev/null 2>&1
out=$(E logs "$id")
contains "run -d: no controlling terminal" "open /dev/tty: ENXIO" "$out"
E rm -f "$id" >/dev/null

# Nor a file the caller's stdout appends to: reopened through
# /proc/self/fd/1 it read what the host had written there and truncated
# it. Stdout and stderr that are one file keep their order.
echo host-secret-line >"$tmp/log"
E run --rm --network none busybox sh -c 'exec 3>&1; timeout 2 cat /proc/self/fd/3 >&2; : >/proc/self/fd/3
	ls -l /proc/self/fd/3 >&2; echo appended' >>"$tmp/log" 2>"$tmp/err"
lacks "run --rm >> file: the container reads none of the file" "host-secret" "$(cat "$tmp/err")"
lacks "run --rm >> file: the container does not hold the file" "$tmp" "$(cat "$tmp/err")"
check "run --rm >> file: the file is only appended to" "host-secret-line
appended" "$(cat "$tmp/log")"
E run --rm --network none busybox sh -c 'echo 1; echo 2 >&2; echo 3; echo 4 >&2' >"$tmp/both" 2>&1
check "run --rm > file 2>&1: in order" "1 2 3 4" "$(echo $(cat "$tmp/both"))"
# Nor the caller's pipe: the container's fd 1 is another pipe, and what a
# host writer sends down the caller's pipeline while the container reads
# /proc/self/fd/1 is not the container's to take.
out=$({
	readlink /proc/self/fd/1
	E run --rm --network none busybox readlink /proc/self/fd/1
} | cat)
host_pipe=$(echo "$out" | sed -n 1p)
check "run --rm | cat: the container's stdout is a pipe" "pipe:" "$(echo "$out" | sed -n '2s/\[.*//p')"
lacks "run --rm | cat: not the caller's pipe" "$host_pipe" "$(echo "$out" | sed -n 2p)"
out=$({
	E run --rm --network none busybox sh -c 'timeout 2 cat /proc/self/fd/1 >&2; echo done' 2>"$tmp/stolen" &
	sleep 0.5
	echo pipeline-secret
	wait
} | cat)
contains "run --rm | cat: the host's line reaches the reader" "pipeline-secret" "$out"
lacks "run --rm | cat: the container read none of it" "pipeline-secret" "$(cat "$tmp/stolen")"
# A reader that goes away ends the run as it would a program's (EPIPE),
# and the CLI cleans up rather than dying of SIGPIPE.
out=$({
	E run --rm --network none busybox yes 2>/dev/null
	echo "rc=$?" >"$tmp/rc"
} | head -n 2)
check "run --rm | head: the reader got its lines" "y y" "$(echo $out)"
check "run --rm | head: the CLI exits with yes's status, not of SIGPIPE" "rc=1" "$(cat "$tmp/rc")"
finish
