#!/bin/sh
# Pulls from a hostile registry (hostile_registry.py, on loopback): a
# manifest or a layer that redirects to itself forever (libcurl before 8.3
# follows redirects without limit: the pull ran until 300 KB of headers),
# endless manifest and layer bodies, a manifest that is not the digest
# asked for, a layer redirected to another origin (the registry's token or
# password must not go with it), and layers of hostile entries: links out
# of the layer and entries, hard links and whiteouts through them,
# climbing and absolute names, overlay's own xattrs and the rootless owner
# override, a device node. Nothing lands in, is linked to or is deleted
# from the host's directory; every pull ends.
. "$(dirname "$0")/lib.sh"
reg=$tmp/reg
mkdir -p "$reg"
echo victim > "$tmp/marker/victim"
/usr/bin/python3 "$escape_src/hostile_registry.py" "$reg" "$tmp/marker" 2>"$reg/log" &
regpid=$!
trap 'kill $regpid 2>/dev/null; wait $regpid 2>/dev/null; escape_cleanup' EXIT
i=0
while [ ! -s "$reg/ports" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$reg/ports" ] || { echo "FAIL hostile registry did not start: $(cat "$reg/log")"; exit 1; }
read -r port elsewhere n < "$reg/ports"
R=127.0.0.1:$port
# pull NAME REF: a pull that must end (timeout 300 would be a hang).
pull() {
	out=$(timeout 300 "$ENGINE_BUILD/tools/engine" --root "$root" --config "$tmp/config.json" pull "$2" 2>&1)
	rc=$?
	[ $rc -ne 124 ] || fail "$1: the pull ended" "still running after 300 s"
}
tagged() { E images -q "$1" 2>/dev/null; }

pull "a manifest redirecting to itself" "$R/loop:x"
[ $rc -ne 0 ] && [ $rc -ne 124 ] && ok "a manifest redirecting to itself: the pull fails" ||
	fail "a manifest redirecting to itself: the pull fails" "rc $rc: $out"
contains "a manifest redirecting to itself: says so" "redirect" "$out"
pull "a layer redirecting to itself" "$R/blobloop:x"
[ $rc -ne 0 ] && [ $rc -ne 124 ] && ok "a layer redirecting to itself: the pull fails" ||
	fail "a layer redirecting to itself: the pull fails" "rc $rc: $out"
contains "a layer redirecting to itself: says so" "redirect" "$out"
check "a layer redirecting to itself: nothing tagged" "" "$(tagged "$R/blobloop:x")"

pull "an endless manifest" "$R/endless:x"
check "an endless manifest: the pull fails" 1 "$rc"
contains "an endless manifest: says it is too large" "larger than" "$out"
pull "an endless layer" "$R/endlessblob:x"
[ $rc -ne 0 ] && [ $rc -ne 124 ] && ok "an endless layer: the pull fails" ||
	fail "an endless layer: the pull fails" "rc $rc: $out"
check "an endless layer: nothing tagged" "" "$(tagged "$R/endlessblob:x")"

d=sha256:$(echo asked | sha256sum | cut -d' ' -f1)
pull "another manifest than the digest" "$R/baddigest@$d"
[ $rc -ne 0 ] && [ $rc -ne 124 ] && ok "another manifest than the digest asked: refused" ||
	fail "another manifest than the digest asked: refused" "rc $rc: $out"
contains "another manifest than the digest asked: says so" "digest" "$out"

echo secret | E login -u alice --password-stdin "$R" >/dev/null 2>&1
pull "a layer redirected elsewhere" "$R/away:x"
check "a layer redirected to another origin: pulled" 0 "$rc"
contains "the registry got its token" " Bearer " "$(grep "^$port GET /v2/away/" "$reg/requests")"
contains "the other origin served the layer" "$elsewhere GET /blob/" "$(cat "$reg/requests")"
check "the other origin got no token or password" "" "$(grep "^$elsewhere " "$reg/requests" | grep -v ' -$')"
pull "a layer redirected elsewhere, Basic auth" "$R/basic:x"
check "Basic auth, a layer redirected to another origin: pulled" 0 "$rc"
contains "the registry got the password" " Basic " "$(grep "^$port GET /v2/basic/" "$reg/requests")"
check "the other origin got no password" "" "$(grep "^$elsewhere " "$reg/requests" | grep -v ' -$')"

i=0
while [ $i -lt "$n" ]; do
	pull "hostile layer $i" "$R/evil:$i"
	[ $rc -ne 124 ] && ok "hostile layer $i: the pull ends (rc $rc)"
	i=$((i + 1))
done
check "no file of a layer reached the host" "victim" "$(ls -A "$tmp/marker")"
check "the host's file is intact" "victim" "$(cat "$tmp/marker/victim")"
check "the host's file got no hard link" 1 "$(stat -c %h "$tmp/marker/victim")"
# The layer with overlay xattrs is harmless once they are gone; the owner
# override a rootless unpack reads back must not come from the tar.
xa=$(/usr/bin/python3 - "$root" <<'PY'
import glob, os, sys
for p in glob.glob(sys.argv[1] + "/layers/*/diff/redir") + glob.glob(sys.argv[1] + "/layers/*/diff/redir/f"):
    for k in os.listxattr(p, follow_symlinks=False):
        print(os.path.basename(p), k)
PY
)
lacks "no overlay xattr from a layer" "overlay." "$xa"
lacks "no owner override from a layer" "override_stat" "$xa"
if [ -n "$(tagged "$R/evil:15")" ]; then
	out=$(E run --rm --network none $P "$R/evil:15" /probe opendev /kmsg 2>&1)
	contains "a layer's device node does not open" "open /kmsg: EPERM" "$out"
fi
finish
