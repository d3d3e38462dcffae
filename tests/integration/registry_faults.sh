#!/bin/sh
# Bad registries: corrupt, truncated and oversized blobs, garbage answers,
# a registry that hangs, one that is not there. Each fails with an error
# naming the registry and the reference, and stores no image.
. "$(dirname "$0")/registry_common.inc"

fixture a --layers 20000,30000 > /dev/null

none_tagged() { # ROOT
	[ -z "$(image_id "$1" "127.0.0.1:$FAKE_PORT/x/a:a")" ] && ok "nothing tagged" || fail "an image was tagged"
}

start_fake corrupt "$T/layout" --fault corrupt
expect_fail "corrupt layer" "digest mismatch" "$E" --root "$T/r1" pull "127.0.0.1:$FAKE_PORT/x/a:a"
contains "names the registry" "registry 127.0.0.1:$FAKE_PORT"
contains "names the reference" "pull 127.0.0.1:$FAKE_PORT/x/a:a"
none_tagged "$T/r1"
n=$(find "$T/r1/blobs" -type f 2>/dev/null | wc -l)
# Only the (intact) config blob may be kept: no layer passed verification.
[ "$n" -le 1 ] && ok "no corrupt blob stored" || fail "$n blobs stored"

start_fake truncate "$T/layout" --fault truncate
expect_fail "truncated layer" "truncated" "$E" --root "$T/r2" pull "127.0.0.1:$FAKE_PORT/x/a:a"
contains "names the registry" "registry 127.0.0.1:$FAKE_PORT"
none_tagged "$T/r2"

start_fake oversize "$T/layout" --fault oversize
expect_fail "oversized layer" "more data than" "$E" --root "$T/r3" pull "127.0.0.1:$FAKE_PORT/x/a:a"
none_tagged "$T/r3"

start_fake garbage "$T/layout" --fault garbage
expect_fail "garbage answers" "registry 127.0.0.1:$FAKE_PORT" "$E" --root "$T/r4" pull "127.0.0.1:$FAKE_PORT/x/a:a"
none_tagged "$T/r4"

start_fake hang "$T/layout" --fault hang
start=$(date +%s)
expect_fail "hanging registry" "timed out" "$E" --root "$T/r5" pull --timeout 1 "127.0.0.1:$FAKE_PORT/x/a:a"
contains "names the registry" "registry 127.0.0.1:$FAKE_PORT"
[ $(($(date +%s) - start)) -lt 10 ] && ok "timed out quickly" || fail "hang took too long"

P=$(freeport)
expect_fail "nothing listening" "cannot connect" "$E" --root "$T/r6" pull "127.0.0.1:$P/x/a:a"
contains "names the reference" "127.0.0.1:$P/x/a:a"

# A connection that breaks once per blob: the rest is fetched with a Range
# request and the blob still verifies.
start_fake flaky "$T/layout" --fault flaky
expect_ok "broken connections resumed" "$E" --root "$T/r8" pull "127.0.0.1:$FAKE_PORT/x/a:a"
n=$(grep -c "range=bytes=" "$T/flaky.requests")
[ "$n" = 2 ] && ok "each layer resumed with a Range request" || fail "$n Range requests"
[ -n "$(image_id "$T/r8" "127.0.0.1:$FAKE_PORT/x/a:a")" ] && ok "resumed image tagged" || fail "resumed image not tagged"

# Killed mid-pull: nothing visible, every stored blob intact, and the next
# pull completes.
start_fake slow "$T/layout" --fault slow
"$E" --root "$T/r7" pull "127.0.0.1:$FAKE_PORT/x/a:a" > "$T/killed.log" 2>&1 &
victim=$!
sleep 0.6
kill -9 "$victim"
wait "$victim" 2>/dev/null
none_tagged "$T/r7"
bad=0
for f in $(find "$T/r7/blobs" -type f 2>/dev/null); do
	[ "$(sha256sum "$f" | cut -d' ' -f1)" = "$(basename "$f")" ] || bad=$((bad + 1))
done
[ "$bad" = 0 ] && ok "no partial blob visible after a kill" || fail "$bad partial blobs visible"
expect_ok "the pull after the kill completes" "$E" --root "$T/r7" pull "127.0.0.1:$FAKE_PORT/x/a:a"
[ -n "$(image_id "$T/r7" "127.0.0.1:$FAKE_PORT/x/a:a")" ] && ok "image tagged after the repeat" || fail "not tagged"

# The same server without faults works: the failures were the faults.
start_fake good "$T/layout"
expect_ok "intact registry" "$E" --root "$T/r1" pull "127.0.0.1:$FAKE_PORT/x/a:a"

finish
