#!/bin/sh
# Registry mirrors: a docker-registry pull-through cache of the upstream is
# used when up (object and list forms of "registry-mirrors"); a mirror that
# lacks the image, is stopped, hangs or serves corrupt data falls back to
# the next endpoint with a warning, and the image is still right.
. "$(dirname "$0")/registry_common.inc"

start_registry up
U=127.0.0.1:$REG_PORT
start_registry mirror "http://$U"
M=127.0.0.1:$REG_PORT
MIRROR_PID=$REG_PID
start_registry empty
X=127.0.0.1:$REG_PORT
A_ID=$(fixture a --layers 3000,40000)
B_ID=$(fixture b --layers 5000 --seed 2)
# The fake registries serve layout tags: "1" is the same image as "a".
[ "$(fixture 1 --layers 3000,40000)" = "$A_ID" ] || fail "fixture not deterministic"
seed a "$U/test/a:1"
seed b "$U/test/b:1"
seed b "$U/library/b:latest"

cached() { [ -d "$T/mirror/docker/registry/v2/repositories/$1" ]; }

# Object form: any registry can have mirrors.
printf '{"registry-mirrors": {"%s": ["http://%s"]}}\n' "$U" "$M" > "$T/obj.json"
expect_ok "pull through the mirror" "$E" --root "$T/r1" --config "$T/obj.json" pull "$U/test/a:1"
lacks "no fallback" "Warning"
cached test/a && ok "the mirror served (and cached) it" || fail "mirror did not see test/a"
[ "$(image_id "$T/r1" "$U/test/a:1")" = "$A_ID" ] && ok "image ID via mirror" || fail "image ID via mirror"

# List form, Docker's: mirrors the default registry.
printf '{"default-registry": "%s", "registry-mirrors": ["http://%s"]}\n' "$U" "$M" > "$T/list.json"
expect_ok "short name through the mirror" "$E" --root "$T/r2" --config "$T/list.json" pull b
cached library/b && ok "list-form mirror used for the default registry" || fail "list-form mirror unused"
[ "$(image_id "$T/r2" "b:latest")" = "$B_ID" ] && ok "short name image ID" || fail "short name image ID"

# A mirror without the image: next mirror.
printf '{"registry-mirrors": {"%s": ["http://%s", "http://%s"]}}\n' "$U" "$X" "$M" > "$T/two.json"
expect_ok "mirror lacking the image" "$E" --root "$T/r3" --config "$T/two.json" pull "$U/test/b:1"
contains "fallback reason logged" "Warning: pull $U/test/b:1: mirror http://$X"
contains "not found reason" "not found"
contains "next one named" "trying mirror http://$M"
cached test/b && ok "second mirror used" || fail "second mirror unused"

# A stopped mirror: upstream.
stop_pid "$MIRROR_PID"
expect_ok "mirror down" "$E" --root "$T/r4" --config "$T/obj.json" pull "$U/test/a:1"
contains "down reason logged" "cannot connect"
contains "upstream named" "trying registry $U"
[ "$(image_id "$T/r4" "$U/test/a:1")" = "$A_ID" ] && ok "image ID from upstream" || fail "image ID from upstream"

# A hanging mirror: the timeout, then upstream.
start_fake hang "$T/layout" --fault hang
printf '{"registry-timeout": 1, "registry-mirrors": {"%s": ["http://127.0.0.1:%s"]}}\n' "$U" "$FAKE_PORT" > "$T/hang.json"
start=$(date +%s)
expect_ok "hanging mirror" "$E" --root "$T/r5" --config "$T/hang.json" pull "$U/test/a:1"
contains "timeout logged" "timed out"
[ $(($(date +%s) - start)) -lt 10 ] && ok "gave up on the mirror quickly" || fail "hanging mirror took too long"

# A mirror serving corrupt layers: rejected by digest, upstream used.
start_fake corrupt "$T/layout" --fault corrupt
printf '{"registry-mirrors": {"%s": ["http://127.0.0.1:%s"]}}\n' "$U" "$FAKE_PORT" > "$T/bad.json"
expect_ok "corrupting mirror" "$E" --root "$T/r6" --config "$T/bad.json" pull "$U/test/a:1"
contains "mismatch logged" "digest mismatch"
[ "$(image_id "$T/r6" "$U/test/a:1")" = "$A_ID" ] && ok "right image despite the mirror" || fail "corrupt mirror image"

# Bad mirror config is an error, not ignored.
printf '{"registry-mirrors": ["127.0.0.1:1"]}\n' > "$T/badcfg.json"
expect_fail "mirror without scheme" "must be an http:// or https:// URL" \
	"$E" --root "$T/r7" --config "$T/badcfg.json" pull "$U/test/a:1"

finish
