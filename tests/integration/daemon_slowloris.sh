#!/bin/sh
# The header deadline of the daemon's HTTP server (tools/httpserver/
# deadline.c) bounds only a request's headers: with a 2 s deadline
# (ENGINE_HTTP_HEADER_TIMEOUT), attached runs (upgraded connections, from
# the engine CLI and the Docker CLI), docker logs -f and /events that last
# longer are not cut, and a client dribbling its headers is.
set -u
. "$(dirname "$0")/daemon_common.inc"
export ENGINE_HTTP_HEADER_TIMEOUT=2
start_daemon
D() { timeout -s KILL 60 "$DOCKER" "$@"; }

check "docker run attached past the deadline" "late" \
	"$(D run --rm --network none busybox sh -c 'sleep 4; echo late' 2>&1)"
check "engine run attached past the deadline" "late" \
	"$(timeout -s KILL 60 "$ENGINE" -H "unix://$sock" run --rm --network none busybox sh -c 'sleep 4; echo late' 2>&1)"
check "docker run -i: stdin read past the deadline" "in" \
	"$( (sleep 4; echo in) | D run --rm -i --network none busybox sh -c 'read x; echo $x' 2>&1)"
id=$(D run -d --network none busybox sh -c 'sleep 4; echo followed')
check "docker logs -f past the deadline" "followed" "$(D logs -f "$id" 2>&1)"
D rm -f "$id" > /dev/null 2>&1
curl -s -o /dev/null -m 5 --unix-socket "$sock" http://d/v1.41/events
check "/events outlives the deadline (curl gives up: 28)" 28 $?
check "a dribbling client is closed" closed "$(/usr/bin/python3 - "$sock" <<'PYEOF'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(0.05)
s.sendall(b"GET /_ping HTTP/1.1\r\n")
end = time.time() + 60
while time.time() < end:
    try:
        s.send(b"X")
        if s.recv(4096) == b"":
            print("closed"); break
    except socket.timeout:
        pass
    except OSError:
        print("closed"); break
    time.sleep(0.3)
PYEOF
)"
exit $((fails > 0))
