#!/bin/sh
# Slow and idle clients of the HTTP server (tools/httpserver) against
# `engine registry serve` (daemon_slowloris.sh: the daemon's): connections that dribble
# their headers a byte at a time, or send nothing, are closed once the
# header deadline passes (ENGINE_HTTP_HEADER_TIMEOUT, 2 s here; 60 s by
# default) however active they are; while they are open, ordinary requests
# are answered; one address cannot open more than 256 connections at once
# (another still can); long bodies and streamed replies are not cut.
. "$(dirname "$0")/registry_common.inc"
. "$(dirname "$0")/registry_serve.inc"

export ENGINE_HTTP_HEADER_TIMEOUT=2
fixture big --layers 2000,3000000 > /dev/null
serve srv "$T/s"
seed big "$SRV/big:1"
BIGL=$(layout_blobs big | tail -n1)
HOST=${SRV%:*} PORT=${SRV#*:}

# slow.py MODE N: N connections to $HOST:$PORT; "dribble" sends a request
# line and then a header byte every 0.3 s, "idle" sends nothing, "tls"
# starts nothing. Writes "open" to $T/slow.state once all are connected,
# then waits until the server closed every one of them (or 60 s passed)
# and prints how many it closed.
cat > "$T/slow.py" <<'PYEOF'
import socket, sys, time
host, port, mode, n, state = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
socks = []
for i in range(n):
    s = socket.create_connection((host, port))
    s.settimeout(0.05)
    if mode == "dribble":
        s.sendall(b"GET /v2/ HTTP/1.1\r\nHost: x\r\n")
    socks.append(s)
open(state, "w").write("open\n")
closed = set()
end = time.time() + 60
while len(closed) < n and time.time() < end:
    for i, s in enumerate(socks):
        if i in closed:
            continue
        try:
            if mode == "dribble":
                s.send(b"X")
            if s.recv(4096) == b"":
                closed.add(i)
        except socket.timeout:
            pass
        except OSError:
            closed.add(i)
    time.sleep(0.3)
print(len(closed))
PYEOF

# slow MODE N: run slow.py in the background; SLOW_PID, output in $T/slow.out.
slow() {
	rm -f "$T/slow.state"
	$PY "$T/slow.py" "$HOST" "$PORT" "$1" "$2" "$T/slow.state" > "$T/slow.out" 2>&1 &
	SLOW_PID=$!
	PIDS="$PIDS $SLOW_PID"
	i=0
	while [ ! -s "$T/slow.state" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
}

slow dribble 100
code=$(curl -s -o /dev/null -m 20 -w '%{http_code}' "http://$SRV/v2/")
[ "$code" = 200 ] && ok "answered while 100 clients dribble headers" || fail "/v2/ beside dribblers: $code"
wait "$SLOW_PID"
[ "$(cat "$T/slow.out")" = 100 ] && ok "the dribbling clients were closed" || fail "dribblers closed: $(cat "$T/slow.out")"

slow idle 50
wait "$SLOW_PID"
[ "$(cat "$T/slow.out")" = 50 ] && ok "silent connections were closed" || fail "silent closed: $(cat "$T/slow.out")"

# One address holds at most 256; another is still served.
slow idle 300
code=$(curl -s -o /dev/null -m 20 -w '%{http_code}' --interface 127.0.0.2 "http://$SRV/v2/")
[ "$code" = 200 ] && ok "another address is served beside 300 idle ones" || fail "from 127.0.0.2: $code"
code=$(curl -s -o /dev/null -m 20 -w '%{http_code}' "http://$SRV/v2/")
[ "$code" = 000 ] && ok "the 257th connection of one address is refused" || fail "over the per-address limit: $code"
wait "$SLOW_PID"
code=$(curl -s -o /dev/null -m 20 -w '%{http_code}' "http://$SRV/v2/")
[ "$code" = 200 ] && ok "served again once they are gone" || fail "after the idle ones: $code"

# Long requests are not cut: a blob read slowly, an upload sent slowly
# (both longer than the header deadline), and several requests on one
# keep-alive connection.
code=$(curl -s -o "$T/blob" -w '%{http_code}' --limit-rate 500K "http://$SRV/v2/big/blobs/$BIGL")
[ "$code" = 200 ] && [ "sha256:$(sha256sum < "$T/blob" | cut -d' ' -f1)" = "$BIGL" ] &&
	ok "a slow blob download is whole" || fail "slow download: $code"
head -c 1500000 /dev/urandom > "$T/up"
UD=sha256:$(sha256sum < "$T/up" | cut -d' ' -f1)
curl -s -o /dev/null -D "$T/h" -X POST "http://$SRV/v2/up/blobs/uploads/"
LOC=$(hdr Location)
code=$(curl -s -o /dev/null -w '%{http_code}' --limit-rate 300K -X PUT -H 'Content-Type: application/octet-stream' \
	--data-binary @"$T/up" "http://$SRV$LOC?digest=$UD")
[ "$code" = 201 ] && ok "a slow upload completes" || fail "slow upload: $code"
OUT=$(curl -s -w '%{http_code} %{num_connects}\n' "http://$SRV/v2/" "http://$SRV/v2/" "http://$SRV/v2/")
contains "keep-alive requests" "{}200 0"
stop_pid "$SRV_PID"
finish
