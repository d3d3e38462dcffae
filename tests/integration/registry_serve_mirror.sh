#!/bin/sh
# `engine registry serve --mirror-of`: a pull-through cache of an upstream
# Debian docker-registry on 127.0.0.1. Engines (registry-mirrors pointing at
# the cache) and skopeo pull through it at the same time; the upstream's
# access log shows every blob fetched once; the cache then serves with the
# upstream down; a corrupt upstream blob is refused and never stored; a tag
# that moved upstream is followed; pushes to a cache are refused.
. "$(dirname "$0")/registry_common.inc"
. "$(dirname "$0")/registry_serve.inc"

start_logged_registry up
U=127.0.0.1:$REG_PORT
UP_PID=$REG_PID
A_ID=$(fixture a --layers 3000,600000)
fixture idx --index amd64,arm64 --layers 7000 > /dev/null
seed a "$U/test/a:1"
seed idx "$U/test/idx:1" --all
C=$T/cache
serve cache "$C" --mirror-of "http://$U"
printf '{"registry-mirrors": {"%s": ["http://%s"]}}\n' "$U" "$SRV" > "$T/mirror.json"

# Five engines and three skopeo copies at once, all through the cache.
pids=""
for i in 1 2 3 4 5; do
	"$E" --root "$T/e$i" --config "$T/mirror.json" pull "$U/test/a:1" > "$T/e$i.out" 2>&1 &
	pids="$pids $!"
done
for i in 1 2 3; do
	skopeo copy -q --src-tls-verify=false "docker://$SRV/test/a:1" "oci:$T/s$i:a" > "$T/s$i.out" 2>&1 &
	pids="$pids $!"
done
bad=0
for p in $pids; do wait "$p" || bad=$((bad + 1)); done
[ $bad = 0 ] && ok "8 concurrent pulls through the cache" || { fail "$bad pulls failed"; cat "$T"/e1.out "$T"/s1.out; }
for i in 1 2 3 4 5; do
	[ "$(image_id "$T/e$i" "$U/test/a:1")" = "$A_ID" ] || fail "engine $i: wrong image"
	grep -q "Warning" "$T/e$i.out" && fail "engine $i fell back to the upstream: $(cat "$T/e$i.out")"
done
ok "every engine got the image from the cache"
once=1
for d in $(layout_blobs a); do
	n=$(blob_gets "$T/up.log" "$d")
	[ "$n" = 1 ] || { once=0; fail "upstream served $d $n times"; }
done
[ $once = 1 ] && ok "the upstream's access log shows each blob fetched once"
OUT=$(skopeo inspect --tls-verify=false "docker://$SRV/test/a:1" 2>&1)
UPDIG=$(skopeo inspect --tls-verify=false "docker://$U/test/a:1" | sed -n 's/.*"Digest": "\(.*\)".*/\1/p' | head -n1)
contains "same digest as the upstream" "\"Digest\": \"$UPDIG\""

# The index: kept whole (skopeo --all), and engine picks its platform.
expect_ok "index through the cache" skopeo copy -q --all --src-tls-verify=false "docker://$SRV/test/idx:1" "oci:$T/idx:x"
expect_ok "engine pulls a platform of the index" "$E" --root "$T/e6" --config "$T/mirror.json" pull "$U/test/idx:1"
lacks "no fallback for the index" "Warning"

# The upstream down: what was fetched is served from the store.
stop_pid "$UP_PID"
expect_ok "engine pull with the upstream down" "$E" --root "$T/e7" --config "$T/mirror.json" pull "$U/test/a:1"
lacks "served by the cache" "Warning"
[ "$(image_id "$T/e7" "$U/test/a:1")" = "$A_ID" ] && ok "cached image intact" || fail "cached image"
expect_fail "what was never fetched fails" "" skopeo inspect --tls-verify=false "docker://$SRV/test/none:1"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://$SRV/v2/test/a/blobs/uploads/")
[ "$code" = 405 ] && ok "a cache takes no pushes" || fail "push to a cache: $code"
stop_pid "$SRV_PID"

# A corrupt upstream: refused, not stored, not served whole.
start_fake corrupt "$T/layout" --fault corrupt
serve bad "$T/badcache" --mirror-of "http://127.0.0.1:$FAKE_PORT"
printf '{"registry-mirrors": {"127.0.0.1:%s": ["http://%s"]}}\n' "$FAKE_PORT" "$SRV" > "$T/bad.json"
expect_fail "a corrupt upstream blob fails the pull" "" \
	"$E" --root "$T/e8" --config "$T/bad.json" pull "127.0.0.1:$FAKE_PORT/x/a:a"
expect_fail "skopeo through the corrupt upstream fails" "" \
	skopeo copy -q --src-tls-verify=false "docker://$SRV/x/a:a" "oci:$T/bad:a"
stored=0
for d in $(layout_blobs a | tail -n +2); do
	[ -e "$T/badcache/blobs/sha256/${d#sha256:}" ] && stored=1
done
[ $stored = 0 ] && ok "no corrupt layer stored" || fail "a corrupt layer was stored"
grep -q "digest mismatch" "$T/bad.log" && ok "the cache says why" || fail "no digest mismatch logged: $(cat "$T/bad.log")"
L=$(layout_blobs a | tail -n1)
n=$(curl -s -o "$T/partial" -w '%{size_download}' "http://$SRV/v2/x/a/blobs/$L")
want=$(wc -c < "$T/layout/blobs/sha256/${L#sha256:}" | tr -d ' ')
[ "$n" -lt "$want" ] && ok "a corrupt blob is never served whole ($n of $want bytes)" ||
	fail "corrupt blob served whole: $n of $want"
stop_pid "$SRV_PID"

# A tag that moved upstream is followed once the cached one is old.
start_logged_registry up2
U2=127.0.0.1:$REG_PORT
B_ID=$(fixture b --layers 4000 --seed 3)
seed a "$U2/m/t:1"
serve moved "$T/moved" --mirror-of "http://$U2"
printf '{"registry-mirrors": {"%s": ["http://%s"]}}\n' "$U2" "$SRV" > "$T/moved.json"
expect_ok "first pull of the tag" "$E" --root "$T/e9" --config "$T/moved.json" pull "$U2/m/t:1"
seed b "$U2/m/t:1"
# Age the cached tag as if it had been fetched long ago.
$PY - "$T/moved/distribution/repositories/m/t/_index.json" <<'PYEOF'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
d["fetched"] = {k: 1 for k in d["fetched"]}
json.dump(d, open(p, "w"))
PYEOF
expect_ok "pull after the tag moved" "$E" --root "$T/e10" --config "$T/moved.json" pull "$U2/m/t:1"
[ "$(image_id "$T/e10" "$U2/m/t:1")" = "$B_ID" ] && ok "the moved tag is followed" || fail "stale tag served"
finish
