#!/bin/sh
# Pulls from a real registry (Debian's docker-registry on 127.0.0.1), images
# seeded with skopeo: by tag and by digest, OCI and Docker v2 manifests, a
# multi-platform index, a manifest for another platform only, layers shared
# with a stored image, unknown tags, restart after an interrupted pull.
. "$(dirname "$0")/registry_common.inc"

start_registry up
U=127.0.0.1:$REG_PORT
A_ID=$(fixture a --layers 3000,50000,1000)
fixture d --layers 2000 --seed 7 > /dev/null
fixture multi --layers 700 --index amd64,arm64 --seed 3 > /dev/null
ARM_ID=$(fixture arm --layers 800 --arch arm64 --seed 4)
S_ID=$(fixture shared --base "$T/layout:a" --layers 4000 --seed 5)
seed a "$U/test/a:1"
seed d "$U/test/d:1" --format v2s2
D_MAN=$(curl -s -H "Accept: application/vnd.docker.distribution.manifest.v2+json" "http://$U/v2/test/d/manifests/1")
case "$D_MAN" in *'"application/vnd.docker.distribution.manifest.v2+json"'*) ;; *) fail "seeding a Docker v2 manifest: $D_MAN" ;; esac
D_ID=$(printf '%s' "$D_MAN" | $PY -c 'import json,sys; print(json.load(sys.stdin)["config"]["digest"])')
seed multi "$U/test/multi:1" --all
seed arm "$U/test/arm:1"
seed shared "$U/test/shared:1"
fixture five --layers 100,200,300,400,500 --seed 6 > /dev/null
seed five "$U/test/five:1"

# By tag, then again: up to date, nothing downloaded.
R=$T/r1
expect_ok "pull by tag" "$E" --root "$R" pull "$U/test/a:1"
contains "per-layer progress" "Pulling fs layer"
contains "pull complete lines" "Pull complete"
contains "digest line" "Digest: sha256:"
contains "status line" "Status: Downloaded newer image for $U/test/a:1"
[ "$(image_id "$R" "$U/test/a:1")" = "$A_ID" ] && ok "tag points at the config digest" ||
	fail "image ID $(image_id "$R" "$U/test/a:1") != $A_ID"
expect_ok "pull again" "$E" --root "$R" pull "$U/test/a:1"
contains "up to date" "Status: Image is up to date for $U/test/a:1"
contains "layers exist" "Already exists"
lacks "nothing downloaded" "Download complete"

# Shared layers are not downloaded again.
expect_ok "pull image sharing layers" "$E" --root "$R" pull "$U/test/shared:1"
n_exist=$(printf '%s\n' "$OUT" | grep -c "Already exists")
n_new=$(printf '%s\n' "$OUT" | grep -c "Pulling fs layer")
[ "$n_exist" = 3 ] && [ "$n_new" = 1 ] && ok "3 shared layers reused, 1 downloaded" ||
	fail "shared: $n_exist reused, $n_new downloaded: $OUT"
[ "$(image_id "$R" "$U/test/shared:1")" = "$S_ID" ] && ok "shared image ID" || fail "shared image ID"

# Three downloads at a time; the others wait.
expect_ok "pull five layers" "$E" --root "$T/r10" pull "$U/test/five:1"
[ "$(printf '%s\n' "$OUT" | grep -c ": Waiting")" = 2 ] && ok "two layers wait" || fail "Waiting lines: $OUT"
[ "$(printf '%s\n' "$OUT" | grep -c ": Pull complete")" = 5 ] && ok "five layers complete" || fail "Pull complete lines"

# By digest (the manifest digest the registry reports).
DIG=$(curl -s -I -H "Accept: application/vnd.oci.image.manifest.v1+json" \
	"http://$U/v2/test/a/manifests/1" | tr -d '\r' | sed -n 's/^Docker-Content-Digest: //Ip')
expect_ok "pull by digest" "$E" --root "$T/r2" pull "$U/test/a@$DIG"
contains "digest pull line" "Digest: $DIG"
expect_ok "pull by digest again" "$E" --root "$T/r2" pull "$U/test/a@$DIG"
contains "digest pull up to date" "Image is up to date"
expect_fail "pull of an unknown digest" "not found" "$E" --root "$T/r2" pull \
	"$U/test/a@sha256:0000000000000000000000000000000000000000000000000000000000000000"

# Docker v2 schema 2 manifest.
expect_ok "pull Docker v2 manifest" "$E" --root "$T/r3" pull "$U/test/d:1"
[ "$(image_id "$T/r3" "$U/test/d:1")" = "$D_ID" ] && ok "Docker v2 image ID" || fail "Docker v2 image ID"

# Index: linux/amd64 by default, arm64 on request.
AMD=$($PY -c "import json,sys;i=json.load(open('$T/layout/index.json'))
import os
for m in i['manifests']:
  if m['annotations']['org.opencontainers.image.ref.name']=='multi':
    idx=json.load(open('$T/layout/blobs/sha256/'+m['digest'][7:]))
    for e in idx['manifests']:
      man=json.load(open('$T/layout/blobs/sha256/'+e['digest'][7:]))
      print(e['platform']['architecture'], man['config']['digest'])")
expect_ok "pull index" "$E" --root "$T/r4" pull "$U/test/multi:1"
want=$(printf '%s\n' "$AMD" | sed -n 's/^amd64 //p')
[ "$(image_id "$T/r4" "$U/test/multi:1")" = "$want" ] && ok "index: amd64 chosen" || fail "index: not amd64"
expect_ok "pull index for arm64" "$E" --root "$T/r5" pull --platform linux/arm64 "$U/test/multi:1"
want=$(printf '%s\n' "$AMD" | sed -n 's/^arm64 //p')
[ "$(image_id "$T/r5" "$U/test/multi:1")" = "$want" ] && ok "index: arm64 chosen" || fail "index: not arm64"
expect_fail "index without the platform" "no manifest for platform linux/s390x" \
	"$E" --root "$T/r5" pull --platform linux/s390x "$U/test/multi:1"

# A single manifest for another platform.
expect_fail "manifest for arm64 only" "the image is for linux/arm64" "$E" --root "$T/r6" pull "$U/test/arm:1"
case "$OUT" in *"$U/test/arm:1"*"registry $U"* | *"registry $U"*"$U/test/arm:1"*) ok "error names registry and reference" ;;
*) fail "platform error lacks registry/reference: $OUT" ;; esac
[ -z "$(image_id "$T/r6" "$U/test/arm:1")" ] && ok "nothing tagged" || fail "arm image tagged"
expect_ok "but it pulls for arm64" "$E" --root "$T/r6" pull --platform linux/arm64 "$U/test/arm:1"
[ "$(image_id "$T/r6" "$U/test/arm:1")" = "$ARM_ID" ] && ok "arm64 image ID" || fail "arm64 image ID"

# Unknown repository and tag: not found, naming registry and reference.
expect_fail "unknown tag" "not found" "$E" --root "$T/r7" pull "$U/test/a:nope"
contains "error names the registry" "registry $U"
contains "error names the reference" "$U/test/a:nope"
expect_fail "unknown repository" "not found" "$E" --root "$T/r7" pull "$U/no/such:1"
expect_fail "bad reference" "invalid reference" "$E" --root "$T/r7" pull "$U/Bad:1"
[ ! -e "$T/r7/repositories.json" ] || [ -z "$($PY -c "import json;d=json.load(open('$T/r7/repositories.json'));print(d.get('Repositories') or '')")" ] &&
	ok "failed pulls store no tags" || fail "failed pulls left tags"

# Restart-safe: blobs without an image are completed by the next pull.
R=$T/r8
expect_ok "first pull" "$E" --root "$R" pull "$U/test/a:1"
rm -rf "$R/images" "$R/repositories.json" "$R/layers"
expect_ok "pull after losing images and layers" "$E" --root "$R" pull "$U/test/a:1"
lacks "blobs reused" "Pulling fs layer"
[ "$(image_id "$R" "$U/test/a:1")" = "$A_ID" ] && ok "image complete again" || fail "image not restored"

# Short names go to the configured default registry, with library/.
seed a "$U/library/short:latest"
printf '{"default-registry": "%s"}\n' "$U" > "$T/default.json"
expect_ok "short name via default-registry" "$E" --root "$T/r9" --config "$T/default.json" pull short
contains "default tag" "Using default tag: latest"
contains "familiar name" "Status: Downloaded newer image for short:latest"
[ "$(image_id "$T/r9" "short:latest")" = "$A_ID" ] && ok "short name tagged" || fail "short name not tagged"

finish
