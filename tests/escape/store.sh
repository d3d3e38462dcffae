#!/bin/sh
# Host-side exposure and exhaustion, as far as the runtime goes. Store
# permissions: an unprivileged host user cannot list containers, read a
# container's config (its env holds secrets), state or logs, reach its
# rootfs or the image layers (setuid binaries), read blobs, or reach a
# volume (where a container can leave device nodes). Resource
# exhaustion: --pids-limit stops a fork bomb inside its cgroup, --memory
# OOM-kills inside it and says so, and /dev and /dev/shm are size-capped
# tmpfs. (No limit by default, as in Docker.)
. "$(dirname "$0")/lib.sh"
command -v setpriv >/dev/null || { echo "skip: no setpriv"; exit 77; }

id=$(E run -d -e SECRET=hunter2 busybox sh -c 'echo logline; exec sleep 600')
cdir=$root/containers/$id
as_nobody() { setpriv --reuid 65534 --regid 65534 --clear-groups -- "$@" 2>/dev/null; }
check "control: root reads the config" 1 "$(grep -c hunter2 "$cdir/config.json")"
check "nobody cannot list containers/" "" "$(as_nobody ls "$root/containers")"
check "nobody cannot read the config (env)" "" "$(as_nobody cat "$cdir/config.json")"
check "nobody cannot read the logs" "" "$(as_nobody cat "$cdir/stdout.log")"
check "nobody cannot read the state" "" "$(as_nobody cat "$cdir/state.json")"
check "nobody cannot enter the rootfs" "" "$(as_nobody ls "$cdir/rootfs/bin")"
check "nobody cannot reach image layers" "" "$(as_nobody ls "$root/layers")"
check "nobody cannot list blobs" "" "$(as_nobody ls "$root/blobs/sha256")"
check "nobody cannot read the seccomp cache" "" "$(as_nobody ls "$root/cache")"
check "control: nobody can traverse the root" 0 "$(as_nobody test -x "$root"; echo $?)"
E rm -f "$id" >/dev/null
# A container's root makes device nodes in a volume (CAP_MKNOD, as in
# Docker): on the host they sit in the volume's directory, out of reach.
E run --rm --network none -v vdev:/v busybox sh -c 'mknod -m 666 /v/node c 1 3 && mkdir -m 777 /v/open' ||
	fail "make a device node in a volume" "mknod failed"
check "control: the node is on the host" 1 "$(test -c "$root/volumes/vdev/_data/node" && echo 1)"
check "nobody cannot list volumes/" "" "$(as_nobody ls "$root/volumes")"
check "nobody cannot open a device node a container made in a volume" 1 \
	"$(as_nobody sh -c "echo x > $root/volumes/vdev/_data/node" || echo 1)"
check "nobody cannot reach a world-writable directory in a volume" "" \
	"$(as_nobody sh -c "touch $root/volumes/vdev/_data/open/x && echo reached")"

bomb='for i in $(seq 60); do sleep 5 & done; echo loop-done'
out=$(E run --rm --pids-limit 20 busybox sh -c "$bomb" 2>&1)
contains "--pids-limit 20 stops a fork bomb" "can't fork" "$out"
out=$(E run --rm busybox sh -c "$bomb" 2>&1)
check "control: without the limit all 60 start" "loop-done" "$out"
E run --rm --memory 32m busybox sh -c 'x=$(head -c 200000000 /dev/zero | tr "\0" a); echo $x | wc -c' >/dev/null 2>&1
check "--memory 32m: OOM-killed inside (exit 137)" 137 $?
out=$(E run --rm busybox sh -c 'dd if=/dev/zero of=/dev/shm/f bs=1M count=100 2>&1; dd if=/dev/zero of=/dev/f bs=1M count=100 2>&1; df -k /dev /dev/shm')
contains "/dev/shm is capped (64 MiB)" "No space left on device" "$out"
check "both /dev and /dev/shm are 64 MiB tmpfs" 2 "$(echo "$out" | grep -c ' 65536 ')"
finish
