#!/bin/sh
# `engine daemon` driven by the real Docker CLI: version negotiation, info,
# ps, images, run --rm (exit statuses, stdout/stderr), run -d + logs (-f) +
# exec + stop + rm, wait, inspect, rename, pause, kill, restart, system df,
# a restart of the daemon with a running container (live restore).
set -u
. "$(dirname "$0")/daemon_common.inc"
start_daemon
D() { timeout 60 "$DOCKER" "$@"; }

D version --format '{{.Server.APIVersion}}' >"$root/out" 2>&1; check "version api" "1.41" "$(cat "$root/out")"
check "info os" "linux" "$(D info --format '{{.OSType}}')"
check "images lists busybox" "busybox" "$(D images --format '{{.Repository}}' | head -n1)"
check "ps -a empty" "" "$(D ps -a -q)"

out=$(D run --rm --network none busybox echo hi 2>&1); check "run --rm output" "hi" "$out"
D run --rm --network none busybox sh -c 'exit 3'; check "run exit 3" 3 $?
D run --rm --network none busybox nope 2>/dev/null; check "run not found 127" 127 $?
D run --rm --network none busybox /etc/passwd 2>/dev/null; check "run not executable 126" 126 $?
out=$(D run --rm --network none busybox sh -c 'echo out; echo err >&2' 2>"$root/err")
check "run stdout" "out" "$out"; check "run stderr" "err" "$(cat "$root/err")"
check "run --rm leaves nothing" "" "$(D ps -a -q)"
out=$(D run --rm --network none -e A=1 -w /tmp -u 1000 busybox sh -c 'echo $A $(pwd) $(id -u)')
check "env, workdir, user" "1 /tmp 1000" "$out"

id=$(D run -d --network none --name long busybox sh -c 'trap "exit 0" TERM; echo started; while :; do sleep 0.1; done')
check "run -d gives an ID" 64 "${#id}"
i=0; while [ "$(D logs long 2>&1)" != "started" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "logs" "started" "$(D logs long)"
check "logs -f (bounded)" "started" "$(timeout 2 "$DOCKER" logs -f long)"
check "ps shows it" "long" "$(D ps --format '{{.Names}}')"
check "inspect running" "running" "$(D inspect -f '{{.State.Status}}' long)"
out=$(D exec long sh -c 'echo in-exec; exit 4'); rc=$?
check "exec output" "in-exec" "$out"; check "exec exit code" 4 $rc
check "exec -i stdin" "piped" "$(echo piped | D exec -i long cat)"
D top long >"$root/top" 2>&1; grep -q "while" "$root/top"; check "top lists the shell" 0 $?
D stats --no-stream --format '{{.Name}} {{.PIDs}}' long >"$root/stats" 2>&1
case "$(cat "$root/stats")" in "long "[0-9]*) r=0 ;; *) r=1; cat "$root/stats" ;; esac; check "stats --no-stream" 0 $r
echo from-host >"$root/f.txt"
D cp "$root/f.txt" long:/tmp/f.txt; check "cp into the container" "from-host" "$(D exec long cat /tmp/f.txt)"
D exec long sh -c 'echo from-ct > /tmp/g.txt'
D cp long:/tmp/g.txt "$root/g.txt"; check "cp out of the container" "from-ct" "$(cat "$root/g.txt" 2>&1)"
D cp long:/nonexistent "$root/x" 2>/dev/null; check "cp of a missing path fails" 1 $?
D diff long >"$root/diff" 2>&1; grep -q "A /tmp/f.txt" "$root/diff"; check "diff shows the copied file" 0 $?
D export long | tar -tf - 2>/dev/null | grep -q "^bin/busybox$"; check "export is a tar of the rootfs" 0 $?
D commit -c 'CMD ["cat", "/tmp/f.txt"]' long committed:1 >/dev/null; check "commit" 0 $?
check "committed image has the file and CMD" "from-host" "$(D run --rm --network none committed:1 2>/dev/null)"
D rmi committed:1 >/dev/null
# docker update sends every member of Resources, zeros and nulls included
D update --memory 64m --memory-swap 128m --pids-limit 50 long >/dev/null; check "update" 0 $?
check "update applied" "67108864 50" "$(D inspect -f '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}' long)"
D update --cpus 0.5 --restart always long >/dev/null; check "update --cpus --restart" 0 $?
check "update's restart policy" "always" "$(D inspect -f '{{.HostConfig.RestartPolicy.Name}}' long)"
D update --restart no long >/dev/null
D update --cpuset-mems 0 long 2>"$root/err"; check "update of what it cannot change fails" 1 $?
grep -q "CpusetMems cannot be changed" "$root/err"; check "and says which" 0 $?
D pause long >/dev/null; check "pause" "paused" "$(D inspect -f '{{.State.Status}}' long)"
D unpause long >/dev/null; check "unpause" "running" "$(D inspect -f '{{.State.Status}}' long)"
D rename long long2; check "rename" "long2" "$(D ps --format '{{.Names}}')"
D stop -t 5 long2 >/dev/null; check "stop" "exited" "$(D inspect -f '{{.State.Status}}' long2)"
check "exit code after stop" "0" "$(D inspect -f '{{.State.ExitCode}}' long2)"
D start long2 >/dev/null; check "start again" "running" "$(D inspect -f '{{.State.Status}}' long2)"
D kill long2 >/dev/null; check "wait after kill" "137" "$(D wait long2)"
D rm long2 >/dev/null; check "rm" "" "$(D ps -a -q)"
D rm nosuch 2>"$root/err"; check "rm unknown fails" 1 $?
grep -q "No such container: nosuch" "$root/err"; check "rm unknown message" 0 $?

# docker run -d drops its wait connection: the daemon must shrug that off.
id=$(D run -d --network none busybox sh -c 'sleep 1; exit 5')
check "wait for a -d run" "5" "$(D wait "$id")"
D rm "$id" >/dev/null
D system df >/dev/null; check "system df" 0 $?

# --- what a side-by-side sweep against dockerd 20.10 turned up
D run --rm --network none -u nouser busybox true 2>"$root/err"; check "run -u unknown user: 125" 125 $?
check "its message" "docker: Error response from daemon: unable to find user nouser: no matching entries in passwd file" \
	"$(head -n1 "$root/err")"
D run --rm --network none busybox /etc 2>"$root/err"; check "run of a directory: 126" 126 $?
grep -q 'runc create failed: unable to start container process: exec: "/etc": permission denied: unknown' "$root/err"
check "in runc's words" 0 $?
D run -d --name sweep --network none -v sweepvol:/data busybox sleep 100 >/dev/null
D exec sweep nope >"$root/out" 2>"$root/err"; check "exec not found: 126 (dockerd 20.10)" 126 $?
check "exec failure on stdout" 'OCI runtime exec failed: exec failed: unable to start container process: exec: "nope": executable file not found in $PATH: unknown' \
	"$(tr -d '\r' <"$root/out")"
check "nothing on stderr" "" "$(cat "$root/err")"
D exec -u nouser sweep true >"$root/out"; check "exec -u unknown: 126" 126 $?
check "its message" "unable to find user nouser: no matching entries in passwd file" "$(tr -d '\r' <"$root/out")"
check "exec -w missing" 'OCI runtime exec failed: exec failed: unable to start container process: chdir to cwd ("/nope") set in config.json failed: no such file or directory: unknown' \
	"$(D exec -w /nope sweep true | tr -d '\r')"
D run --name sweep2 --network none busybox sh -c 'exit 3'
check "ps ancestor=name:tag" "2" "$(D ps -a -q --filter ancestor=busybox:latest | wc -l)"
check "ps ancestor=short id" "2" "$(D ps -a -q --filter ancestor="$(D images -q busybox)" | wc -l)"
check "ps volume=name" "sweep" "$(D ps -a --filter volume=sweepvol --format '{{.Names}}')"
check "ps volume=destination" "sweep" "$(D ps -a --filter volume=/data --format '{{.Names}}')"
check "ps volume=other" "" "$(D ps -a --filter volume=other --format '{{.Names}}')"
D ps --filter exited=x >/dev/null 2>"$root/err"; check "ps exited=x fails" 1 $?
grep -q 'strconv.Atoi: parsing "x": invalid syntax' "$root/err"; check "with Go's message" 0 $?
check "ps Command quotes an argument with a space" "\"sh -c 'exit 3'\"" \
	"$(D ps -a --no-trunc --filter name=sweep2 --format '{{.Command}}')"
D rm -f -v sweep sweep2 >/dev/null; D volume rm sweepvol >/dev/null
check "--tmpfs is noexec,nosuid,nodev" "tmpfs on /x type tmpfs (rw,nosuid,nodev,noexec,relatime)" \
	"$(D run --rm --network none --tmpfs /x busybox sh -c 'mount | grep " /x "')"
check "--tmpfs exec,ro and size" "tmpfs on /x type tmpfs (ro,nosuid,nodev,relatime,size=1024k)" \
	"$(D run --rm --network none --tmpfs /x:exec,ro,size=1m busybox sh -c 'mount | grep " /x "')"
check "groups: root's from the image, the primary group first, none from a given group" \
	"groups=0(root),10(wheel) groups=65534(nogroup) groups=1000 groups=0(root)" \
	"$(for u in "" nobody 1000:1000 0:0; do D run --rm --network none ${u:+-u $u} busybox id | grep -o 'groups=.*'; done | tr '\n' ' ' | sed 's/ $//')"
D run -d --name sweep3 --network none busybox sleep 100 >/dev/null
check "exec's groups too" "groups=0(root),10(wheel) groups=0(root)" \
	"$(D exec sweep3 id | grep -o 'groups=.*') $(D exec -u 1000 sweep3 id | grep -o 'groups=.*')"
D rm -f sweep3 >/dev/null
check "no no_new_privs by default (dockerd's), on with --security-opt" "0 1" \
	"$(for o in "" "--security-opt no-new-privileges"; do D run --rm --network none $o busybox sed -n 's/^NoNewPrivs:\t//p' /proc/self/status; done | tr '\n' ' ' | sed 's/ $//')"
D create --name sweep4 --network none --memory 64m busybox true >/dev/null
check "inspect: dockerd's nulls, no Init, MemorySwap twice Memory" "null null null null false 134217728" \
	"$(D inspect -f '{{json .HostConfig.SecurityOpt}} {{json .HostConfig.PidsLimit}} {{json .HostConfig.MemorySwappiness}} {{json .Config.Volumes}} {{with .HostConfig.Init}}true{{else}}false{{end}} {{.HostConfig.MemorySwap}}' sweep4)"
D rm sweep4 >/dev/null
D volume create sweepv >/dev/null
check "volume inspect: null Labels when none" "null" "$(D volume inspect -f '{{json .Labels}}' sweepv)"
D volume rm sweepv >/dev/null
D run -d --name sweep5 --network none busybox sleep 100 >/dev/null
D commit sweep5 sweeptag:1 >/dev/null
D run -d --name sweep6 --network none sweeptag:1 sleep 100 >/dev/null
D rmi sweeptag:1 2>"$root/err"; check "rmi of a tag a container uses" 1 $?
grep -q '(must force) - container [0-9a-f]\{12\} is using its referenced image [0-9a-f]\{12\}$' "$root/err"
check "names the container" 0 $?
D rmi "$(D images -q sweeptag:1)" 2>"$root/err"
grep -q '(cannot be forced) - image is being used by running container [0-9a-f]\{12\}$' "$root/err"
check "rmi by ID: the running container" 0 $?
D rm -f sweep6 >/dev/null; D rmi sweeptag:1 >/dev/null
D rename sweep5 sweep5 2>"$root/err"; check "rename to its own name fails" 1 $?
check "dockerd's message" "Error response from daemon: Renaming a container with the same name as its current name" "$(head -n1 "$root/err")"
check "kill of an unknown container" "Error response from daemon: Cannot kill container: nosuch: No such container: nosuch" \
	"$(D kill nosuch 2>&1)"
check "commit of a bad change" "Error response from daemon: bogus is not a valid change command" \
	"$(D commit -c 'BOGUS x' sweep5 x:1 2>&1)"
check "cp under a file" "Error response from daemon: extraction point is not a directory" \
	"$(D cp "$root/f.txt" sweep5:/etc/passwd/x 2>&1)"
D rm -f sweep5 >/dev/null
D tag busybox sweepimg:1
D create --name sweep7 --network none sweepimg:1 true >/dev/null
check "ps: the image as given" "sweepimg:1" "$(D ps -a --filter name=sweep7 --format '{{.Image}}')"
D rmi sweepimg:1 >/dev/null
check "ps: the image's ID once the reference is gone" "$(D images -q --no-trunc busybox)" \
	"$(D ps -a --no-trunc --filter name=sweep7 --format '{{.Image}}')"
D rm sweep7 >/dev/null
check "image inspect of an unknown image: dockerd's API message" \
	'{"message":"no such image: nosuch: No such image: nosuch:latest"}' \
	"$(curl -s --unix-socket "$sock" http://d/v1.41/images/nosuch/json)"
check "--memory below 6MB: dockerd's message" "docker: Error response from daemon: Minimum memory limit allowed is 6MB" \
	"$(D run --rm --network none --memory 1k busybox true 2>&1 | head -n1)"
check "--kernel-memory: dockerd's warning, the run goes on" "WARNING: Specifying a kernel memory limit is deprecated and will be removed in a future release. 0" \
	"$( (D run --rm --network none --kernel-memory 10m busybox true 2>&1; echo $?) | tr '\n' ' ' | sed 's/ $//')"
D run -d --name sweep8 --network none busybox sleep 100 >/dev/null
check "update --memory below 6MB" "Error response from daemon: Minimum memory limit allowed is 6MB" \
	"$(D update --memory 1k sweep8 2>&1)"
check "update --kernel-memory: a warning" "sweep8 Specifying a kernel memory limit is deprecated and will be removed in a future release." \
	"$(D update --kernel-memory 10m sweep8 2>&1 | tr '\n' ' ' | sed 's/ $//')"
D rm -f sweep8 >/dev/null
n=$(getconf _NPROCESSORS_ONLN)
check "--cpus beyond the host: dockerd's range" \
	"docker: Error response from daemon: Range of CPUs is from 0.01 to $n.00, as there are only $n CPUs available" \
	"$(D run --rm --network none --cpus 1000 busybox true 2>&1 | head -n1)"
check "--cpuset-cpus the host lacks" \
	"docker: Error response from daemon: Requested CPUs are not available - requested 999, available: $(cat /sys/devices/system/cpu/online)" \
	"$(D run --rm --network none --cpuset-cpus 999 busybox true 2>&1 | head -n1)"
D run --rm --network none --device /dev/nonexist busybox true 2>/dev/null; check "--device missing: 127 as with dockerd" 127 $?
check "-w relative" "docker: Error response from daemon: the working directory 'rel' is invalid, it needs to be an absolute path" \
	"$(D run --rm --network none -w rel busybox true 2>&1 | head -n1)"
D run -d --name sweep9 --network none busybox sleep 100 >/dev/null; D pause sweep9 >/dev/null
check "exec in a paused container names it as given" \
	"Error response from daemon: Container sweep9 is paused, unpause the container before exec" "$(D exec sweep9 true 2>&1)"
D rm -f sweep9 >/dev/null
check "info: the volume and network drivers" "[local] [bridge host null]" "$(D info --format '{{.Plugins.Volume}} {{.Plugins.Network}}')"
check "--cap-add unknown" 'docker: Error response from daemon: invalid CapAdd: unknown capability: "CAP_BOGUS"' \
	"$(D run --rm --network none --cap-add BOGUS busybox true 2>&1 | head -n1)"
check "--restart unknown" "docker: Error response from daemon: invalid restart policy 'bogus'" \
	"$(D run --network none --restart bogus busybox true 2>&1 | head -n1)"

t0=$(date +%s)
D run --rm --name evt --network none busybox true
D events --since "$t0" --until "$(( $(date +%s) + 1 ))" --filter container=evt --format '{{.Action}}' >"$root/ev" 2>&1
check "events of a run --rm" "create attach start die destroy" "$(tr '\n' ' ' <"$root/ev" | sed 's/ $//')"
D events --since "$t0" --until "$(( $(date +%s) + 1 ))" --filter event=die --format '{{.Actor.Attributes.exitCode}}' \
	>"$root/ev" 2>&1
grep -q "^0$" "$root/ev"; check "events filter on die with exitCode" 0 $?
t0=$(date +%s)
D run --rm --name evt2 --network none -v evvol:/x busybox true
D run -d --name evt3 --network none busybox sleep 100 >/dev/null
D restart -t 0 evt3 >/dev/null
D rm -f evt3 >/dev/null; D volume rm evvol >/dev/null
sleep 0.5
D events --since "$t0" --until "$(( $(date +%s) + 1 ))" --filter type=network --filter type=volume \
	--format '{{.Type}} {{.Action}}' >"$root/ev" 2>&1
check "network and volume events of a run, as dockerd's" \
	"network connect,volume mount,network disconnect,volume unmount" \
	"$(head -n 4 "$root/ev" | tr '\n' ',' | sed 's/,$//')"
D events --since "$t0" --until "$(( $(date +%s) + 1 ))" --filter container=evt3 --format '{{.Action}}{{with .Actor.Attributes.signal}} {{.}}{{end}}' >"$root/ev" 2>&1
# (die comes from the container's monitor: before or after stop)
check "restart's events" "die,kill 15,restart,start,stop" \
	"$(sed -n '/^kill 15$/,/^restart$/p' "$root/ev" | sort | tr '\n' ',' | sed 's/,$//')"

# Live restore: a container outlives the daemon, the next daemon manages it.
id=$(D run -d --network none busybox sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done')
kill -9 "$dpid"; wait "$dpid" 2>/dev/null; dpid=""
rm -f "$sock"
start_daemon
check "running after daemon kill -9" "running" "$(D inspect -f '{{.State.Status}}' "$id")"
check "exec after restart" "ok" "$(D exec "$id" echo ok)"
D stop "$id" >/dev/null; check "stop after restart" "exited" "$(D inspect -f '{{.State.Status}}' "$id")"
D rm "$id" >/dev/null
id=$(D run -d --rm --network none busybox sleep 1)
stop_daemon
sleep 1.5
start_daemon
check "--rm container that exited while the daemon was down is removed" "" "$(D ps -a -q)"

stop_daemon
grep -q "Daemon shutdown complete" "$root/daemon.log"; check "clean shutdown on SIGTERM" 0 $?
[ ! -e "$root/daemon.pid" ]; check "pidfile removed" 0 $?
echo "$fails failed"
[ $fails -eq 0 ]
