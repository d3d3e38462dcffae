#!/bin/sh
# exec -t: the exec'd process gets a pty of the container's own devpts
# (made inside, its master sent out), so no host terminal, pty master or
# other host fd reaches the container: not in the exec'd process, and not
# through /proc/PID/fd of it from another process in the container. Its
# TIOCSTI then types only into its own pty.
. "$(dirname "$0")/lib.sh"

engine="$ENGINE_BUILD/tools/engine --root $root --config $tmp/config.json"

id=$(E run -d --network none $P busybox sleep 600)
[ -n "$id" ] || { echo "FAIL: start a container"; exit 1; }
in_pty $engine exec -t "$id" sh -c '/probe status self; /probe tty
	echo "devpts: $(stat -L -c %d /proc/self/fd/0) $(stat -c %d /dev/pts)"
	touch /tmp/ready; i=0; while [ ! -e /tmp/done ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done' \
	>"$tmp/out" 2>&1 &
i=0
while ! E exec "$id" test -e /tmp/ready 2>/dev/null && [ $i -lt 300 ]; do i=$((i + 1)); done
# Every fd of every process in the container, the exec'd one included.
others=$(E exec "$id" sh -c 'for p in /proc/[0-9]*; do ls -l $p/fd/ 2>/dev/null; done; touch /tmp/done')
wait
out=$(cat "$tmp/out")
contains "exec -t: stdio is a pty" "fd 0: /dev/pts/" "$out"
lacks "exec -t: no fd beyond stdio and the probe's own" "fd 4:" "$out"
lacks "exec -t: no host path among its fds" "$tmp" "$out"
dev=$(echo "$out" | sed -n 's/^devpts: //p')
case "$dev" in
"") fail "exec -t: the pty's device" "no answer: $out" ;;
*) check "exec -t: the pty is of the container's devpts" "${dev#* }" "${dev% *}" ;;
esac
lacks "exec -t: no pty master in any container process" "ptmx" "$others"
lacks "exec -t: no host path in any container process" "$tmp" "$others"
contains "exec -t: the other processes were seen" "/dev/pts/" "$others"
contains "exec -t: TIOCLINUX was tried on its pty" "TIOCLINUX fd 0:" "$out"
lacks "exec -t: TIOCLINUX reaches no virtual console" "TIOCLINUX fd 0: ok" "$out"
E rm -f "$id" >/dev/null
out=$(in_pty $engine run --rm -t --network none $P busybox /probe tty)
contains "run -t: TIOCLINUX was tried on its pty" "TIOCLINUX fd 0:" "$out"
lacks "run -t: TIOCLINUX reaches no virtual console" "TIOCLINUX fd 0: ok" "$out"
finish
