#!/bin/sh
# `engine daemon` under bad input and odd clients: malformed JSON, unknown
# fields, a 1 GiB body, 1,000 idle connections, path traversal and NULs in names,
# plain TCP on a non-loopback address, mutual TLS (and plain HTTP sent to
# it), a bad daemon.json, SIGHUP reload. After each, the daemon still serves.
set -u
. "$(dirname "$0")/daemon_common.inc"
command -v openssl >/dev/null || { echo "skip: no openssl"; exit 77; }
start_daemon
D() { timeout 60 "$DOCKER" "$@"; }
# raw METHOD PATH [BODY] [EXTRA-HEADER]: one HTTP request on the socket; prints "STATUS BODY".
raw() {
	/usr/bin/python3 - "$sock" "$@" <<'PY'
import socket, sys
path, method, url = sys.argv[1], sys.argv[2], sys.argv[3]
body = sys.argv[4].encode() if len(sys.argv) > 4 else b""
extra = sys.argv[5] + "\r\n" if len(sys.argv) > 5 else ""
s = socket.socket(socket.AF_UNIX)
s.settimeout(30)
s.connect(path)
clen = "" if "Content-Length" in extra else "Content-Length: %d\r\n" % len(body)
s.sendall(("%s %s HTTP/1.1\r\nHost: x\r\n%s%sContent-Type: application/json\r\n\r\n" % (method, url, clen, extra)).encode() + body)
data = b""
try:
    while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < 2:
        c = s.recv(65536)
        if not c:
            break
        data += c
except (socket.timeout, ConnectionResetError):
    pass
head, _, rest = data.partition(b"\r\n\r\n")
status = head.split(b" ")[1].decode() if head else "closed"
print(status, rest.decode(errors="replace").strip().replace("\n", " ")[:300])
PY
}
alive() { check "daemon still serves ($1)" "1.41" "$(D version --format '{{.Server.APIVersion}}' 2>&1)"; }

out=$(raw POST /v1.41/containers/create '{"Image": "busybox",')
check "malformed JSON is 400" "400" "${out%% *}"
case "$out" in *"invalid JSON"*) r=0 ;; *) r=1 ;; esac; check "malformed JSON message" 0 $r
out=$(raw POST /v1.41/containers/create '{"Image": "busybox", "Bogus": 1}')
check "unknown field is 400" "400" "${out%% *}"
case "$out" in *Bogus*) r=0 ;; *) r=1 ;; esac; check "unknown field named" 0 $r
out=$(raw POST /v1.41/containers/create '{"Image": "busybox", "HostConfig": {"Memory": "lots"}}')
case "$out" in "400 "*HostConfig.Memory*) r=0 ;; *) r=1 ;; esac; check "wrong type names the field" 0 $r
out=$(raw POST /v1.41/containers/create '{"Image": "busybox"}' "Content-Length: 1073741824")
check "1 GiB body is 413" "413" "${out%% *}"
out=$(raw POST /v1.41/containers/create '{"Image": "nosuchimage"}')
check "unknown image is 404" "404" "${out%% *}"
out=$(raw GET /v9.99/version)
check "too new API version is 400" "400" "${out%% *}"
out=$(raw GET /v1.41/nosuch/endpoint)
check "unknown endpoint is 404" "404" "${out%% *}"
alive "bad requests"

out=$(raw POST '/v1.41/containers/create?name=../../etc' '{"Image": "busybox"}')
check "traversal in a name is 400" "400" "${out%% *}"
out=$(raw GET '/v1.41/containers/..%2F..%2Fetc%2Fpasswd/json')
check "traversal in an ID is 404" "404" "${out%% *}"
out=$(raw DELETE '/v1.41/containers/../../../tmp')
check "dot segments do not route" "404" "${out%% *}"
# A NUL would cut the name short: "ab" checked and used, "ab\0cd" sent.
out=$(raw POST '/v1.41/containers/create?name=ab%00cd' '{"Image": "busybox"}')
check "a NUL in a query value is 400" "400" "${out%% *}"
case "$out" in *"NUL byte"*) named=yes ;; *) named=$out ;; esac
check "the NUL error names the cause" yes "$named"
check "no container named by the cut name" "" "$(D ps -a -q --filter name=ab)"
[ -e /etc/passwd ]; check "nothing touched" 0 $?
alive "traversal"

# 1,000 idle connections, then normal service.
/usr/bin/python3 - "$sock" "$DOCKER" <<'PY' > "$root/idle.out" 2>&1
import socket, subprocess, sys
conns = []
for i in range(1000):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    conns.append(s)
r = subprocess.run([sys.argv[2], "version", "--format", "{{.Server.APIVersion}}"], capture_output=True, timeout=60)
print(r.stdout.decode().strip())
for s in conns:
    s.close()
PY
check "served beside 1,000 idle connections" "1.41" "$(cat "$root/idle.out")"
alive "idle connections"

# Plain TCP: loopback only; a non-loopback address is refused at start.
"$ENGINE" daemon -H tcp://0.0.0.0:23751 --data-root "$root/data2" >"$root/tcp.out" 2>&1
check "plain TCP on 0.0.0.0 refused" 1 $?
grep -q "without TLS" "$root/tcp.out"; check "refusal says why" 0 $?

# Mutual TLS like dockerd's flags.
t="$root/tls"; mkdir -p "$t"
(
	cd "$t" || exit 1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days 1 -subj /CN=test-ca
	openssl req -newkey rsa:2048 -nodes -keyout key.pem -out server.csr -subj /CN=localhost
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > ext
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out cert.pem -days 1 -extfile ext
	mkdir client
	openssl req -newkey rsa:2048 -nodes -keyout client/key.pem -out client.csr -subj /CN=client
	printf 'extendedKeyUsage=clientAuth\n' > cext
	openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out client/cert.pem -days 1 -extfile cext
	cp ca.pem client/ca.pem
) >/dev/null 2>&1
port=$((23000 + $$ % 1000))
stop_daemon
start_daemon -H "tcp://127.0.0.1:$port" --tlsverify --tlscacert "$t/ca.pem" --tlscert "$t/cert.pem" --tlskey "$t/key.pem"
out=$(DOCKER_HOST="tcp://127.0.0.1:$port" DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH="$t/client" \
	timeout 30 "$DOCKER" version --format '{{.Server.APIVersion}}' 2>&1)
check "TLS client with a certificate" "1.41" "$out"
out=$(DOCKER_HOST="tcp://127.0.0.1:$port" DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH="$t" \
	timeout 30 "$DOCKER" --tlscacert "$t/ca.pem" --tlscert /dev/null version 2>&1)
r=$?; [ $r -ne 0 ]; check "TLS client without a certificate refused" 0 $?
out=$(timeout 10 curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/_ping")
[ "$out" != "200" ]; check "plain HTTP to the TLS port refused" 0 $?
alive "TLS"

# daemon.json: an unknown key is an error naming it; SIGHUP reloads.
printf '{"cgroup-parent": "%s", "bogus-key": 1}\n' "$parent" > "$root/bad.json"
"$ENGINE" daemon -H "unix://$root/x.sock" --data-root "$root/data3" --config "$root/bad.json" >"$root/bad.out" 2>&1
check "unknown daemon.json key is an error" 1 $?
grep -q '"bogus-key"' "$root/bad.out"; check "the error names the key" 0 $?
printf '{"cgroup-parent": "%s", "registry-mirrors": ["http://127.0.0.1:5999"]}\n' "$parent" > "$root/daemon.json"
kill -HUP "$dpid"
i=0; while ! grep -q 'reload: "registry-mirrors"' "$root/daemon.log" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
grep -q 'reload: "registry-mirrors"' "$root/daemon.log"; check "SIGHUP logs the change" 0 $?
check "info shows the new mirror" "[http://127.0.0.1:5999/]" "$(D info --format '{{.RegistryConfig.Mirrors}}' 2>&1 | sed 's|5999]|5999/]|')"
alive "reload"
echo "$fails failed"
[ $fails -eq 0 ]
