#!/bin/sh
# dockerd (Debian's docker.io) pulls through `engine registry serve` as its
# registry mirror: images built and loaded into the serving store, under
# Docker Hub names (dockerd asks a mirror for "library/<name>"), with the
# digests the server gives skopeo and engine; then `docker push` into the
# server. dockerd and the server run in a network namespace of the test's
# own (only its loopback), with dockerd's network flags off, its own
# data-root, exec-root and cgroup parent; both are stopped by PID.
. "$(dirname "$0")/registry_common.inc"
. "$(dirname "$0")/registry_serve.inc"

[ "$(id -u)" = 0 ] || { echo "skipped: needs root"; exit 77; }
for t in dockerd docker nsenter ip; do
	command -v $t > /dev/null 2>&1 || { echo "skipped: $t not installed"; exit 77; }
done
NS=engine-regserve-$$
CG=engine-regserve-test-$$
ip netns add "$NS" || { echo "cannot create a network namespace"; exit 1; }
IN="nsenter --net=/run/netns/$NS"
$IN ip link set lo up
D=$T/dockerd
DPID=""
stop_all() {
	if [ -n "$DPID" ]; then
		kill "$DPID" 2> /dev/null
		i=0
		while kill -0 "$DPID" 2> /dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
		kill -9 "$DPID" 2> /dev/null
	fi
	for p in $PIDS; do kill "$p" 2> /dev/null; done
	for p in $PIDS; do wait "$p" 2> /dev/null; done
	grep " $D/" /proc/self/mountinfo | cut -d' ' -f5 | sort -r | while read -r m; do umount "$m"; done
	# dockerd puts a relative cgroup parent under its own cgroup, per hierarchy.
	find /sys/fs/cgroup -maxdepth 8 -depth -type d -path "*/$CG*" -exec rmdir {} \; 2> /dev/null
	ip netns del "$NS" 2> /dev/null
	rm -rf "$T"
}
trap stop_all EXIT

# The serving store: the built-in busybox, an image built from it, one loaded.
S=$T/serving
expect_ok "built-in image" "$E" --root "$S" image default
mkdir -p "$T/ctx"
echo hello > "$T/ctx/file"
printf 'FROM busybox\nCOPY file /data/file\nENV GREETING=hi\n' > "$T/ctx/Dockerfile"
expect_ok "build an image" "$E" --root "$S" build -t built:1 "$T/ctx"
L_ID=$($PY "$H/registry_fixture.py" "$T/only" x --layers 2000,300000 --seed 7)
expect_ok "load an image" "$E" --root "$S" load -i "$T/only" --tag loaded:2

: > "$T/srv.log"
$IN "$E" --root "$S" registry serve --addr 127.0.0.1:0 >> "$T/srv.log" 2>&1 &
SRV_PID=$!
PIDS="$PIDS $SRV_PID"
i=0
while ! grep -q "listening on" "$T/srv.log" && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
PORT=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$T/srv.log")
[ -n "$PORT" ] || { cat "$T/srv.log"; exit 1; }
SRV=127.0.0.1:$PORT

mkdir -p "$D/data" "$D/exec"
$IN dockerd --data-root "$D/data" --exec-root "$D/exec" --pidfile "$D/dockerd.pid" -H "unix://$D/docker.sock" \
	--bridge=none --iptables=false --ip-masq=false --ip-forward=false --cgroup-parent "$CG" \
	--registry-mirror "http://$SRV" > "$D/dockerd.log" 2>&1 &
DPID=$!
DK="docker -H unix://$D/docker.sock"
i=0
while ! $DK version > /dev/null 2>&1 && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
$DK version > /dev/null 2>&1 || { echo "dockerd did not start:"; tail -20 "$D/dockerd.log"; exit 1; }

ACCEPT="application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"
# digest_of REPO TAG: what the server answers for it.
digest_of() {
	$IN curl -s -o /dev/null -D - -H "Accept: $ACCEPT" "http://$SRV/v2/$1/manifests/$2" | tr -d '\r' |
		sed -n 's/^Docker-Content-Digest: //Ip'
}

for ref in busybox:latest built:1 loaded:2; do
	name=${ref%:*} tag=${ref#*:}
	want=$(digest_of "$name" "$tag")
	expect_ok "docker pull $ref through the mirror" $DK pull "$ref"
	contains "$ref: dockerd names the server's digest" "Digest: $want"
	got=$($DK image inspect --format '{{join .RepoDigests " "}}' "$ref" 2>&1)
	case "$got" in *"@$want"*) ok "$ref: RepoDigests agree" ;; *) fail "$ref: RepoDigests $got, want $want" ;; esac
	OUT=$($IN skopeo inspect --tls-verify=false "docker://$SRV/library/$name:$tag" 2>&1)
	contains "$ref: skopeo agrees" "\"Digest\": \"$want\""
done
OUT=$($DK run --rm --network none built:1 cat /data/file 2>&1)
contains "the pulled image runs under dockerd" hello
cid=$($DK image inspect --format '{{.Id}}' loaded:2)
[ "$cid" = "$L_ID" ] && ok "dockerd has the loaded image's ID" || fail "loaded image ID $cid, want $L_ID"

# engine, in the same namespace, agrees too.
printf '{"registry-mirrors": ["http://%s"]}\n' "$SRV" > "$T/mirror.json"
expect_ok "engine pull through the same server" $IN "$E" --root "$T/p1" --config "$T/mirror.json" pull built:1
contains "engine names the same digest" "Digest: $(digest_of built 1)"

# docker push into the server (127.0.0.0/8 is an insecure registry to dockerd).
expect_ok "docker tag" $DK tag built:1 "$SRV/from-docker/built:3"
expect_ok "docker push into the server" $DK push "$SRV/from-docker/built:3"
PD=$(printf '%s\n' "$OUT" | sed -n 's/^3: digest: \(sha256:[0-9a-f]*\) size: .*/\1/p')
[ -n "$PD" ] && [ "$(digest_of from-docker/built 3)" = "$PD" ] && ok "the server keeps docker's digest" ||
	fail "pushed digest $PD vs $(digest_of from-docker/built 3)"
expect_ok "engine pulls what docker pushed" $IN "$E" --root "$T/p2" pull "$SRV/from-docker/built:3"
contains "same digest" "Digest: $PD"
OUT=$("$E" --root "$S" images 2>&1)
contains "docker's push is a store image" from-docker/built
finish
