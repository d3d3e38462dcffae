#!/bin/sh
# Host-side reads of a running container's writable layer: commit
# --pause=false (the layer is read while the container runs) stat'ed each
# name and then opened it by name. The container swaps (renameat2
# RENAME_EXCHANGE) regular files with block device nodes of a host disk —
# here a loop device of this test's own over a file of marker lines, which
# the device cgroup keeps the container itself from opening — so the
# commit read the host device into the image, where the container's owner
# reads it. The layer is now read from the inode that was stat'ed.
. "$(dirname "$0")/lib.sh"
command -v losetup >/dev/null || { echo "skip: no losetup"; exit 77; }

/usr/bin/python3 -c 'import sys; open(sys.argv[1], "wb").write((b"HOSTDISKSECRET\n" * 300)[:4096])' "$tmp/disk.img"
lo=$(losetup -f --show "$tmp/disk.img") || { echo "skip: no loop device"; exit 77; }
trap 'losetup -d "$lo"; escape_cleanup' EXIT
major=$(stat -L -c %t "$lo") minor=$(stat -L -c %T "$lo")
major=$((0x$major)) minor=$((0x$minor))

id=$(E run -d --network none $P busybox /probe swapnode /d 20 b $major $minor 600)
[ -n "$id" ] || { echo "FAIL: start the swapping container"; exit 1; }
i=0
while [ $i -lt 50 ] && ! E logs "$id" 2>&1 | grep -q 'swapnode: ready'; do sleep 0.1; i=$((i + 1)); done
contains "the container swaps files with device nodes" "swapnode: ready" "$(E logs "$id" 2>&1)"
# A node of its own, not one of the swapped names: those turn back into
# regular files between the test and the open.
out=$(E exec "$id" sh -c "mknod /tmp/ctl b $major $minor && { cat /tmp/ctl >/dev/null 2>&1 && echo opened || echo refused; }")
check "control: the container cannot open the device itself" refused "$out"

n=0 leaked=0 made=0
while [ $n -lt 20 ] && [ "$leaked" = 0 ]; do
	if E commit --pause=false "$id" "racy:$n" >/dev/null 2>&1; then
		made=$((made + 1))
		leaked=$(E run --rm --network none "racy:$n" sh -c 'cat /d/f* /d/.n* 2>/dev/null | grep -c HOSTDISKSECRET')
	fi
	n=$((n + 1))
done
E rm -f "$id" >/dev/null
check "commit --pause=false: no image holds the host device's bytes ($made of $n commits made)" 0 "$leaked"
check "commit --pause=false: the commits succeed while files are swapped" 1 "$([ $made -gt 0 ] && echo 1)"
finish
