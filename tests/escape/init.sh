#!/bin/sh
# Escape 2: under --init, PID 1 was an unconfined copy of the engine (every
# capability, no seccomp, no no_new_privs, the caller's fds, /proc/1/exe
# the host binary), so with --cap-add SYS_PTRACE a container process
# reached the host through /proc/1/fd/N. PID 1 is now engine-init, exec'd
# from its sealed memfd after the same confinement as the command, holding
# nothing but stdio, and non-dumpable.
. "$(dirname "$0")/lib.sh"

fields() { grep -E '^(CapEff|CapBnd|Seccomp|NoNewPrivs|Uid):' | tr -s ' \t' ' '; }

out=$(E run --rm --init $P busybox sh -c '/probe status 1 > /tmp/1; /probe status self > /tmp/self; cat /tmp/1; echo ---; cat /tmp/self')
pid1=$(echo "$out" | sed -n '1,/^---$/p' | fields)
self=$(echo "$out" | sed -n '/^---$/,$p' | fields)
check "PID 1 is as confined as the command (caps, seccomp, no_new_privs)" "$self" "$pid1"
contains "PID 1 has seccomp on" "Seccomp: 2" "$pid1"
contains "PID 1 has no_new_privs" "NoNewPrivs: 1" "$pid1"
contains "PID 1 is non-dumpable (its exe and fds are closed to the command)" "exe: EACCES" "$out"

out=$(E run --rm --init -u 1000 $P busybox sh -c '/probe status 1 | grep Uid')
contains "PID 1 runs as the container's user" "1000" "$out"

# The caller also hands over a host directory it left open (fd 9).
out=$(E run --rm --init --cap-add SYS_PTRACE $P busybox sh -c '/probe status 1; /probe fdwrite 1 '"$tmp/marker" 9<"$tmp")
contains "SYS_PTRACE: PID 1 is engine-init's memfd" "exe: /memfd:engine-init (deleted)" "$out"
lacks "SYS_PTRACE: PID 1 holds no host path" "$tmp" "$out"
check "SYS_PTRACE: PID 1 holds no fd beyond stdio" 3 "$(echo "$out" | grep -c '^fd ')"
contains "SYS_PTRACE: nothing reached through /proc/1/fd" "fdwrite: nothing reached" "$out"
no_markers "SYS_PTRACE: no host marker"

out=$(E run --rm --init busybox ps -o pid,comm,args)
contains "ps: PID 1 is docker-init" "1 docker-init      /sbin/docker-init -- ps" "$out"
lacks "ps: no engine command line" "--root" "$out"
finish
