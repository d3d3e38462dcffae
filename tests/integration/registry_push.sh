#!/bin/sh
# Pushes with `engine push` into a docker-registry on 127.0.0.1: monolithic
# and chunked uploads, HEAD skipping blobs the registry has, cross-repository
# mounts, basic auth; every push then pulled into a fresh store gives the
# same image ID. Also an image made by `engine default` + `engine save`,
# copied in with skopeo, pulls back.
. "$(dirname "$0")/registry_common.inc"

start_registry up
U=127.0.0.1:$REG_PORT
mkdir -p "$T/rootfs/etc" "$T/rootfs/bin" "$T/rootfs2/data"
echo hello > "$T/rootfs/etc/hello"
head -c 200000 /dev/urandom > "$T/rootfs/bin/blob"
head -c 300000 /dev/urandom > "$T/rootfs2/data/blob"
tar -C "$T/rootfs" -czf "$T/rootfs.tgz" .
tar -C "$T/rootfs2" -czf "$T/rootfs2.tgz" .

R=$T/r1
expect_ok "import" "$E" --root "$R" import "$T/rootfs.tgz" "$U/push/one:1"
expect_ok "push (monolithic)" "$E" --root "$R" push "$U/push/one:1"
contains "push header" "The push refers to repository [$U/push/one]"
contains "layer pushed" "Pushed"
contains "digest line" "1: digest: sha256:"
DIG=$(printf '%s\n' "$OUT" | sed -n 's/^1: digest: \(sha256:[0-9a-f]*\) size: .*/\1/p')
expect_ok "pull it back" "$E" --root "$T/p1" pull "$U/push/one:1"
same_id "round trip: same image ID" "$T/p1" "$U/push/one:1" "$R" "$U/push/one:1"
contains "same manifest digest" "Digest: $DIG"
expect_ok "push again" "$E" --root "$R" push "$U/push/one:1"
contains "blobs skipped after HEAD" "Layer already exists"
lacks "nothing uploaded again" "Pushed"

# Same layer, new repository: mounted, not uploaded.
expect_ok "import under another name" "$E" --root "$R" import "$T/rootfs.tgz" "$U/push/two:1"
expect_ok "push to another repository" "$E" --root "$R" push "$U/push/two:1"
contains "cross-repository mount" "Mounted from push/one"
lacks "no upload for a mounted layer" "Pushed"
expect_ok "pull the mounted image" "$E" --root "$T/p2" pull "$U/push/two:1"
same_id "mounted round trip" "$T/p2" "$U/push/two:1" "$R" "$U/push/two:1"

# Chunked upload (PATCH), into a fresh store that knows of no other repository.
R=$T/r2
expect_ok "import another" "$E" --root "$R" import "$T/rootfs2.tgz" "$U/push/three:v2"
expect_ok "push in chunks" "$E" --root "$R" push --chunk-size 65536 "$U/push/three:v2"
contains "chunked upload done" "Pushed"
expect_ok "pull the chunked image" "$E" --root "$T/p3" pull "$U/push/three:v2"
same_id "chunked round trip" "$T/p3" "$U/push/three:v2" "$R" "$U/push/three:v2"

# A pulled image pushed elsewhere keeps its manifest digest.
start_registry other
O=127.0.0.1:$REG_PORT
expect_ok "import under a second registry's name" "$E" --root "$T/p1" import "$T/rootfs.tgz" "$O/copy/one:1"
expect_ok "push to a second registry" "$E" --root "$T/p1" push "$O/copy/one:1"
expect_fail "push of a missing image" "no such image" "$E" --root "$T/p1" push "$O/none:1"
expect_fail "push of a digest" "give a tag" "$E" --root "$T/p1" push "$O/copy/one@$DIG"

# Basic auth for pushes.
HTP=$($PY -W ignore -c "import crypt; print('alice:' + crypt.crypt('pw', crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))" 2>/dev/null)
case "$HTP" in
alice:\$2*)
	printf '%s\n' "$HTP" > "$T/htpasswd"
	start_registry basic "" "$T/htpasswd"
	B=127.0.0.1:$REG_PORT
	R=$T/r3
	expect_ok "import for auth" "$E" --root "$R" import "$T/rootfs.tgz" "$B/sec/one:1"
	expect_fail "push without login" "authentication required" "$E" --root "$R" push "$B/sec/one:1"
	expect_ok "login" sh -c "echo pw | '$E' --root '$R' login -u alice --password-stdin $B"
	expect_ok "push with credentials" "$E" --root "$R" push "$B/sec/one:1"
	;;
*) echo "no bcrypt: basic-auth push not tested" ;;
esac

# An image from `engine default` + `engine save`, copied in by skopeo.
if [ -x /bin/busybox ]; then
	R=$T/r4
	if "$E" --root "$R" default > "$T/default.log" 2>&1 &&
		"$E" --root "$R" save -o "$T/busybox.tar" busybox:latest > "$T/save.log" 2>&1; then
		skopeo copy -q --dest-tls-verify=false "docker-archive:$T/busybox.tar" "docker://$U/library/busybox:latest" \
			> "$T/skopeo.log" 2>&1 || fail "skopeo copy of the saved image: $(cat "$T/skopeo.log")"
		expect_ok "pull the saved default image" "$E" --root "$T/p4" pull "$U/library/busybox:latest"
		same_id "saved image round trip" "$T/p4" "$U/library/busybox:latest" "$R" busybox:latest
	else
		echo "engine default/save unavailable: $(cat "$T/default.log" "$T/save.log")"
	fi
fi

# A docker-registry serving TLS on loopback (insecure, as for Docker):
# engine pushes and pulls over https:// after its plain request got Go's
# "HTTP request to an HTTPS server" answer; skopeo agrees on the digest.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$T/key.pem" -out "$T/cert.pem" > /dev/null 2>&1
TLS_PORT=$(freeport)
mkdir -p "$T/tlsreg"
{
	echo "version: 0.1"
	echo "log: {level: error, accesslog: {disabled: true}}"
	echo "storage: {filesystem: {rootdirectory: $T/tlsreg}}"
	echo "http: {addr: 127.0.0.1:$TLS_PORT, tls: {certificate: $T/cert.pem, key: $T/key.pem}}"
} > "$T/tlsreg.yml"
docker-registry serve "$T/tlsreg.yml" > "$T/tlsreg.log" 2>&1 &
PIDS="$PIDS $!"
i=0
while ! curl -sk -o /dev/null "https://127.0.0.1:$TLS_PORT/v2/" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
TU=127.0.0.1:$TLS_PORT
"$E" --root "$T/p1" tag "$U/push/one:1" "$TU/tls/one:1"
expect_ok "push to a TLS docker-registry on loopback" "$E" --root "$T/p1" push "$TU/tls/one:1"
TDIG=$(printf '%s\n' "$OUT" | sed -n 's/^1: digest: \(sha256:[0-9a-f]*\) size: .*/\1/p')
OUT=$(skopeo inspect --tls-verify=false "docker://$TU/tls/one:1" 2>&1)
contains "skopeo sees engine's push over TLS" "\"Digest\": \"$TDIG\""
expect_ok "pull from it" "$E" --root "$T/p5" pull "$TU/tls/one:1"
same_id "TLS round trip: same image ID" "$T/p5" "$TU/tls/one:1" "$T/p1" "$U/push/one:1"
expect_fail "unknown tag over TLS" "MANIFEST_UNKNOWN" "$E" --root "$T/p5" pull "$TU/tls/one:2"

finish
