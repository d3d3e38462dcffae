#!/bin/sh
# Mount-target symlinks: an image (or a volume another container writes)
# turns a mount destination into a symlink to a host path, absolute or
# climbing with "..", or swaps it between a directory and such a symlink
# while containers start. Destinations are resolved after pivot_root, so
# the worst a symlink can do is point elsewhere inside the container's own
# root: no host directory gets a mount or a file, nothing is mounted on the
# host.
. "$(dirname "$0")/lib.sh"

mkdir -p "$tmp/src" "$tmp/shared"
echo volume > "$tmp/src/file"
# /abs and /rel point at $tmp/marker, which the image also has (so the
# mounts have somewhere to land); /dangling at $tmp/marker, a host path
# only, the image has no such directory.
/usr/bin/python3 - "$tmp/linkimg.tar" /bin/busybox "$tmp/marker" <<'PY'
import sys, tarfile
out, busybox, marker = sys.argv[1:]
t = tarfile.open(out, "w")
ti = t.gettarinfo(busybox, "bin/busybox"); ti.uid = ti.gid = 0; ti.mode = 0o755
with open(busybox, "rb") as f:
    t.addfile(ti, f)
for name in ("bin/sh", "bin/cat", "bin/ls", "bin/mkdir", "bin/ln", "bin/rm", "bin/true", "bin/sleep"):
    ti = tarfile.TarInfo(name); ti.type = tarfile.SYMTYPE; ti.linkname = "busybox"; t.addfile(ti)
for name, target in (("abs", marker), ("rel", "../" * 16 + marker.lstrip("/")), ("tmpfs", marker),
                     ("dangling", marker + "-host-only")):
    ti = tarfile.TarInfo(name); ti.type = tarfile.SYMTYPE; ti.linkname = target; t.addfile(ti)
path = ""
for part in marker.strip("/").split("/"):
    path += part + "/"
    ti = tarfile.TarInfo(path.rstrip("/")); ti.type = tarfile.DIRTYPE; ti.mode = 0o755; t.addfile(ti)
t.close()
PY
E import "$tmp/linkimg.tar" linkimg >/dev/null || { echo "FAIL: import the symlink image"; exit 1; }

mkdir -p "$tmp/marker-host-only"
out=$(E run --rm -v "$tmp/src:/abs/x" -v "$tmp/src:/rel/y" --tmpfs /tmpfs/z linkimg \
	sh -c 'cat /abs/x/file /rel/y/file; touch /tmpfs/z/t && echo tmpfs-ok' 2>&1)
check "the mounts land inside the container (absolute and climbing links)" "volume
volume
tmpfs-ok" "$out"
out=$(E run --rm -v "$tmp/src:/dangling/x" linkimg cat /dangling/x/file 2>&1)
check "a link to a host-only path reaches nothing there" "" "$(ls -A "$tmp/marker-host-only")"
no_markers "image symlinks: nothing reaches the host path"
check "image symlinks: nothing mounted on the host" 0 "$(grep -c "$tmp/marker" /proc/self/mountinfo)"

# A container keeps swapping /shared/t (a host directory it shares) between
# a directory and symlinks to the host path while others mount onto it.
id=$(E run -d -v "$tmp/shared:/shared" linkimg sh -c "while :; do
	rm -rf /shared/t; mkdir /shared/t; rm -rf /shared/t; ln -s $tmp/marker /shared/t
	rm -f /shared/t; ln -s ../../../../../../../..$tmp/marker /shared/t; done")
i=0
while [ $i -lt 20 ]; do
	E run --rm -v "$tmp/shared:/shared" -v "$tmp/src:/shared/t/x" linkimg true >/dev/null 2>&1
	i=$((i + 1))
done
E rm -f "$id" >/dev/null
no_markers "swapped symlinks: nothing reaches the host path ($i starts)"
check "swapped symlinks: nothing mounted on the host" 0 "$(grep -c "$tmp" /proc/self/mountinfo)"
finish
