#!/bin/sh
# The container CLI end to end (as root, on its own engine root and cgroup
# parent): run flags and exit statuses, env precedence, users, mounts,
# limits, security, and a detached container driven by separate CLI calls.
set -u
. "$(dirname "$0")/lib.sh"
it_require_root
it_require_busybox
. "$(dirname "$0")/netns.inc"
it_engine_root runtime

E default >/dev/null || { echo "FAIL: engine default"; exit 1; }

# exit statuses
E run --rm busybox true; check "exit 0" 0 $?
E run --rm busybox sh -c 'exit 3'; check "exit 3" 3 $?
E run --rm busybox nope 2>/dev/null; check "not found 127" 127 $?
E run --rm busybox /etc/passwd 2>/dev/null; check "not executable 126" 126 $?
E run --rm nope true 2>/dev/null; check "unknown image 125" 125 $?
out=$(E run --rm busybox -v 2>&1); check "bad flag after image is the command" 127 $?
E run --rm -v not/a/name:/x busybox true 2>/dev/null; check "bad volume 125" 125 $?

# env: image ENV < --env-file < -e, KEY passthrough
printf 'A=file\nB=file\n# c\n' > "$root/env.list"
out=$(PASS=through E run --rm --env-file "$root/env.list" -e B=cli -e PASS -e PATH=/bin busybox sh -c 'echo $A.$B.$PASS.$PATH')
check "env precedence" "file.cli.through./bin" "$out"

# user, workdir, hostname
check "user by name" "65534" "$(E run --rm -u nobody busybox id -u)"
check "user uid:gid" "1234:5678" "$(E run --rm -u 1234:5678 busybox sh -c 'echo $(id -u):$(id -g)')"
check "workdir" "/a/b" "$(E run --rm -w /a/b busybox pwd)"
check "hostname" "h1" "$(E run --rm --hostname h1 busybox hostname)"

# mounts
mkdir "$root/vol"
E run --rm -v "$root/vol:/data" busybox sh -c 'echo kept > /data/f'
check "volume persists" "kept" "$(E run --rm -v "$root/vol:/data:ro" busybox cat /data/f)"
E run --rm -v "$root/vol:/data:ro" busybox sh -c 'echo x > /data/g' 2>/dev/null; check "ro volume" 1 $?
check "read-only + tmpfs" "ro tmp" "$(E run --rm --read-only --tmpfs /tmp busybox sh -c 'touch /x 2>/dev/null && echo rw || echo ro; touch /tmp/y && echo tmp' | tr '\n' ' ' | sed 's/ $//')"

# limits and security
E run --name hog -m 16m busybox dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; check "oom exit" 137 $?
check "oom inspect" '"OOMKilled":true,' "$(E inspect hog | tr -d ' ' | grep OOMKilled)"
E rm hog >/dev/null
E run --rm --timeout 0.5 busybox sleep 30 2>/dev/null; check "timeout" 137 $?
E run --rm busybox unshare -U true 2>/dev/null; check "seccomp default blocks unshare" 1 $?
E run --rm --security-opt seccomp=unconfined busybox unshare -U true; check "seccomp unconfined" 0 $?
E run --rm --cap-drop CHOWN busybox sh -c 'touch /f; chown 1 /f' 2>/dev/null; check "cap-drop chown" 1 $?
E run --rm busybox sh -c 'touch /f; chown 1 /f'; check "default chown" 0 $?
check "pids limit" 1 "$(E run --rm --pids-limit 5 busybox sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 3 & done' 2>&1 | grep -c "can't fork" | sed 's/[2-9]/1/')"
check "network none" "lo" "$(E run --rm --network none busybox ls /sys/class/net)"
check "default network is the bridge" "eth0 lo" "$(E run --rm busybox ls /sys/class/net | tr '\n' ' ' | sed 's/ $//')"

# a detached container, driven by separate CLI calls
id=$(E run -d --name bg busybox sh -c 'echo up; trap "echo bye; exit 0" TERM; while true; do sleep 0.1; done')
check "detach prints full id" 64 "${#id}"
sleep 0.3
check "ps shows it" "bg" "$(E ps --format '{{.Names}}')"
check "exec" "in bg" "$(E exec -e X=bg bg sh -c 'echo in $X')"
E exec bg nope 2>/dev/null; check "exec not found" 127 $?
E pause bg >/dev/null && check "paused" "paused" "$(E inspect bg | tr -d ' ' | sed -n 's/"Status":"\(.*\)",/\1/p')"
E unpause bg >/dev/null
E stats --no-stream bg | grep -q "bg"; check "stats" 0 $?
E stop -t 5 bg >/dev/null
check "stop then wait" 0 "$(E wait bg)"
check "logs" "up bye" "$(E logs bg | tr '\n' ' ' | sed 's/ $//')"
E rm bg >/dev/null; check "rm" 0 $?
E inspect bg >/dev/null 2>&1; check "gone" 1 $?

it_check_nothing_left
it_done
