#!/bin/sh
# Hostile clients of the daemon's socket (http_attack.py): broken chunked
# framing (negative, overflowing and non-hex sizes, 1 MiB trailers, a
# 20 MiB body in small chunks), huge and many headers, bad request lines,
# dot segments and percent-encoded NULs and slashes in ids and names;
# names of networks, volumes, containers and tags that climb to a host
# directory; malformed JSON on every POST endpoint (truncated, 100,000
# levels deep, invalid UTF-8, escaped NULs, wrong types); attach and exec
# streams closed half way; a build context with links to a host directory
# and climbing and absolute names (the daemon unpacks it as root); more
# idle half-requests than the daemon may open files (its soft limit
# lowered to 256 here). Each gets a 4xx or a closed connection, never a
# 5xx; the daemon keeps serving, holds no fd more than before, and runs
# containers once the clients leave.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "skip: no curl"; exit 77; }
command -v prlimit >/dev/null || { echo "skip: no prlimit"; exit 77; }

sock=$tmp/d.sock
"$ENGINE_BUILD/tools/engine" daemon -H "unix://$sock" --data-root "$root" --config "$tmp/config.json" \
	>"$tmp/daemon.log" 2>&1 &
dpid=$!
holder=
trap '[ -n "$holder" ] && kill $holder 2>/dev/null; kill $dpid 2>/dev/null; wait $dpid 2>/dev/null; escape_cleanup' EXIT
i=0
while [ ! -S "$sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
A() { /usr/bin/python3 "$escape_src/http_attack.py" "$sock" "$@"; }
api() { curl -s -m 60 --unix-socket "$sock" "$@"; }
alive() { check "the daemon still serves ($1)" "200" "$(api -o /dev/null -w '%{http_code}' http://d/_ping)"; }
fds() { ls /proc/$dpid/fd | wc -l; }
# answers NAME OUTPUT: no line of OUTPUT is a 5xx, a timeout or a success.
answers() {
	bad=$(echo "$2" | grep -E ': (50[0-4]|timeout)$')
	check "$1: no 5xx, nothing hangs" "" "$bad"
}

id=$(E create --network none busybox sleep 600)
eid=$(api -X POST -H 'Content-Type: application/json' -d '{"Cmd":["true"]}' \
	"http://d/containers/$id/exec" | sed -n 's/.*"Id":"\([0-9a-f]*\)".*/\1/p')

out=$(A framing)
echo "$out"
answers "broken framing" "$out"
check "broken framing: nothing accepted" "" "$(echo "$out" | grep -E ': 20[0-9]$' | grep -v -e 'bare LF' -e 'NUL in a header' \
	-e 'chunk extension 100 KiB' -e 'absolute-form')"
check "no volume was made of a broken body" "" "$(E volume ls -q)"
lacks "the dot segments reach nothing" "root:" "$(api --path-as-is http://d/containers/../../../../etc/passwd)"
alive framing

out=$(A json "$id" "$eid")
answers "malformed JSON on every POST endpoint" "$out"
check "malformed JSON: no container made" "" "$(E ps -a -q --no-trunc | grep -v "$id")"
alive "malformed JSON"

E rm -f "$id" >/dev/null 2>&1
id=$(E run -d --network none busybox sleep 600)
# The first exec opens what the daemon keeps for the next (the cgroup
# directories, engine-init's memfd): count from there.
A hijack "$id" 1 >/dev/null
before=$(fds) i=0
while [ $i -lt 50 ]; do # until the warm-up's streams are gone
	sleep 0.2
	[ "$(fds)" -ge "$before" ] && break
	before=$(fds) i=$((i + 1))
done
out=$(A hijack "$id" 20)
echo "$out"
contains "attach streams were hijacked" "hijack: attach 101" "$out"
contains "exec streams were hijacked" "hijack: exec 101" "$out"
alive "hijacked streams closed half way"
check "the container outlives its streams" "true" "$(E inspect -f '{{.State.Running}}' "$id")"
E rm -f "$id" >/dev/null
i=0
while [ "$(fds)" -gt "$before" ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
[ "$(fds)" -le "$before" ] && ok "no fd left behind by the clients" ||
	fail "no fd left behind by the clients" "$before fds before, $(fds) after: $(ls -l /proc/$dpid/fd)"

# Names with path characters, climbing to the marker directory.
up=..%2F..%2F..%2F..%2F..%2F..%2F..%2F..$(echo "$tmp/marker" | sed 's|/|%2F|g')
for r in "POST /networks/create {\"Name\":\"../../../../../../../..$tmp/marker/n\"}" \
	"POST /volumes/create {\"Name\":\"../../../../../../../..$tmp/marker/v\"}" \
	"POST /volumes/create {\"Name\":\"..\"}" "POST /containers/create?name=$up%2Fc {\"Image\":\"busybox\"}" \
	"POST /images/busybox/tag?repo=$up%2Fi&tag=x" "POST /images/busybox/tag?repo=a&tag=..%2F..%2Fx" \
	"DELETE /images/..%2F..%2Fimages" "DELETE /volumes/..%2F..%2Fimages" "DELETE /networks/..%2F..%2Fnetworks"; do
	n=$((${n:-0} + 1))
	set -- $r
	st=$(api -o /dev/null -w '%{http_code}' -X "$1" -H 'Content-Type: application/json' ${3:+-d "$3"} "http://d$2")
	case "$st" in 4*) ok "name $n, $1 ${2%%\?*} with path characters: $st" ;; *) fail "$1 $2" "answered $st" ;; esac
done
check "no name reached the marker directory" "" "$(ls -A "$tmp/marker")"

# A build context (the daemon unpacks it as root) with hard links and
# symlinks to a host directory, entries through them, climbing and
# absolute names.
echo victim >"$tmp/marker/victim"
/usr/bin/python3 - "$tmp/ctx.tar" "$tmp/marker" <<'PY'
import io, sys, tarfile
t, m = tarfile.open(sys.argv[1], "w"), sys.argv[2]
up = "../" * 12 + m.lstrip("/")
def add(name, data=b"", **kw):
    ti = tarfile.TarInfo(name)
    for k, v in kw.items():
        setattr(ti, k, v)
    ti.size = len(data) if ti.type == tarfile.REGTYPE else 0
    t.addfile(ti, io.BytesIO(data) if ti.type == tarfile.REGTYPE else None)
add("Dockerfile", b"FROM busybox\nCOPY . /ctx/\n")
add("habs", type=tarfile.LNKTYPE, linkname=m + "/victim")
add("hup", type=tarfile.LNKTYPE, linkname=up + "/victim")
add("s", type=tarfile.SYMTYPE, linkname=m)
add("s/through-abs", b"escaped\n")
add("u", type=tarfile.SYMTYPE, linkname=up)
add("u/through-up", b"escaped\n")
add(up + "/climbed", b"escaped\n")
add(m + "/absolute", b"escaped\n")
t.close()
PY
out=$(api -X POST -H 'Content-Type: application/x-tar' --data-binary @"$tmp/ctx.tar" "http://d/build?t=hostilectx")
lacks "a hostile build context is not built" "Successfully built" "$out"
check "the build context wrote nothing to the host" "victim" "$(ls -A "$tmp/marker")"
check "the build context linked to no host file" 1 "$(stat -c %h "$tmp/marker/victim")"
rm -f "$tmp/marker/victim"

# More connections than the daemon may open files: each holds a
# half-written request. The daemon must keep its own fds and come back.
prlimit --pid "$dpid" --nofile=256:
fifo=$tmp/hold.in
mkfifo "$fifo"
A hold 400 "$tmp/held" <"$fifo" &
holder=$!
exec 7>"$fifo"
i=0
while [ ! -s "$tmp/held" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
echo "$(cat "$tmp/held")"
exec 7>&-
wait $holder
holder=
alive "400 idle connections over its file limit"
out=$(timeout 120 "$ENGINE_BUILD/tools/engine" -H "unix://$sock" run --rm --network none busybox echo fine 2>&1)
check "a container runs after the flood" "fine" "$out"
finish
