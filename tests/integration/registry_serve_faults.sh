#!/bin/sh
# `engine registry serve` under faults and with its guards on: clients that
# leave in the middle of a blob (served from the store, and while a
# pull-through fetch is in progress), 20 clients pulling one image at once
# through a cold cache of a slow upstream (each blob fetched once), an
# abandoned upload, htpasswd (bcrypt) Basic authentication (also as the
# upstream of a cache, with `engine login` credentials), and TLS.
. "$(dirname "$0")/registry_common.inc"
. "$(dirname "$0")/registry_serve.inc"

nfds() { ls "/proc/$1/fd" | wc -l; }

S=$T/serving
BIG_ID=$(fixture big --layers 2000,30000000)
serve srv "$S"
seed big "$SRV/big:1"
[ "$(image_id "$S" big:1)" = "$BIG_ID" ] && ok "big image pushed" || fail "big image not in the store"
BIGL=$(layout_blobs big | tail -n1)
curl -s -o /dev/null "http://$SRV/v2/big/blobs/$BIGL"
base=$(nfds "$SRV_PID")

# A client that leaves in the middle of a blob.
for i in 1 2 3; do
	curl -s -o /dev/null --limit-rate 2M --max-time 1 "http://$SRV/v2/big/blobs/$BIGL"
done
code=$(curl -s -o "$T/big" -w '%{http_code}' "http://$SRV/v2/big/blobs/$BIGL")
[ "$code" = 200 ] && [ "sha256:$(sha256sum < "$T/big" | cut -d' ' -f1)" = "$BIGL" ] &&
	ok "served whole after clients left mid-blob" || fail "blob after disconnects: $code"
i=0
while [ "$(nfds "$SRV_PID")" -gt "$base" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(nfds "$SRV_PID")" -le "$base" ] && ok "no descriptor left behind ($base)" || fail "fds: $base -> $(nfds "$SRV_PID")"

# An upload abandoned half-way stays invisible; its session can be resumed.
printf 'half' > "$T/half"
curl -s -o /dev/null -D "$T/h" -X POST "http://$SRV/v2/up/blobs/uploads/"
LOC=$(hdr Location)
curl -s -o /dev/null -X PATCH --data-binary @"$T/half" "http://$SRV$LOC"
code=$(curl -s -o /dev/null -D "$T/h" -w '%{http_code}' "http://$SRV$LOC")
[ "$code" = 204 ] && [ "$(hdr Range)" = "0-3" ] && ok "upload status after a chunk" || fail "upload status: $code $(hdr Range)"
HD=sha256:$(sha256sum < "$T/half" | cut -d' ' -f1)
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$SRV/v2/up/blobs/$HD")
[ "$code" = 404 ] && ok "an unfinished upload is not a blob" || fail "unfinished upload visible: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "http://$SRV$LOC")
[ "$code" = 204 ] && ok "upload cancelled" || fail "cancel: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X PATCH --data-binary x "http://$SRV$LOC")
[ "$code" = 404 ] && ok "a cancelled upload is gone" || fail "cancelled upload: $code"
stop_pid "$SRV_PID"

# 20 clients at once through a cold cache of a slow upstream.
A_ID=$(fixture a --layers 3000,200000,300000)
start_fake slow "$T/layout" --fault slow
serve cache "$T/cache" --mirror-of "http://127.0.0.1:$FAKE_PORT"
printf '{"registry-mirrors": {"127.0.0.1:%s": ["http://%s"]}}\n' "$FAKE_PORT" "$SRV" > "$T/m.json"
pids=""
for i in 1 2 3 4 5 6 7 8 9 10; do
	"$E" --root "$T/e$i" --config "$T/m.json" pull "127.0.0.1:$FAKE_PORT/t/a:a" > "$T/e$i.out" 2>&1 &
	pids="$pids $!"
	skopeo copy -q --src-tls-verify=false "docker://$SRV/t/a:a" "oci:$T/s$i:a" > "$T/s$i.out" 2>&1 &
	pids="$pids $!"
done
bad=0
for p in $pids; do wait "$p" || bad=$((bad + 1)); done
[ $bad = 0 ] && ok "20 concurrent pulls of one image" || { fail "$bad of 20 pulls failed"; cat "$T/e1.out" "$T/s1.out"; }
same=0
for i in 1 2 3 4 5 6 7 8 9 10; do [ "$(image_id "$T/e$i" "127.0.0.1:$FAKE_PORT/t/a:a")" = "$A_ID" ] && same=$((same + 1)); done
[ $same = 10 ] && ok "every engine has the same image" || fail "$same of 10 engines have the image"
grep -l Warning "$T"/e*.out > /dev/null 2>&1 && fail "an engine fell back to the upstream" || ok "all served by the cache"
once=1
for d in $(layout_blobs a); do
	n=$(grep -c "GET /v2/t/a/blobs/$d" "$T/slow.requests")
	[ "$n" = 1 ] || { once=0; fail "upstream asked $n times for $d"; }
done
[ $once = 1 ] && ok "each blob fetched once for 20 clients"

# A client leaving while the cache is still fetching does not stop the fetch.
B_ID=$(fixture b --layers 5000,400000 --seed 9)
BL=$(layout_blobs b | tail -n1)
curl -s -o /dev/null --max-time 0.3 "http://$SRV/v2/t/b/blobs/$BL"
i=0
while [ ! -e "$T/cache/blobs/sha256/${BL#sha256:}" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -e "$T/cache/blobs/sha256/${BL#sha256:}" ] && ok "the fetch finished after its client left" || fail "fetch abandoned"
curl -s -o "$T/b" "http://$SRV/v2/t/b/blobs/$BL"
[ "sha256:$(sha256sum < "$T/b" | cut -d' ' -f1)" = "$BL" ] && ok "then served whole" || fail "blob after the leave"
[ "$(grep -c "GET /v2/t/b/blobs/$BL" "$T/slow.requests")" = 1 ] && ok "and fetched once" || fail "fetched again"
stop_pid "$SRV_PID"

# htpasswd: bcrypt entries, Basic authentication on every request.
HTP=$($PY -W ignore -c "import crypt; print('alice:' + crypt.crypt('pw', crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)).replace('\$2b\$', '\$2y\$'))" 2>/dev/null)
case "$HTP" in
alice:\$2y*)
	printf '# users\n%s\n' "$HTP" > "$T/htpasswd"
	serve auth "$S" --htpasswd "$T/htpasswd"
	code=$(curl -s -o "$T/body" -D "$T/h" -w '%{http_code}' "http://$SRV/v2/")
	OUT=$(cat "$T/body")
	[ "$code" = 401 ] && [ "$(hdr WWW-Authenticate)" = 'Basic realm="engine-registry"' ] &&
		contains "401 with a Basic challenge" UNAUTHORIZED || fail "no credentials: $code $(hdr WWW-Authenticate)"
	code=$(curl -s -o /dev/null -w '%{http_code}' -u alice:wrong "http://$SRV/v2/_catalog")
	[ "$code" = 401 ] && ok "wrong password refused" || fail "wrong password: $code"
	code=$(curl -s -o /dev/null -w '%{http_code}' -u alice:pw "http://$SRV/v2/_catalog")
	[ "$code" = 200 ] && ok "right password" || fail "right password: $code"
	code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary @"$T/half" \
		"http://$SRV/v2/up/blobs/uploads/?digest=$HD")
	[ "$code" = 401 ] && ok "an upload without credentials is refused before its body" || fail "anonymous upload: $code"
	expect_fail "skopeo without credentials" "" skopeo inspect --tls-verify=false "docker://$SRV/big:1"
	expect_ok "skopeo with credentials" skopeo copy -q --src-tls-verify=false --src-creds alice:pw \
		"docker://$SRV/big:1" "oci:$T/authed:big"
	expect_ok "skopeo push with credentials" skopeo copy -q --dest-tls-verify=false --dest-creds alice:pw \
		"oci:$T/layout:b" "docker://$SRV/pushed/b:1"
	expect_ok "engine login" sh -c "echo pw | '$E' --root '$T/p1' login -u alice --password-stdin $SRV"
	expect_ok "engine pull with stored credentials" "$E" --root "$T/p1" pull "$SRV/pushed/b:1"
	[ "$(image_id "$T/p1" "$SRV/pushed/b:1")" = "$B_ID" ] && ok "authenticated round trip" || fail "auth round trip"
	# A cache of this authenticated registry uses the credentials of its root.
	AUTHED=$SRV AUTH_PID=$SRV_PID
	serve authcache "$T/authcache" --mirror-of "http://$AUTHED"
	expect_fail "a cache without credentials is denied" "may need engine login" \
		skopeo inspect --tls-verify=false "docker://$SRV/pushed/b:1"
	expect_ok "engine login in the cache's root" sh -c "echo pw | '$E' --root '$T/authcache' login -u alice --password-stdin $AUTHED"
	expect_ok "then the cache fetches with them" skopeo copy -q --src-tls-verify=false "docker://$SRV/pushed/b:1" "oci:$T/viacache:b"
	stop_pid "$SRV_PID"
	stop_pid "$AUTH_PID"
	printf 'bob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n' > "$T/sha.htpasswd"
	expect_fail "non-bcrypt entries refused" "only bcrypt entries" \
		"$E" --root "$S" registry serve --addr 127.0.0.1:0 --htpasswd "$T/sha.htpasswd"
	expect_fail "missing htpasswd file" "no/such/file" \
		"$E" --root "$S" registry serve --addr 127.0.0.1:0 --htpasswd "$T/no/such/file"
	;;
*) echo "no bcrypt in python3's crypt: htpasswd not tested" ;;
esac

# TLS, and the only way off loopback.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$T/key.pem" -out "$T/cert.pem" > /dev/null 2>&1
serve tls "$S" --tls-cert "$T/cert.pem" --tls-key "$T/key.pem"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/cert.pem" "https://$SRV/v2/")
[ "$code" = 200 ] && ok "TLS" || fail "TLS: $code"
mkdir -p "$T/certs"
cp "$T/cert.pem" "$T/certs/ca.crt"
expect_ok "skopeo over verified TLS" skopeo copy -q --src-cert-dir "$T/certs" "docker://$SRV/big:1" "oci:$T/tls:big"
expect_ok "skopeo push over verified TLS" skopeo copy -q --dest-cert-dir "$T/certs" "oci:$T/tls:big" "docker://$SRV/tls/big:2"
OUT=$(skopeo list-tags --cert-dir "$T/certs" "docker://$SRV/tls/big" 2>&1 | tr -d ' \n')
contains "skopeo list-tags over TLS" '"Tags":["2"]'
# A loopback registry is insecure, as for Docker: engine speaks TLS to one
# that answers plain HTTP as a TLS server does, without verifying it.
expect_ok "engine pull from the TLS server on loopback" "$E" --root "$T/tlsp" pull "$SRV/tls/big:2"
"$E" --root "$T/tlsp" tag "$SRV/tls/big:2" "$SRV/tls/back:1"
expect_ok "engine push over TLS" "$E" --root "$T/tlsp" push "$SRV/tls/back:1"
same_id "pushed over TLS: the same image" "$S" tls/back:1 "$T/tlsp" "$SRV/tls/back:1"
stop_pid "$SRV_PID"
OUT=$(unshare --net sh -c "'$E' --root '$S' registry serve --addr 0.0.0.0:0 --tls-cert '$T/cert.pem' \
	--tls-key '$T/key.pem' 2>&1 & p=\$!; sleep 1; kill \$p; wait \$p" 2>&1)
contains "TLS allows a non-loopback address (in a netns of its own)" "listening on 0.0.0.0:0"
expect_fail "plain HTTP does not" "without TLS" "$E" --root "$S" registry serve --addr 0.0.0.0:0
finish
