#!/bin/sh
# DELETE on `engine registry serve --allow-delete`, side by side with
# Debian's docker-registry (storage.delete enabled): the same requests to
# both, the same status codes and error codes. A manifest deleted by digest
# is gone from its repository (GET and HEAD by digest: 404
# MANIFEST_UNKNOWN), and so are the tags that named it, while other
# repositories holding the same content keep serving it; pushed again, it
# is back. A blob DELETE unlinks the blob from that repository (202, then
# 404 BLOB_UNKNOWN there) and nothing else: other repositories and the
# store's images keep it whole.
. "$(dirname "$0")/registry_common.inc"
. "$(dirname "$0")/registry_serve.inc"

fixture a --layers 3000,4000 > /dev/null
fixture b --layers 2500 > /dev/null
start_registry dr
DR=127.0.0.1:$REG_PORT
serve srv "$T/s" --allow-delete
ACCEPT="application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"

# same DESC WANT METHOD PATH: both registries answer WANT (status, and the
# error code for 4xx) to METHOD PATH.
same() {
	desc=$1 want=$2 method=$3 path=$4
	for R in "$DR" "$SRV"; do
		if [ "$method" = HEAD ]; then
			got=$(curl -s -o /dev/null -I -m 10 -w '%{http_code}' -H "Accept: $ACCEPT" "http://$R$path")
		else
			code=$(curl -s -o "$T/body" -m 10 -w '%{http_code}' -X "$method" -H "Accept: $ACCEPT" "http://$R$path")
			case $want in
			4*) got="$code $(sed -n 's/.*"code":"\([A-Z_]*\)".*/\1/p' "$T/body")" ;;
			*) got=$code ;;
			esac
		fi
		who=engine
		[ "$R" = "$DR" ] && who=docker-registry
		[ "$got" = "$want" ] && ok "$desc ($who)" || fail "$desc ($who): $got, not $want"
	done
}

for R in "$DR" "$SRV"; do
	seed a "$R/t/a:1"
	seed a "$R/t/a:2"
	seed b "$R/t/a:other"
	seed a "$R/t/b:1"
	seed a "$R/t/keep:1"
done
curl -s -D "$T/h" -o /dev/null -H "Accept: $ACCEPT" "http://$SRV/v2/t/a/manifests/1"
D=$(hdr Docker-Content-Digest)
curl -s -D "$T/h" -o /dev/null -H "Accept: $ACCEPT" "http://$DR/v2/t/a/manifests/1"
[ "$(hdr Docker-Content-Digest)" = "$D" ] && ok "the same manifest in both" || fail "digests differ: $D $(hdr Docker-Content-Digest)"

same "GET by digest before" 200 GET "/v2/t/a/manifests/$D"
same "DELETE by digest" 202 DELETE "/v2/t/a/manifests/$D"
same "GET by digest after DELETE" "404 MANIFEST_UNKNOWN" GET "/v2/t/a/manifests/$D"
same "HEAD by digest after DELETE" 404 HEAD "/v2/t/a/manifests/$D"
same "its tags are gone" "404 MANIFEST_UNKNOWN" GET /v2/t/a/manifests/2
same "a second DELETE" "404 MANIFEST_UNKNOWN" DELETE "/v2/t/a/manifests/$D"
same "another repository keeps it" 200 GET "/v2/t/b/manifests/$D"
same "another repository keeps its tag" 200 GET /v2/t/b/manifests/1
same "the other tag of the repository stays" 200 GET /v2/t/a/manifests/other
OUT=$(curl -s "http://$SRV/v2/t/a/tags/list")
contains "tags/list: only the tag naming another manifest" '{"name":"t/a","tags":["other"]}'
OUT=$(curl -s "http://$DR/v2/t/a/tags/list")
contains "tags/list as docker-registry's" '{"name":"t/a","tags":["other"]}'
expect_ok "skopeo pulls the other repository" skopeo copy -q --src-tls-verify=false \
	"docker://$SRV/t/b:1" "oci:$T/out:b"
expect_fail "skopeo: the deleted tag is unknown" "manifest unknown" \
	skopeo inspect --tls-verify=false "docker://$SRV/t/a:1"
expect_ok "skopeo delete by digest in another repository" \
	skopeo delete --tls-verify=false "docker://$SRV/t/b@$D"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$SRV/v2/t/b/manifests/1")
[ "$code" = 404 ] && ok "its tag went with it" || fail "t/b:1 after skopeo delete: $code"
curl -s -o /dev/null -X DELETE -H "Accept: $ACCEPT" "http://$DR/v2/t/b/manifests/$D"
# A repository whose tags all went is still one: an empty list, listed.
for R in "$DR" "$SRV"; do
	who=engine
	[ "$R" = "$DR" ] && who=docker-registry
	code=$(curl -s -o "$T/body" -w '%{http_code}' "http://$R/v2/t/b/tags/list")
	OUT="$code $(cat "$T/body")"
	contains "tags/list of a repository without tags ($who)" '200 {"name":"t/b","tags":null}'
	OUT=$(curl -s "http://$R/v2/_catalog")
	contains "the catalog lists it ($who)" '"t/b"'
done

# Blobs: the layer a shared with b goes from t/a only.
L=$(layout_blobs a | tail -n1)
same "blob GET before" 200 GET "/v2/t/a/blobs/$L"
same "blob DELETE" 202 DELETE "/v2/t/a/blobs/$L"
same "blob GET after DELETE" "404 BLOB_UNKNOWN" GET "/v2/t/a/blobs/$L"
same "blob HEAD after DELETE" 404 HEAD "/v2/t/a/blobs/$L"
same "a second blob DELETE" "404 BLOB_UNKNOWN" DELETE "/v2/t/a/blobs/$L"
same "DELETE of an unknown blob" "404 BLOB_UNKNOWN" DELETE "/v2/t/a/blobs/sha256:$(printf '%064d' 5)"
same "another repository keeps the blob" 200 GET "/v2/t/keep/blobs/$L"
curl -s -o "$T/blob" "http://$SRV/v2/t/keep/blobs/$L"
[ "sha256:$(sha256sum < "$T/blob" | cut -d' ' -f1)" = "$L" ] && ok "its bytes are whole" || fail "t/keep's blob corrupted"
expect_ok "skopeo pulls the image from the other repository" skopeo copy -q --src-tls-verify=false \
	"docker://$SRV/t/keep:1" "oci:$T/out:k"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://$SRV/v2/t/c/blobs/uploads/?mount=$L&from=t/a")
[ "$code" = 202 ] && ok "no mount from the repository that deleted it" || fail "mount from t/a: $code"
serve ro "$T/s" --read-only --allow-delete
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "http://$SRV/v2/t/keep/blobs/$L")
[ "$code" = 405 ] && ok "read-only refuses blob DELETE" || fail "read-only blob DELETE: $code"
stop_pid "$SRV_PID"
serve off "$T/s"
code=$(curl -s -o "$T/body" -w '%{http_code}' -X DELETE "http://$SRV/v2/t/keep/blobs/$L")
OUT=$(cat "$T/body")
[ "$code" = 405 ] && contains "blob DELETE off by default" "--allow-delete" || fail "blob DELETE without --allow-delete: $code"
stop_pid "$SRV_PID"
serve srv "$T/s" --allow-delete

# Pushed again, it is served again (by tag and by digest), its blobs too.
seed a "$SRV/t/a:3"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Accept: $ACCEPT" "http://$SRV/v2/t/a/manifests/$D")
[ "$code" = 200 ] && ok "pushed again: GET by digest" || fail "pushed again: $code"
expect_ok "pushed again: skopeo pulls it" skopeo copy -q --src-tls-verify=false \
	"docker://$SRV/t/a:3" "oci:$T/out:a3"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$SRV/v2/t/a/blobs/$L")
[ "$code" = 200 ] && ok "pushed again: the deleted blob is back" || fail "pushed again: blob $code"
finish
