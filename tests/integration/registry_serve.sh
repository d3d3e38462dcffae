#!/bin/sh
# `engine registry serve`: the store served over the OCI distribution API on
# 127.0.0.1. Pulls of images built or loaded into the serving store by
# skopeo and by `engine pull` through registry-mirrors, with the same
# digests everywhere; the API's headers, ranges, pagination and error
# bodies; pushes from skopeo (chunked, a multi-platform index) and from
# `engine push`, pulled back; skopeo's dir: and docker-archive: both ways,
# list-tags, cross-repository mounts; monolithic uploads, digest checks,
# read-only; skopeo delete with --allow-delete.
. "$(dirname "$0")/registry_common.inc"
. "$(dirname "$0")/registry_serve.inc"

S=$T/serving
mkdir -p "$T/rootfs/data"
head -c 300000 /dev/urandom > "$T/rootfs/data/blob"
tar -C "$T/rootfs" -czf "$T/mono.tgz" .
expect_ok "built-in image" "$E" --root "$S" image default
A_ID=$(fixture a --layers 3000,400000)
fixture idx --index amd64,arm64 --layers 5000 > /dev/null
L_ID=$($PY "$H/registry_fixture.py" "$T/only" x --layers 2000,300000 --seed 5)
expect_ok "load an OCI layout" "$E" --root "$S" load -i "$T/only" --tag loaded/x:1
serve srv "$S"

# --- the API ---------------------------------------------------------------
curl -s -D "$T/h" -o "$T/body" "http://$SRV/v2/"
[ "$(hdr Docker-Distribution-Api-Version)" = "registry/2.0" ] && ok "API version header" || fail "API version header"
[ "$(cat "$T/body")" = "{}" ] && ok "/v2/ body" || fail "/v2/ body: $(cat "$T/body")"
OUT=$(curl -s "http://$SRV/v2/_catalog")
contains "catalog lists the built-in image" '"busybox"'
OUT=$(curl -s "http://$SRV/v2/busybox/tags/list")
contains "tag list" '{"name":"busybox","tags":["latest"]}'
OUT=$(curl -s -D "$T/h" "http://$SRV/v2/_catalog?n=1")
contains "catalog page of one" '{"repositories":["busybox"]}'
[ "$(hdr Link)" = '</v2/_catalog?last=busybox&n=1>; rel="next"' ] && ok "catalog Link header" ||
	fail "catalog Link header: $(hdr Link)"
OUT=$(curl -s "http://$SRV/v2/_catalog?n=1&last=busybox")
contains "next catalog page" '{"repositories":["loaded/x"]}'
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$SRV/v2/_catalog?n=x")
[ "$code" = 400 ] && ok "bad page size: 400" || fail "bad page size: $code"

ACCEPT="application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"
curl -s -D "$T/h" -o "$T/m.json" -H "Accept: $ACCEPT" "http://$SRV/v2/library/busybox/manifests/latest"
MDIG=$(hdr Docker-Content-Digest)
[ "sha256:$(sha256sum < "$T/m.json" | cut -d' ' -f1)" = "$MDIG" ] && ok "manifest digest header" || fail "manifest digest header $MDIG"
[ "$(hdr Content-Type)" = "application/vnd.oci.image.manifest.v1+json" ] && ok "manifest content type" ||
	fail "manifest content type $(hdr Content-Type)"
curl -s -I -o /dev/null -D "$T/h" "http://$SRV/v2/busybox/manifests/$MDIG"
[ "$(hdr Content-Length)" = "$(wc -c < "$T/m.json" | tr -d ' ')" ] && ok "HEAD manifest by digest" || fail "HEAD manifest"
LAYER=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["layers"][0]["digest"])' "$T/m.json")
curl -s -o "$T/blob" -D "$T/h" "http://$SRV/v2/busybox/blobs/$LAYER"
[ "sha256:$(sha256sum < "$T/blob" | cut -d' ' -f1)" = "$LAYER" ] && ok "blob GET" || fail "blob GET"
[ "$(hdr Docker-Content-Digest)" = "$LAYER" ] && ok "blob digest header" || fail "blob digest header"
curl -s -o "$T/part" -D "$T/h" -r 100-199 "http://$SRV/v2/busybox/blobs/$LAYER"
code=$(head -n1 "$T/h" | cut -d' ' -f2)
if [ "$code" = 206 ] && [ "$(hdr Content-Range)" = "bytes 100-199/$(wc -c < "$T/blob" | tr -d ' ')" ] &&
	cmp -s "$T/part" "$(dd if="$T/blob" of="$T/slice" bs=1 skip=100 count=100 2>/dev/null; echo "$T/slice")"; then
	ok "range request"
else
	fail "range request: $code $(hdr Content-Range)"
fi
code=$(curl -s -o "$T/body" -w '%{http_code}' -r 999999999- "http://$SRV/v2/busybox/blobs/$LAYER")
[ "$code" = 416 ] && ok "unsatisfiable range: 416" || fail "unsatisfiable range: $code"
code=$(curl -s -o "$T/body" -w '%{http_code}' "http://$SRV/v2/busybox/blobs/sha256:$(printf '%064d' 0)")
OUT=$(cat "$T/body")
[ "$code" = 404 ] && contains "unknown blob: BLOB_UNKNOWN" '"code":"BLOB_UNKNOWN"' || fail "unknown blob: $code"
code=$(curl -s -o "$T/body" -w '%{http_code}' "http://$SRV/v2/busybox/manifests/nope")
OUT=$(cat "$T/body")
[ "$code" = 404 ] && contains "unknown tag: MANIFEST_UNKNOWN" '"code":"MANIFEST_UNKNOWN"' || fail "unknown tag: $code"
code=$(curl -s -o "$T/body" -w '%{http_code}' "http://$SRV/v2/Bad/manifests/latest")
OUT=$(cat "$T/body")
[ "$code" = 400 ] && contains "bad name: NAME_INVALID" '"code":"NAME_INVALID"' || fail "bad name: $code"
code=$(curl -s -o "$T/body" -w '%{http_code}' "http://$SRV/v2/nothing/tags/list")
OUT=$(cat "$T/body")
[ "$code" = 404 ] && contains "unknown repository: NAME_UNKNOWN" '"code":"NAME_UNKNOWN"' || fail "unknown repository: $code"

# --- pulls -------------------------------------------------------------------
expect_ok "skopeo pulls from the server" skopeo copy -q --src-tls-verify=false "docker://$SRV/busybox:latest" "oci:$T/pulled:bb"
OUT=$(skopeo inspect --tls-verify=false "docker://$SRV/busybox:latest" 2>&1)
contains "skopeo sees the same digest" "\"Digest\": \"$MDIG\""
printf '{"registry-mirrors": ["http://%s"]}\n' "$SRV" > "$T/mirror.json"
expect_ok "engine pull through registry-mirrors" "$E" --root "$T/p1" --config "$T/mirror.json" pull busybox
contains "same digest through the mirror" "Digest: $MDIG"
same_id "same image ID as the serving store" "$T/p1" busybox:latest "$S" busybox:latest
expect_ok "engine pulls a loaded image" "$E" --root "$T/p1" --config "$T/mirror.json" pull loaded/x:1
[ "$(image_id "$T/p1" loaded/x:1)" = "$L_ID" ] && ok "loaded image pulled with its ID" || fail "loaded image ID"
LDIG=$(curl -s -o /dev/null -D - -H "Accept: $ACCEPT" "http://$SRV/v2/loaded/x/manifests/1" | tr -d '\r' |
	sed -n 's/^Docker-Content-Digest: //Ip')
OUT=$(skopeo inspect --tls-verify=false "docker://$SRV/loaded/x:1" 2>&1)
contains "skopeo agrees on the loaded image's digest" "\"Digest\": \"$LDIG\""

# --- pushes ------------------------------------------------------------------
expect_ok "skopeo push (chunked)" skopeo copy -q --dest-tls-verify=false "oci:$T/layout:a" "docker://$SRV/fix/a:1"
[ "$(image_id "$S" fix/a:1)" = "$A_ID" ] && ok "a pushed image is a store image" || fail "pushed image not in the store"
expect_ok "skopeo push of an index" skopeo copy -q --all --dest-tls-verify=false "oci:$T/layout:idx" "docker://$SRV/fix/idx:1"
expect_ok "pull the index back" skopeo copy -q --all --src-tls-verify=false "docker://$SRV/fix/idx:1" "oci:$T/back:idx"
IDX_SRC=$(skopeo inspect --raw "oci:$T/layout:idx" | sha256sum | cut -d' ' -f1)
IDX_BACK=$(skopeo inspect --raw --tls-verify=false "docker://$SRV/fix/idx:1" | sha256sum | cut -d' ' -f1)
[ "$IDX_SRC" = "$IDX_BACK" ] && ok "the index round-trips byte for byte" || fail "index changed"
printf '{"registry-mirrors": {"%s": ["http://%s"]}}\n' 127.0.0.1:1 "$SRV" > "$T/map.json"
expect_ok "engine pulls the pushed image" "$E" --root "$T/p2" --config "$T/map.json" pull 127.0.0.1:1/fix/a:1
[ "$(image_id "$T/p2" 127.0.0.1:1/fix/a:1)" = "$A_ID" ] && ok "pushed image pulled back" || fail "pushed image pulled back"

"$E" --root "$T/p2" tag 127.0.0.1:1/fix/a:1 "$SRV/from-engine/a:2" > /dev/null
expect_ok "engine push" "$E" --root "$T/p2" push "$SRV/from-engine/a:2"
expect_ok "import a new image" "$E" --root "$T/p2" import "$T/mono.tgz" "$SRV/from-engine/new:1"
expect_ok "engine push, chunked" "$E" --root "$T/p2" push --chunk-size 65536 "$SRV/from-engine/new:1"
contains "layers uploaded" "Pushed"
same_id "a chunked engine push lands with its ID" "$S" from-engine/new:1 "$T/p2" "$SRV/from-engine/new:1"
PDIG=$(printf '%s\n' "$OUT" | sed -n 's/^2: digest: \(sha256:[0-9a-f]*\) size: .*/\1/p')
expect_ok "engine pull of what engine pushed" "$E" --root "$T/p3" pull "$SRV/from-engine/a:2"
contains "engine push and pull agree" "Digest: $PDIG"

# skopeo's other transports, both ways: dir: and docker-archive: out of the
# server and back in under new names, pulled by engine with the image ID
# they left with; a copy between two repositories of the server (skopeo
# mounts the blobs it has); tag lists as skopeo reads them.
expect_ok "skopeo to dir:" skopeo copy -q --src-tls-verify=false "docker://$SRV/fix/a:1" "dir:$T/dir-a"
expect_ok "skopeo to docker-archive:" skopeo copy -q --src-tls-verify=false "docker://$SRV/fix/a:1" \
	"docker-archive:$T/a.tar:fix/a:1"
expect_ok "skopeo from dir:" skopeo copy -q --dest-tls-verify=false "dir:$T/dir-a" "docker://$SRV/t/dir:1"
expect_ok "skopeo from docker-archive:" skopeo copy -q --dest-tls-verify=false "docker-archive:$T/a.tar" \
	"docker://$SRV/t/archive:1"
expect_ok "skopeo between two repositories" skopeo copy -q --src-tls-verify=false --dest-tls-verify=false \
	"docker://$SRV/fix/a:1" "docker://$SRV/t/copied:2"
expect_ok "another tag" skopeo copy -q --src-tls-verify=false --dest-tls-verify=false \
	"docker://$SRV/fix/a:1" "docker://$SRV/t/copied:1"
for r in t/dir:1 t/archive:1 t/copied:2; do
	[ "$(image_id "$S" "$r")" = "$A_ID" ] && ok "$r is the same store image" || fail "$r: $(image_id "$S" "$r")"
	expect_ok "engine pulls $r" "$E" --root "$T/p4" --config "$T/map.json" pull "127.0.0.1:1/$r"
	[ "$(image_id "$T/p4" "127.0.0.1:1/$r")" = "$A_ID" ] && ok "$r pulled with its ID" || fail "$r pulled ID"
done
OUT=$(skopeo list-tags --tls-verify=false "docker://$SRV/t/copied" 2>&1 | tr -d ' \n')
contains "skopeo list-tags" '"Tags":["1","2"]'
expect_fail "skopeo list-tags of an unknown repository" "" skopeo list-tags --tls-verify=false "docker://$SRV/t/none"
expect_fail "skopeo inspect of an unknown tag" "manifest unknown" skopeo inspect --tls-verify=false "docker://$SRV/t/copied:9"
L1=$(layout_blobs a | sed -n 2p)
code=$(curl -s -o /dev/null -D "$T/h" -w '%{http_code}' -X POST "http://$SRV/v2/t/mounted/blobs/uploads/?mount=$L1&from=fix/a")
[ "$code" = 201 ] && [ "$(hdr Location)" = "/v2/t/mounted/blobs/$L1" ] && ok "cross-repository mount: 201" ||
	fail "cross-repository mount: $code $(hdr Location)"
code=$(curl -s -o /dev/null -D "$T/h" -w '%{http_code}' -X POST \
	"http://$SRV/v2/t/mounted/blobs/uploads/?mount=sha256:$(printf '%064d' 5)&from=fix/a")
case "$code $(hdr Location)" in "202 /v2/t/mounted/blobs/uploads/"*) ok "mount of an unknown blob: an upload instead" ;;
*) fail "mount of an unknown blob: $code $(hdr Location)" ;; esac

# Monolithic upload, digest checks, chunk order, read-only.
printf 'monolithic blob' > "$T/mono"
MD=sha256:$(sha256sum < "$T/mono" | cut -d' ' -f1)
code=$(curl -s -o /dev/null -D "$T/h" -w '%{http_code}' -X POST --data-binary @"$T/mono" \
	-H 'Content-Type: application/octet-stream' "http://$SRV/v2/up/blobs/uploads/?digest=$MD")
[ "$code" = 201 ] && [ "$(hdr Location)" = "/v2/up/blobs/$MD" ] && ok "monolithic POST" || fail "monolithic POST: $code"
code=$(curl -s -o "$T/body" -w '%{http_code}' -X POST --data-binary @"$T/mono" \
	"http://$SRV/v2/up/blobs/uploads/?digest=sha256:$(printf '%064d' 1)")
OUT=$(cat "$T/body")
[ "$code" = 400 ] && contains "wrong digest: DIGEST_INVALID" DIGEST_INVALID || fail "wrong digest: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$SRV/v2/up/blobs/sha256:$(printf '%064d' 1)")
[ "$code" = 404 ] && ok "nothing stored for a wrong digest" || fail "wrong digest stored: $code"
curl -s -o /dev/null -D "$T/h" -X POST "http://$SRV/v2/up/blobs/uploads/"
LOC=$(hdr Location)
code=$(curl -s -o /dev/null -w '%{http_code}' -X PATCH -H 'Content-Range: 5-9' --data-binary 12345 "http://$SRV$LOC")
[ "$code" = 416 ] && ok "out-of-order chunk: 416" || fail "out-of-order chunk: $code"
code=$(curl -s -o /dev/null -D "$T/h" -w '%{http_code}' -X PATCH -H 'Content-Range: 0-4' --data-binary mono \
	"http://$SRV$LOC")
[ "$code" = 202 ] && [ "$(hdr Range)" = "0-3" ] && ok "chunk accepted" || fail "chunk: $code $(hdr Range)"
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary 'lithic blob' "http://$SRV$LOC?digest=$MD")
[ "$code" = 201 ] && ok "chunked upload completed by PUT" || fail "PUT: $code"
code=$(curl -s -o "$T/body" -w '%{http_code}' -X DELETE "http://$SRV/v2/busybox/manifests/$MDIG")
OUT=$(cat "$T/body")
[ "$code" = 405 ] && contains "DELETE off by default" "--allow-delete" || fail "DELETE: $code"
expect_fail "skopeo delete refused" "" skopeo delete --tls-verify=false "docker://$SRV/t/copied:1"

stop_pid "$SRV_PID"
serve ro "$S" --read-only
code=$(curl -s -o "$T/body" -w '%{http_code}' -X POST "http://$SRV/v2/up/blobs/uploads/")
OUT=$(cat "$T/body")
[ "$code" = 405 ] && contains "read-only refuses pushes" UNSUPPORTED || fail "read-only POST: $code"
expect_ok "read-only still serves pulls" skopeo inspect --tls-verify=false "docker://$SRV/fix/a:1"
expect_fail "plain HTTP off loopback" "--tls-cert and --tls-key" "$E" --root "$S" registry serve --addr 0.0.0.0:0
expect_fail "half of TLS" "both --tls-cert and --tls-key" "$E" --root "$S" registry serve --tls-cert /x
expect_fail "bad upstream" "http:// or https://" "$E" --root "$S" registry serve --addr 127.0.0.1:0 --mirror-of ftp://x
stop_pid "$SRV_PID"

# --allow-delete: skopeo delete untags every tag of the repository naming
# the digest (the store's image stays), DELETE by tag drops that tag,
# other repositories keep theirs; read-only still refuses.
serve del "$S" --allow-delete
expect_ok "skopeo delete" skopeo delete --tls-verify=false "docker://$SRV/t/copied:1"
# (the repository stays, without tags, as in docker-registry)
OUT=$(skopeo list-tags --tls-verify=false "docker://$SRV/t/copied" 2>&1)
contains "both tags of the digest are gone" '"Tags": []'
expect_fail "the deleted tag is unknown" "manifest unknown" skopeo inspect --tls-verify=false "docker://$SRV/t/copied:2"
[ "$(image_id "$S" t/dir:1)" = "$A_ID" ] && ok "the image stays under its other names" || fail "t/dir:1 gone"
expect_fail "a second delete" "" skopeo delete --tls-verify=false "docker://$SRV/t/copied:1"
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "http://$SRV/v2/t/archive/manifests/1")
[ "$code" = 202 ] && ok "DELETE by tag: 202" || fail "DELETE by tag: $code"
expect_ok "other repositories keep the digest" skopeo inspect --tls-verify=false "docker://$SRV/t/dir:1"
code=$(curl -s -o "$T/body" -w '%{http_code}' -X DELETE "http://$SRV/v2/t/dir/manifests/sha256:$(printf '%064d' 3)")
OUT=$(cat "$T/body")
[ "$code" = 404 ] && contains "DELETE of an unknown digest: MANIFEST_UNKNOWN" MANIFEST_UNKNOWN || fail "unknown: $code"
expect_ok "skopeo delete of an index" skopeo delete --tls-verify=false "docker://$SRV/fix/idx:1"
expect_fail "the index is gone" "manifest unknown" skopeo inspect --raw --tls-verify=false "docker://$SRV/fix/idx:1"
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "http://$SRV/v2/t/dir/blobs/$L1")
[ "$code" = 202 ] && ok "blob DELETE: 202" || fail "blob DELETE: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$SRV/v2/t/dir/blobs/$L1")
[ "$code" = 404 ] && ok "the deleted blob: 404" || fail "GET of the deleted blob: $code"
stop_pid "$SRV_PID"
serve rodel "$S" --read-only --allow-delete
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "http://$SRV/v2/t/dir/manifests/1")
[ "$code" = 405 ] && ok "read-only refuses DELETE" || fail "read-only DELETE: $code"
stop_pid "$SRV_PID"

# The same from `engine daemon`, as daemon.json's "registry" section.
printf '{"registry": {"addr": "127.0.0.1:0", "read-only": true}}\n' > "$T/daemon.json"
"$E" daemon --config "$T/daemon.json" -H "unix://$T/d.sock" --data-root "$S" > "$T/daemon.log" 2>&1 &
DPID=$!
PIDS="$PIDS $DPID"
i=0
while ! grep -q "Registry listen on" "$T/daemon.log" && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
SRV=127.0.0.1:$(sed -n 's/.*Registry listen on .* port \([0-9]*\).*/\1/p' "$T/daemon.log")
OUT=$(skopeo inspect --tls-verify=false "docker://$SRV/busybox:latest" 2>&1)
contains "the daemon serves the registry" "\"Digest\": \"$MDIG\""
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://$SRV/v2/up/blobs/uploads/")
[ "$code" = 405 ] && ok "the section's read-only applies" || fail "daemon registry read-only: $code"
stop_pid "$DPID"
printf '{"registry": {"addr": "127.0.0.1:0", "mirror": "x"}}\n' > "$T/bad.json"
expect_fail "unknown key in the section" '"registry": unknown key "mirror"' \
	"$E" daemon --config "$T/bad.json" -H "unix://$T/d2.sock" --data-root "$T/d2"
printf '{"registry": {"allow-delete": 1}}\n' > "$T/bad.json"
expect_fail "allow-delete is a boolean" '"allow-delete" must be a boolean' \
	"$E" daemon --config "$T/bad.json" -H "unix://$T/d2.sock" --data-root "$T/d2"
printf '{"registry": {"read-only": "yes"}}\n' > "$T/bad.json"
expect_fail "wrong type in the section" '"read-only" must be a boolean' \
	"$E" daemon --config "$T/bad.json" -H "unix://$T/d2.sock" --data-root "$T/d2"
finish
