#!/bin/sh
# Escape 3: every container gets its own cgroup and Docker's device policy,
# limits or not. Without it `run --rm` (engine_run) could mknod a block
# device and open it, and an image that ships a device node gave it even to
# `-u 1000 --cap-drop ALL`. Nodes are only opened read-only, never read.
# Nor does the host's console (c 5:1, which Docker allows) made with mknod.
# Also: the nodes Docker allows still work, and the mounts Docker makes
# nodev are nodev.
. "$(dirname "$0")/lib.sh"

# An image whose rootfs ships device nodes (outside /dev, which is a tmpfs).
/usr/bin/python3 - "$tmp/devimg.tar" /bin/busybox "$tmp/probe" <<'PY'
import sys, tarfile
out, busybox, probe = sys.argv[1:]
t = tarfile.open(out, "w")
for name, path in (("bin/busybox", busybox), ("probe", probe)):
    ti = t.gettarinfo(path, name); ti.uid = ti.gid = 0; ti.mode = 0o755
    with open(path, "rb") as f:
        t.addfile(ti, f)
for name in ("bin/sh", "bin/cat"):
    ti = tarfile.TarInfo(name); ti.type = tarfile.SYMTYPE; ti.linkname = "busybox"; t.addfile(ti)
for name, typ, major, minor in (("dev-kvm", tarfile.CHRTYPE, 10, 232), ("dev-hwrng", tarfile.CHRTYPE, 10, 183),
                                ("dev-loop0", tarfile.BLKTYPE, 7, 0)):
    ti = tarfile.TarInfo(name); ti.type = typ; ti.devmajor = major; ti.devminor = minor; ti.mode = 0o666
    t.addfile(ti)
t.close()
PY
E import "$tmp/devimg.tar" devimg >/dev/null || { echo "FAIL: import the device image"; exit 1; }

out=$(E run --rm $P busybox /probe mknod /tmp/loop0 b 7 0)
contains "run --rm: mknod works (CAP_MKNOD)" "mknod /tmp/loop0: ok" "$out"
contains "run --rm: a made block device does not open" "open /tmp/loop0: EPERM" "$out"
out=$(E run --rm $P busybox /probe mknod /tmp/kvm c 10 232)
contains "run --rm: a made char device does not open" "open /tmp/kvm: EPERM" "$out"
# The host's console, a pty of the host's and its ptmx, made with mknod:
# none opens (Docker allows c 5:1, the console; only a node made so is it).
out=$(E run --rm $P busybox sh -c '/probe mknod /tmp/console c 5 1; /probe mknod /tmp/pts0 c 136 0
	/probe mknod /tmp/ptmx c 5 2')
contains "run --rm: a made host console (c 5:1) does not open" "open /tmp/console: EPERM" "$out"
contains "run --rm: a made host pty does not open" "open /tmp/pts0: E" "$out"
lacks "run --rm: a made ptmx opens no pty of the host's" "open /tmp/ptmx: ok" "$out"
id=$(E run -d $P busybox sleep 600)
out=$(E exec "$id" /probe mknod /tmp/console c 5 1)
contains "exec: a made host console does not open" "open /tmp/console: EPERM" "$out"
E rm -f "$id" >/dev/null
# -t: the container's /dev/console is its own pty, which opens.
out=$(in_pty "$ENGINE_BUILD/tools/engine" --root "$root" --config "$tmp/config.json" run --rm -t $P busybox \
	/probe opendev /dev/console)
contains "run -t: the container's /dev/console opens" "open /dev/console: ok" "$out"
out=$(E run --rm -u 1000 --cap-drop ALL devimg /probe opendev /dev-kvm /dev-hwrng /dev-loop0)
contains "image's /dev-kvm, -u 1000 --cap-drop ALL" "open /dev-kvm: EPERM" "$out"
contains "image's /dev-hwrng" "open /dev-hwrng: EPERM" "$out"
contains "image's /dev-loop0" "open /dev-loop0: EPERM" "$out"
out=$(E run --rm --memory 64m -u 1000 devimg /probe opendev /dev-kvm)
contains "with a limit too" "open /dev-kvm: EPERM" "$out"

id=$(E run -d $P devimg /bin/busybox sleep 600)
out=$(E exec "$id" /probe opendev /dev-kvm /dev-loop0)
contains "exec: image's /dev-kvm" "open /dev-kvm: EPERM" "$out"
contains "exec: image's /dev-loop0" "open /dev-loop0: EPERM" "$out"
E rm -f "$id" >/dev/null

out=$(E run --rm $P busybox /probe opendev /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/ptmx)
for d in null zero full random urandom ptmx; do
	contains "Docker's default /dev/$d opens" "open /dev/$d: ok" "$out"
done

# nodev where Docker has it (and not on /dev, /dev/pts: they hold the nodes).
mi=$(E run --rm --tmpfs /scratch busybox cat /proc/self/mountinfo)
for m in /proc /sys /dev/shm /dev/mqueue /scratch; do
	line=$(echo "$mi" | awk -v m="$m" '$5 == m { print $6 }' | head -n1)
	contains "nodev on $m" nodev "$line"
done

left=$(find /sys/fs/cgroup/*/"$parent" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -n3)
check "no container cgroup left behind" "" "$left"
finish
