#!/bin/sh
# Per-registry TLS as Docker's certs.d: `certs.d/<host:port>/` beside the
# --config file (/etc/engine/certs.d without one) holds *.crt (CAs trusted
# for that registry) and *.cert/*.key (a client certificate). Against our
# own TLS registry (`engine registry serve --tls-cert/--tls-key`) and
# docker-registry requiring client certificates, on a non-loopback address
# of a network namespace of the script's own (loopback registries are
# insecure and never verified), with a CA made here by openssl; skopeo,
# which reads the same layout with --cert-dir, agrees.
. "$(dirname "$0")/netns.inc"
. "$(dirname "$0")/registry_common.inc"
. "$(dirname "$0")/registry_serve.inc"
command -v openssl > /dev/null 2>&1 || { echo "skipped: openssl not installed"; exit 77; }

IP=10.77.0.1
ip addr add "$IP/32" dev lo || { echo "cannot add $IP to lo"; exit 1; }
cd "$T" || exit 1
mkdir -p pki
# ca NAME: a CA; leaf NAME CA EXT: a certificate signed by CA.
ca() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$1" -keyout "pki/$1.key" -out "pki/$1.crt" \
		> /dev/null 2>&1
}
leaf() {
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "pki/$1.key" -out "pki/$1.csr" > /dev/null 2>&1
	printf '%s\n' "$3" > "pki/$1.ext"
	openssl x509 -req -in "pki/$1.csr" -CA "pki/$2.crt" -CAkey "pki/$2.key" -CAcreateserial -days 2 \
		-extfile "pki/$1.ext" -out "pki/$1.crt" > /dev/null 2>&1
}
ca ca
ca other
leaf server ca "subjectAltName=IP:$IP"
leaf client ca "extendedKeyUsage=clientAuth"
[ -s pki/server.crt ] && [ -s pki/client.crt ] || { echo "openssl failed"; exit 1; }

S=$T/serving
expect_ok "built-in image" "$E" --root "$S" image default
PORT=$(freeport)
"$E" --root "$S" registry serve --addr "$IP:$PORT" --tls-cert pki/server.crt --tls-key pki/server.key \
	> srv.log 2>&1 &
PIDS="$PIDS $!"
i=0
while ! grep -q "listening on" srv.log && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
REG=$IP:$PORT
mkdir -p etc
echo '{}' > etc/engine.json
C="$E --root $T/client --config $T/etc/engine.json"
D=etc/certs.d/$REG

expect_fail "no certs.d: the registry's CA is unknown" "certificate" $C pull "$REG/busybox"
mkdir -p "$D"
cp pki/other.crt "$D/ca.crt"
expect_fail "another CA in certs.d: refused" "certificate" $C pull "$REG/busybox"
cp pki/ca.crt "$D/ca.crt"
expect_ok "certs.d/$REG/ca.crt: pull" $C pull "$REG/busybox"
expect_ok "tag" $C tag "$REG/busybox" "$REG/pushed:1"
expect_ok "push over the same TLS" $C push "$REG/pushed:1"
expect_ok "skopeo --cert-dir with the same directory" skopeo inspect --cert-dir "$D" "docker://$REG/pushed:1"
expect_ok "login checks against the registry with it" $C login -u u -p p "$REG"
rm -f "$D/ca.crt"
expect_fail "the CA gone: refused again" "certificate" $C pull "$REG/pushed:1"

# Client certificates: docker-registry asks for one signed by the CA.
RPORT=$(freeport)
mkdir -p dr
{
	echo "version: 0.1"
	echo "log: {level: error, accesslog: {disabled: true}}"
	echo "storage: {filesystem: {rootdirectory: $T/dr}}"
	echo "http: {addr: $IP:$RPORT, tls: {certificate: $T/pki/server.crt, key: $T/pki/server.key, clientcas: [$T/pki/ca.crt]}}"
} > dr.yml
docker-registry serve dr.yml > dr.log 2>&1 &
PIDS="$PIDS $!"
DREG=$IP:$RPORT
DD=etc/certs.d/$DREG
mkdir -p "$DD"
cp pki/ca.crt "$DD/ca.crt"
i=0
while ! curl -s -o /dev/null --cacert pki/ca.crt "https://$DREG/v2/" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
expect_ok "tag for docker-registry" $C tag "$REG/busybox" "$DREG/bb:1"
expect_fail "no client certificate: refused" "" $C push "$DREG/bb:1"
cp pki/client.key "$DD/client.key"
expect_fail "a key without its certificate" "missing client certificate" $C push "$DREG/bb:1"
cp pki/client.crt "$DD/client.cert"
expect_ok "client.cert and client.key: push" $C push "$DREG/bb:1"
expect_ok "and pull" $C --root "$T/client2" pull "$DREG/bb:1"
expect_ok "skopeo agrees" skopeo inspect --cert-dir "$DD" "docker://$DREG/bb:1"
rm "$DD/client.key"
expect_fail "a certificate without its key" "missing key" $C pull "$DREG/bb:1"
finish
