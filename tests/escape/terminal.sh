#!/bin/sh
# Escape 4 (TIOCSTI): the caller runs in a terminal (a pty this test makes,
# the controlling terminal of the engine CLI). A container process must not
# share it: it runs in a session of its own, so /dev/tty does not open and
# TIOCSTI on the terminal it was handed as stdin fails, which keeps it from
# typing commands into the caller's shell. Checked for `run --rm`
# (engine_run), `run -d` (the monitor) and `exec`.
. "$(dirname "$0")/lib.sh"

# in_pty CMD...: run CMD as a session leader whose controlling terminal and
# stdio are a new pty; print what it wrote.
in_pty() {
	/usr/bin/python3 - "$@" <<'PY'
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
PY
}
engine="$ENGINE_BUILD/tools/engine --root $root --config $tmp/config.json"

out=$(in_pty $engine run --rm -i $P busybox /probe tty)
contains "run --rm: own session" "sid: own" "$out"
contains "run --rm: no controlling terminal" "open /dev/tty: ENXIO" "$out"
# The CLI relays -i through a pipe (as docker does without -t), so the
# container may not be handed the terminal at all; where it is, TIOCSTI fails.
lacks "run --rm: no TIOCSTI succeeds" ": ok" "$(echo "$out" | grep TIOCSTI)"

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
finish
