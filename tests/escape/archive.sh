#!/bin/sh
# docker cp / the archive API against a hostile container and hostile
# tars: entries with absolute or climbing names, symlinks followed by
# entries through them, hard links to host paths; device nodes and set-id
# files copied out to the host; and a running container
# that keeps swapping the directory being copied (to and from) between a
# directory and symlinks to host paths. Everything is resolved inside the
# container's root: nothing lands in (or is read from) the host paths.
. "$(dirname "$0")/lib.sh"

echo HOSTSECRET > "$tmp/secret"
# mktar OUT KIND: a tar with one kind of hostile entry.
mktar() {
	/usr/bin/python3 - "$1" "$tmp" "$2" <<'PY'
import io, sys, tarfile
out, host, kind = sys.argv[1:]
marker = host + "/marker"
t = tarfile.open(out, "w")
def reg(name):
    ti = tarfile.TarInfo(name); ti.size = 1; t.addfile(ti, io.BytesIO(b"x"))
def link(name, target, kind=tarfile.SYMTYPE):
    ti = tarfile.TarInfo(name); ti.type = kind; ti.linkname = target; t.addfile(ti)
if kind == "absolute": reg(marker + "/absolute")
if kind == "climbing": reg("../" * 12 + marker.lstrip("/") + "/climbing")
if kind == "dotdot": reg("a/../../" * 6 + marker.lstrip("/") + "/dotdot")
if kind == "symlink": link("l1", marker); reg("l1/through-absolute-link")
if kind == "relsymlink": link("l2", "../" * 12 + marker.lstrip("/")); reg("l2/through-climbing-link")
if kind == "hardlink": link("h1", host + "/secret", tarfile.LNKTYPE)
if kind == "relhardlink": link("h2", "../" * 12 + host.lstrip("/") + "/secret", tarfile.LNKTYPE)
if kind == "linkhardlink": link("l3", host); link("h3", "l3/secret", tarfile.LNKTYPE)
if kind == "put": reg("sub/put1"); reg("put2")
t.close()
PY
}

id=$(E run -d --network none busybox sleep 600)
[ -n "$id" ] || { echo "FAIL: start a container"; exit 1; }
for kind in absolute climbing dotdot symlink relsymlink hardlink relhardlink linkhardlink; do
	mktar "$tmp/e.tar" $kind
	E cp - "$id:/tmp" <"$tmp/e.tar" >/dev/null 2>&1
	no_markers "cp of a tar with a $kind entry: nothing on the host"
done
links=$(stat -c %h "$tmp/secret")
check "no hard link to the host file was made" 1 "$links"
out=$(E exec "$id" sh -c 'cat /tmp/h1 /tmp/h2 /tmp/h3 2>/dev/null')
lacks "no entry holds the host file's content" HOSTSECRET "$out"
E rm -f "$id" >/dev/null

# The container swaps /d between a directory and links to the host's
# paths (the link targets exist inside it too, so they lead somewhere).
id=$(E run -d --network none busybox sh -c "mkdir -p $tmp/marker; while :; do
	rm -rf /d; mkdir -p /d/sub; echo inside > /d/sub/f; rm -rf /d; ln -s $tmp/marker /d
	rm -f /d; ln -s ../../../../../..$tmp /d; rm -f /d; done")
mktar "$tmp/put.tar" put
i=0 leaked=
while [ $i -lt 30 ]; do
	E cp - "$id:/d" <"$tmp/put.tar" >/dev/null 2>&1
	E cp "$id:/d" - 2>/dev/null | tar -xO 2>/dev/null | grep -q HOSTSECRET && leaked=yes
	i=$((i + 1))
done
E rm -f "$id" >/dev/null
no_markers "cp into a directory swapped for links: nothing on the host ($i copies)"
check "cp from a directory swapped for links: no host file read" "" "$leaked"

# Copied out twice to one host directory: first links to the host's
# paths, then directories of the same names with files in them. The links
# the first copy left on the host must not lead the second one out.
id=$(E run -d --network none busybox sh -c "mkdir /d; ln -s $tmp/marker /d/l1
	ln -s ../../../../../../..$tmp/marker /d/l2; exec sleep 600")
mkdir "$tmp/out"
E cp "$id:/d" "$tmp/out" || fail "copy out the links" "cp failed"
E exec "$id" sh -c 'rm /d/l1 /d/l2; mkdir /d/l1 /d/l2; echo x > /d/l1/f1; echo x > /d/l2/f2'
E cp "$id:/d" "$tmp/out" >/dev/null 2>&1
E rm -f "$id" >/dev/null
no_markers "cp out over links an earlier cp left: nothing through them"

# Copied out to the host, as root: the container's device nodes (here
# /dev/mem's and a loop device's numbers, world-writable) and a setuid
# copy of its shell would land owned by root; no node is made and the
# set-id bits go.
id=$(E run -d --network none busybox sh -c 'mkdir /s; mknod -m 666 /s/mem c 1 1; mknod -m 666 /s/disk b 7 0
	cp /bin/busybox /s/suid; chmod 6755 /s/suid; echo plain > /s/plain; exec sleep 600')
i=0
while [ $i -lt 50 ] && ! E exec "$id" test -f /s/plain; do sleep 0.1; i=$((i + 1)); done
mkdir "$tmp/special"
E cp "$id:/s" "$tmp/special" >/dev/null 2>&1
check "control: cp out copies the files" plain "$(cat "$tmp/special/s/plain" 2>&1)"
check "cp out: no device node made on the host" "" "$(find "$tmp/special" \( -type b -o -type c \) -print)"
check "cp out: a setuid/setgid file loses its set-id bits" 755 "$(stat -c %a "$tmp/special/s/suid" 2>&1)"
E rm -f "$id" >/dev/null

# A stopped container (its files through an overlay the engine mounts)
# left links to the host's paths where the copies go and come from.
id=$(E run -d --network none busybox sh -c "ln -s $tmp/marker /to; ln -s ../../../../../..$tmp /from")
E wait "$id" >/dev/null
E cp - "$id:/to" <"$tmp/put.tar" >/dev/null 2>&1
E cp - "$id:/to/" <"$tmp/put.tar" >/dev/null 2>&1
no_markers "cp into a stopped container's link to a host path: nothing on the host"
out=$(E cp "$id:/from/" - 2>/dev/null | tar -xO 2>/dev/null)
lacks "cp from a stopped container's link to a host path: no host file read" HOSTSECRET "$out"
check "nothing stays mounted" 0 "$(grep -c "$root" /proc/self/mountinfo)"
E rm -f "$id" >/dev/null
finish
