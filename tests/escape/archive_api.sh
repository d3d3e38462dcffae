#!/bin/sh
# The daemon's archive endpoints (HEAD, GET and PUT
# /containers/{id}/archive, what docker cp uses) against a container whose
# paths are links to host paths, absolute or climbing, or that keeps
# swapping a directory for such links: the stat header reports the link as
# the container resolves it, a GET reads and a PUT writes only inside the
# container. (engine cp's own checks are archive.sh.)
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "skip: no curl"; exit 77; }

echo HOSTSECRET >"$tmp/secret"
"$ENGINE_BUILD/tools/engine" daemon -H "unix://$tmp/d.sock" --data-root "$root" --config "$tmp/config.json" \
	>"$tmp/daemon.log" 2>&1 &
dpid=$!
trap 'kill $dpid 2>/dev/null; wait $dpid 2>/dev/null; escape_cleanup' EXIT
i=0
while [ ! -S "$tmp/d.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
api() { curl -s --unix-socket "$tmp/d.sock" "$@"; }
# stat PATH: the decoded X-Docker-Container-Path-Stat of a HEAD.
stat() {
	api -I "http://d/containers/$id/archive?path=$1" | tr -d '\r' |
		sed -n 's/^[Xx]-[Dd]ocker-[Cc]ontainer-[Pp]ath-[Ss]tat: //p' | base64 -d 2>/dev/null
}
/usr/bin/python3 -c 'import io, sys, tarfile
t = tarfile.open(sys.argv[1], "w"); ti = tarfile.TarInfo("put"); ti.size = 1; t.addfile(ti, io.BytesIO(b"x")); t.close()' \
	"$tmp/put.tar"

id=$(E run -d --network none busybox sh -c "ln -s $tmp/marker /abs; ln -s ../../../../../../../..$tmp /rel
	ln -s $tmp/secret /file; mkdir -p $tmp/marker; echo inside > $tmp/secret; exec sleep 600")
i=0
while [ $i -lt 50 ] && ! E exec "$id" test -f "$tmp/secret"; do sleep 0.1; i=$((i + 1)); done
out=$(stat /file)
contains "HEAD: a link's target is where the container resolves it" "\"linkTarget\":\"$tmp/secret\"" "$out"
contains "HEAD: the link itself is described, not its target" '"mode":134218239' "$out"
out=$(api "http://d/containers/$id/archive?path=/file" | tar -tvf - 2>&1)
contains "GET of a link to a host file: the link itself" "file -> $tmp/secret" "$out"
out=$(api "http://d/containers/$id/archive?path=/rel/secret" | tar -xO 2>/dev/null)
lacks "GET through a climbing link: no host file" HOSTSECRET "$out"
contains "control: GET through a climbing link reads the container's" inside "$out"
for p in /abs /abs/ /rel/marker; do
	api -X PUT -T "$tmp/put.tar" "http://d/containers/$id/archive?path=$p" >/dev/null
done
no_markers "PUT through links to a host path: nothing on the host"
check "control: the PUTs landed in the container" 1 "$(E exec "$id" sh -c "ls $tmp/marker" | grep -c put)"
E rm -f "$id" >/dev/null

# The container swaps /d between a directory and links to host paths.
id=$(E run -d --network none busybox sh -c "mkdir -p $tmp/marker; while :; do
	rm -rf /d; mkdir -p /d/sub; echo inside > /d/sub/f; rm -rf /d; ln -s $tmp/marker /d
	rm -f /d; ln -s ../../../../../..$tmp /d; rm -f /d; done")
i=0 leaked=
while [ $i -lt 30 ]; do
	api -X PUT -T "$tmp/put.tar" "http://d/containers/$id/archive?path=/d" >/dev/null
	api "http://d/containers/$id/archive?path=/d" | tar -xO 2>/dev/null | grep -q HOSTSECRET && leaked=yes
	stat /d >/dev/null
	i=$((i + 1))
done
E rm -f "$id" >/dev/null
no_markers "PUT into a directory swapped for links: nothing on the host ($i requests)"
check "GET from a directory swapped for links: no host file read" "" "$leaked"
check "the daemon lived through it" OK "$(api http://d/_ping)"
kill $dpid
wait $dpid 2>/dev/null
finish
