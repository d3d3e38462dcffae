#!/bin/sh
# engine daemon and a registry that wants credentials (engine registry serve
# --htpasswd on loopback), through the Docker CLI: docker login (POST /auth,
# checked against the registry's /v2/, a wrong password refused), push and
# pull with the credentials the CLI sends (X-Registry-Auth) and refused
# without them, GET /distribution/{name}/json, and docker search's error.
set -u
. "$(dirname "$0")/daemon_common.inc"
PY=/usr/bin/python3
HTP=$($PY -W ignore -c "import crypt; print('alice:' + crypt.crypt('s3cret', crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)).replace('\$2b\$', '\$2y\$'))" 2>/dev/null)
case "$HTP" in alice:\$2y*) ;; *) echo "skip: no bcrypt in python3's crypt"; exit 77 ;; esac
start_daemon
D() { timeout 120 "$DOCKER" "$@"; }
reg_pid=""
stop_registry() { [ -n "$reg_pid" ] && kill "$reg_pid" 2>/dev/null && wait "$reg_pid" 2>/dev/null; reg_pid=""; }
trap 'stop_registry; daemon_cleanup' EXIT

printf '%s\n' "$HTP" >"$root/htpasswd"
"$ENGINE" --root "$root/reg" registry serve --addr 127.0.0.1:0 --htpasswd "$root/htpasswd" >"$root/reg.log" 2>&1 &
reg_pid=$!
i=0; while ! grep -q "listening on" "$root/reg.log" && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
R=127.0.0.1:$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$root/reg.log")

echo wrong | D login -u alice --password-stdin "$R" >"$root/out" 2>&1; check "login with a wrong password fails" 1 $?
grep -q "Error response from daemon" "$root/out"; check "the daemon's refusal" 0 $?
code=$(curl -s -o "$root/body" -w '%{http_code}' --unix-socket "$sock" -H 'Content-Type: application/json' \
	-d "{\"username\":\"alice\",\"password\":\"nope\",\"serveraddress\":\"$R\"}" http://d/v1.41/auth)
check "POST /auth with wrong credentials is a 401" 401 "$code"
echo s3cret | D login -u alice --password-stdin "$R" >"$root/out" 2>&1; check "login" 0 $?
grep -q "Login Succeeded" "$root/out"; check "Login Succeeded" 0 $?
check "the CLI keeps the credentials, not the daemon" "no" "$([ -e "$root/data/auth.json" ] && echo yes || echo no)"
code=$(curl -s -o "$root/body" -w '%{http_code}' --unix-socket "$sock" -H 'Content-Type: application/json' \
	-d '{"password":"x"}' http://d/v1.41/auth)
check "POST /auth without a username is a 400" 400 "$code"

D tag busybox "$R/t/bb:v1"
D push "$R/t/bb:v1" >"$root/push" 2>&1; check "push with the login's credentials" 0 $?
digest=$(sed -n 's/.*v1: digest: \(sha256:[0-9a-f]*\).*/\1/p' "$root/push")
check "push reports the digest" 71 "${#digest}"
# X-Registry-Auth as the CLI sends it: URL-safe base64 of the JSON
xra=$(printf '{"username":"alice","password":"s3cret","serveraddress":"%s"}' "$R" | base64 -w0 | tr '+/' '-_')
curl -s --unix-socket "$sock" -H "X-Registry-Auth: $xra" "http://d/v1.41/distribution/$R/t/bb:v1/json" >"$root/dist"
check "distribution inspect: the pushed digest" "$digest" \
	"$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["Descriptor"]["digest"])' "$root/dist" 2>&1)"
check "distribution inspect: the platform" "linux/amd64" \
	"$($PY -c 'import json,sys; p=json.load(open(sys.argv[1]))["Platforms"][0]; print(p["os"]+"/"+p["architecture"])' "$root/dist" 2>&1)"
code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" "http://d/v1.41/distribution/$R/t/bb:v1/json")
check "distribution inspect without credentials is a 401" 401 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" -H "X-Registry-Auth: $xra" \
	"http://d/v1.41/distribution/$R/t/nosuch:v1/json")
check "distribution inspect of a missing repository is a 404" 404 "$code"
D rmi "$R/t/bb:v1" >/dev/null
D pull "$R/t/bb:v1" >"$root/pull" 2>&1; check "pull with the login's credentials" 0 $?
check "pulled image runs" "ok" "$(D run --rm --network none "$R/t/bb:v1" echo ok 2>/dev/null)"
D logout "$R" >/dev/null 2>&1
D rmi "$R/t/bb:v1" >/dev/null
D pull "$R/t/bb:v1" >"$root/pull" 2>&1; check "pull without credentials fails" 1 $?
D tag busybox "$R/t/bb:v2"
D push "$R/t/bb:v2" >"$root/push" 2>&1; check "push without credentials fails" 1 $?

D search busybox >"$root/out" 2>&1; check "search fails" 1 $?
grep -q "not supported by this engine" "$root/out"; check "search says why" 0 $?
stop_registry
exit $((fails > 0))
