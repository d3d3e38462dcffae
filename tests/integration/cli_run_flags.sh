#!/bin/sh
# docker run's --stop-signal, --stop-timeout, --pull and --platform, and its
# flag errors, checked against Docker's documented behaviour. The pulls come
# from an `engine registry serve` of a second root on 127.0.0.1, in a
# network namespace of the script's own.
set -u
. "$(dirname "$0")/lib.sh"
it_require_root
it_require_busybox
. "$(dirname "$0")/netns.inc"
it_engine_root runflags
it_tmpdir
SRV_PID=
stop_server() { [ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null; it_cleanup; }
trap stop_server EXIT

E default >/dev/null || { echo "FAIL: engine default"; exit 1; }

# --stop-signal: engine stop sends it (the container's trap answers it).
E run -d --network none --name sig --stop-signal SIGUSR1 busybox \
	sh -c 'trap "echo got USR1; exit 3" USR1; echo ready; while true; do sleep 0.1; done' >/dev/null
i=0; while [ "$(E logs sig 2>/dev/null)" != ready ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "inspect StopSignal" "SIGUSR1" "$(E inspect -f '{{.Config.StopSignal}}' sig)"
E stop sig >/dev/null
check "stop sent the stop signal" "ready got USR1" "$(E logs sig | paste -sd' ' -)"
check "exit code from the trap" 3 "$(E inspect -f '{{.State.ExitCode}}' sig)"
E rm sig >/dev/null

# --stop-timeout: a container ignoring SIGTERM is killed after it.
E run -d --network none --name slow --stop-timeout 1 busybox sh -c 'trap "" TERM; while true; do sleep 0.1; done' >/dev/null
check "inspect StopTimeout" 1 "$(E inspect -f '{{.Config.StopTimeout}}' slow)"
E stop slow >/dev/null
check "killed after the stop timeout" 137 "$(E inspect -f '{{.State.ExitCode}}' slow)"
check "no StopTimeout unless set" "<no value>" "$(E inspect -f '{{.Config.StopTimeout}}' "$(E create --network none busybox true)")"
E run --stop-signal NOPE busybox true 2>"$T/err"; check "bad stop signal exits 125" 125 $?
contains "bad stop signal named" 'invalid stop signal "NOPE"' "$(cat "$T/err")"
E run --stop-timeout soon busybox true 2>/dev/null; check "bad stop timeout exits 125" 125 $?

# --pull and --platform
# --tmpfs: mount(8)'s flag words are flags (dirsync too), a bind or a
# remount is no tmpfs option.
check "--tmpfs flag words" "tmpfs /x tmpfs rw,dirsync,nosuid,nodev,noexec,relatime,size=1024k 0 0" \
	"$(E run --rm --network none --tmpfs /x:rw,noexec,size=1m,dirsync busybox grep ' /x ' /proc/mounts)"
E run --rm --network none --tmpfs /x:rbind busybox true 2>"$T/err"; check "--tmpfs /x:rbind exits 125" 125 $?
check "--tmpfs /x:rbind says why" 'Error: tmpfs /x: option "rbind" is not for a tmpfs' "$(cat "$T/err")"
E run --pull sometimes busybox true 2>"$T/err"; check "bad --pull exits 125" 125 $?
contains "bad --pull named" "invalid pull option: 'sometimes'" "$(cat "$T/err")"
E run --pull never --network none nosuch:1 true 2>"$T/err"; check "--pull never of a missing image" 125 $?
check "--pull never says so" "Error: No such image: nosuch:1" "$(cat "$T/err")"
E run --platform linux/s390x busybox true 2>"$T/err"; check "another platform exits 125" 125 $?
contains "another platform refused by name" '--platform "linux/s390x": this engine runs linux/' "$(cat "$T/err")"
check "this platform runs" ok "$(E run --rm --network none --platform "linux/$(E version -f '{{.Server.Arch}}')" busybox echo ok)"

root2=$(mktemp -d /tmp/engine-it-runflags-reg-XXXXXX)
"$ENGINE_BUILD/tools/engine" --root "$root2" default >/dev/null
"$ENGINE_BUILD/tools/engine" --root "$root2" tag busybox:latest served/bb:1
"$ENGINE_BUILD/tools/engine" --root "$root2" registry serve --addr 127.0.0.1:0 >"$T/srv.log" 2>&1 &
SRV_PID=$!
i=0; while ! grep -q "listening on" "$T/srv.log" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
SRV=127.0.0.1:$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$T/srv.log")
check "run pulls a missing image (--pull missing is the default)" hi \
	"$(E run --rm --network none "$SRV/served/bb:1" echo hi 2>"$T/err")"
contains "and says it was not there" "Unable to find image '$SRV/served/bb:1' locally" "$(cat "$T/err")"
check "the image is now in the store" "$SRV/served/bb" "$(E images "$SRV/served/bb:1" --format '{{.Repository}}')"
check "present: no pull" "" "$(E create --network none "$SRV/served/bb:1" true 2>&1 >/dev/null)"
kill "$SRV_PID"; wait "$SRV_PID" 2>/dev/null; SRV_PID=
check "present: works without the registry" ok "$(E run --rm --network none "$SRV/served/bb:1" echo ok)"
E run --rm --network none --pull always "$SRV/served/bb:1" true 2>"$T/err"; check "--pull always pulls (registry gone)" 125 $?
contains "--pull always failed on the pull" "cannot connect" "$(cat "$T/err")"
E create --network none 127.0.0.1:1/gone:1 2>"$T/err" >/dev/null; check "create pulls too" 125 $?
contains "create tried the registry" "Unable to find image '127.0.0.1:1/gone:1' locally" "$(cat "$T/err")"
rm -rf "$root2"

# --privileged: every capability the engine holds, no seccomp filter, the
# host's devices, /sys writable, no masked paths; without it none of that.
priv=$(E run --rm --network none --privileged busybox sh -c \
	'grep -E "^(CapEff|Seccomp):" /proc/self/status | tr -d "\t" | paste -sd" " -; grep " /sys " /proc/mounts | cut -d" " -f4 | cut -d, -f1; ls /dev | wc -l; grep -c " /proc/[a-z]" /proc/mounts')
check "privileged: every capability, no seccomp" "CapEff:$(sed -n 's/^CapBnd:\t//p' /proc/self/status) Seccomp:0" "$(echo "$priv" | sed -n 1p)"
check "privileged: /sys writable" rw "$(echo "$priv" | sed -n 2p)"
check "privileged: the host's devices" "$(find /dev -maxdepth 1 \( -type c -o -type b \) ! -name console ! -name ptmx | wc -l | tr -d ' ')" \
	"$(E run --rm --network none --privileged busybox sh -c 'find /dev -maxdepth 1 \( -type c -o -type b \) ! -name console ! -name ptmx | wc -l')"
check "privileged: no masked /proc paths" 0 "$(echo "$priv" | sed -n 4p)"
plain=$(E run --rm --network none busybox sh -c 'grep "^Seccomp:" /proc/self/status | tr -d "\t"; grep " /sys " /proc/mounts | cut -d" " -f4 | cut -d, -f1')
check "not privileged: seccomp filter, read-only /sys" "Seccomp:2 ro" "$(echo "$plain" | paste -sd' ' -)"
E create --network none --privileged --name priv busybox true >/dev/null
check "inspect HostConfig.Privileged" true "$(E inspect -f '{{.HostConfig.Privileged}}' priv)"
E rm priv >/dev/null

# docker's flag errors and help for run and create
E run --bogus busybox 2>"$T/err"; check "unknown flag exits 125" 125 $?
check "unknown flag: one line and See" "unknown flag: --bogus|See 'engine run --help'." "$(paste -sd'|' "$T/err")"
E create 2>"$T/err"; check "create without an image exits 125" 125 $?
check "requires 1 argument" "Error: \"engine create\" requires at least 1 argument." "$(head -n1 "$T/err")"
contains "run --help lists --stop-signal" "--stop-signal" "$(E run --help)"
check "run --help exits 0" 0 "$(E run --help >/dev/null; echo $?)"
E rm -f $(E ps -aq) >/dev/null 2>&1

it_check_nothing_left
echo "$fails failed"
[ "$fails" -eq 0 ]
