#!/bin/sh
# Masked paths and /proc: an image makes a mount stand in for the kernel's
# files. Its VOLUME /dev (filled from the image) turns /dev/null into a
# link to a /proc/sys file, so a mask bound "/dev/null" by path would bind
# that sysctl writable over /proc/keys (runc's CVE-2025-31133: with
# kernel.core_pattern, a host escape); here the sysctl is the container's
# own domainname, harmless to write. A container does the same alone:
# its volume's parent renamed and replaced, a restart lands the volume on
# /dev. And mounts whose destination is in /proc (given, or reached
# through an image symlink via VOLUME) are refused, as runc refuses them,
# and so is one that lands on the root.
. "$(dirname "$0")/lib.sh"

/usr/bin/python3 - "$tmp/devimg.tar" /bin/busybox <<'PY'
import sys, tarfile
out, busybox = sys.argv[1:]
t = tarfile.open(out, "w")
ti = t.gettarinfo(busybox, "bin/busybox"); ti.uid = ti.gid = 0; ti.mode = 0o755
with open(busybox, "rb") as f:
    t.addfile(ti, f)
for name in ("bin/sh", "bin/cat", "bin/echo", "bin/true"):
    ti = tarfile.TarInfo(name); ti.type = tarfile.SYMTYPE; ti.linkname = "busybox"; t.addfile(ti)
for name in ("dev", "dev/pts"):
    ti = tarfile.TarInfo(name); ti.type = tarfile.DIRTYPE; ti.mode = 0o755; t.addfile(ti)
for name, target in (("dev/null", "/proc/sys/kernel/domainname"), ("dev/pts/0", "/proc/sys/kernel/domainname"),
                     ("data", "/proc/sys"), ("rootlink", "/")):
    ti = tarfile.TarInfo(name); ti.type = tarfile.SYMTYPE; ti.linkname = target; t.addfile(ti)
t.close()
PY
E import -c 'VOLUME /dev' "$tmp/devimg.tar" devimg >/dev/null || { echo "FAIL: import the /dev image"; exit 1; }
E import -c 'VOLUME /data' "$tmp/devimg.tar" procimg >/dev/null || { echo "FAIL: import the /proc image"; exit 1; }
E import -c 'VOLUME /rootlink' "$tmp/devimg.tar" rootimg >/dev/null || { echo "FAIL: import the / image"; exit 1; }

try='echo escaped > /proc/keys; echo domainname: $(cat /proc/sys/kernel/domainname)'
out=$(E run --rm --network none devimg sh -c "$try" 2>&1)
lacks "VOLUME /dev with /dev/null a link: no sysctl written through a mask" "escaped" "$out"
contains "VOLUME /dev with /dev/null a link: refused, naming /dev/null" "not the null device" "$out"
out=$(E run --rm -t --network none devimg sh -c "$try" </dev/null 2>&1)
lacks "the same with -t: no sysctl written" "escaped" "$out"

out=$(E run --rm --network none procimg sh -c 'echo escaped > /data/kernel/domainname; cat /data/kernel/domainname' 2>&1)
lacks "VOLUME through a link into /proc: nothing written" "escaped" "$out"
contains "VOLUME through a link into /proc: refused" "inside /proc" "$out"
# A volume on the root itself would be the root of every exec (setns
# takes the mount on top): refused too.
out=$(E run --rm --network none rootimg true 2>&1)
contains "VOLUME through a link to /: refused" "the container's root" "$out"
for dst in /proc /proc/sys /proc/self/fd /proc/1; do
	out=$(E run --rm --network none --tmpfs "$dst" busybox true 2>&1)
	contains "--tmpfs $dst: refused" "inside /proc" "$out"
done
out=$(E run --rm --network none -v "$tmp/marker:/proc/sys/kernel" busybox true 2>&1)
contains "-v onto /proc/sys/kernel: refused" "inside /proc" "$out"
no_markers "nothing written to the host directory"

# No hostile image needed: a container with an ordinary volume at
# /srv/app writes the link into it, renames /srv away and leaves a link
# /srv/app -> /dev, so that its next start mounts the volume on /dev.
id=$(E run -d --network none -v vapp:/srv/app busybox sh -c '
	if [ -e /srv.old ]; then echo escaped > /proc/keys; cat /proc/sys/kernel/domainname; exit 0; fi
	ln -s /proc/sys/kernel/domainname /srv/app/null && mv /srv /srv.old && mkdir /srv &&
	ln -s /dev /srv/app && echo swapped')
E wait "$id" >/dev/null
check "a container's own swap: /srv/app is a link to /dev" "swapped" "$(E logs "$id" 2>&1)"
out=$(E start "$id" 2>&1)
E wait "$id" >/dev/null 2>&1
out="$out $(E logs "$id" 2>&1)"
lacks "restarted over its swap: no sysctl written through a mask" "escaped" "$out"
contains "restarted over its swap: refused, naming /dev/null" "not the null device" "$out"
E rm -f "$id" >/dev/null

# The masks still hold for an ordinary container.
out=$(E run --rm --network none $P busybox /probe openw /proc/sys/kernel/domainname /proc/sysrq-trigger)
contains "/proc/sys stays read-only" "domainname: EROFS" "$out"
out=$(E run --rm --network none busybox sh -c 'cat /proc/keys | wc -c; ls /proc/acpi | wc -l')
check "masked files read empty, masked directories list nothing" "0
0" "$out"
finish
