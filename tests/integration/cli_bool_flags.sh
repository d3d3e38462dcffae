#!/bin/sh
# docker's --flag=true|false and -f=true|false for boolean flags (Go's
# strconv.ParseBool values), in the local CLI and in -H's client: true is
# the flag, false leaves it off, a default-true flag (--sig-proxy, commit's
# --pause) takes either, any other value is refused in docker's words.
set -u
. "$(dirname "$0")/lib.sh"
it_require_root
it_require_busybox
. "$(dirname "$0")/netns.inc"
it_engine_root boolflags
it_tmpdir

E default >/dev/null || { echo "FAIL: engine default"; exit 1; }

# run --rm=true removes the container, --rm=false keeps it.
check "run --rm=true output" hi "$(E run --rm=true --network none busybox echo hi)"
check "--rm=true left nothing" 0 "$(E ps -a -q | wc -l)"
check "run --rm=false output" hi "$(E run --rm=false --network none --name kept busybox echo hi)"
check "--rm=false kept it" kept "$(E ps -a --format '{{.Names}}')"
E rm kept >/dev/null
check "-d=false runs attached" hi "$(E run -d=false --rm --network none busybox echo hi)"
check "-t=false: no terminal" "not a tty" "$(E run --rm -t=false --network none busybox sh -c 'tty || true')"
check "-i=false -t=false cluster" "not a tty" "$(E run --rm -i=false -t=false --network none busybox sh -c 'tty || true')"
check "--init=false" 1 "$(E run --rm --init=false --network none busybox sh -c 'echo $$')"
id=$(E create --init=true --network none busybox true)
check "--init=true" true "$(E inspect -f '{{.HostConfig.Init}}' "$id")"
E rm "$id" >/dev/null
check "--privileged=false keeps the default set" 0 \
	"$(E run --rm --privileged=false --network none busybox sh -c 'ip link add x type dummy 2>/dev/null; echo $?' | grep -c '^0$')"
check "--read-only=1" "Read-only file system" \
	"$(E run --rm --read-only=1 --network none busybox sh -c 'touch /x 2>&1' | grep -o 'Read-only file system')"
check "--read-only=F" ok "$(E run --rm --read-only=F --network none busybox sh -c 'touch /x && echo ok')"
check "--sig-proxy=false" hi "$(E run --rm --sig-proxy=false --network none busybox echo hi)"

# The last occurrence wins, as with Go's flag package.
check "--rm --rm=false keeps it" kept2 \
	"$(E run --rm --rm=false --network none --name kept2 busybox true; E ps -a --format '{{.Names}}')"
E rm kept2 >/dev/null
check "--rm=false --rm removes it" 0 "$(E run --rm=false --rm --network none busybox true; E ps -a -q | wc -l)"
check "-it -t=false: no terminal" "not a tty" \
	"$(E run --rm -it -t=false --network none busybox sh -c 'tty || true' </dev/null)"
check "-t --tty=0 -i: no terminal" "not a tty" \
	"$(E run --rm -t --tty=0 -i --network none busybox sh -c 'tty || true' </dev/null)"
check "--read-only -e X --read-only=false" ok \
	"$(E run --rm --read-only -e X=1 --read-only=false --network none busybox sh -c 'touch /x && echo ok')"
E create --network none --name stopped2 busybox true >/dev/null
check "ps -a -a=false" 0 "$(E ps -a -a=false -q | wc -l)"
check "ps -qa=false -a=true" 1 "$(E ps -qa=false -a=true | wc -l)"
E rm stopped2 >/dev/null

# ps -a=true lists stopped containers, -a=false does not; -q=TRUE.
E create --network none --name stopped busybox true >/dev/null
check "ps -a=true" 1 "$(E ps -a=true -q | wc -l)"
check "ps -a=false" 0 "$(E ps -a=false -q | wc -l)"
check "ps --all=t --quiet=T" 1 "$(E ps --all=t --quiet=T | wc -l)"
E rm stopped >/dev/null

# commit -p=false (docker's way to commit without pausing) and --pause=true.
E run -d --network none --name live busybox sleep 30 >/dev/null
E commit -p=false live img:nopause >/dev/null; check "commit -p=false" 0 $?
E commit --pause=true live img:pause >/dev/null; check "commit --pause=true" 0 $?
E commit -p=maybe live img:bad 2>"$T/err"; check "commit -p=maybe exits 125" 125 $?
check "commit -p=maybe message" 'invalid argument "maybe" for "-p, --pause" flag: strconv.ParseBool: parsing "maybe": invalid syntax' \
	"$(head -n1 "$T/err")"
check "commit -p=maybe see line" "See 'engine commit --help'." "$(sed -n 2p "$T/err")"
E rm -f live >/dev/null

# Refused values, docker's message and status.
E run --rm=yes busybox true 2>"$T/err"; check "--rm=yes exits 125" 125 $?
check "--rm=yes message" 'invalid argument "yes" for "--rm" flag: strconv.ParseBool: parsing "yes": invalid syntax' \
	"$(head -n1 "$T/err")"
E run -t=2 busybox true 2>"$T/err"; check "-t=2 exits 125" 125 $?
check "-t=2 message" 'invalid argument "2" for "-t, --tty" flag: strconv.ParseBool: parsing "2": invalid syntax' \
	"$(head -n1 "$T/err")"
E ps -a=no 2>"$T/err"; check "ps -a=no exits 125" 125 $?
contains "ps -a=no message" 'for "-a, --all" flag' "$(cat "$T/err")"
# A value flag is not a boolean: -e keeps its "=".
check "-e K=V untouched" "K=false" "$(E run --rm -e K=false --network none busybox sh -c 'echo K=$K')"
# After the image, the command's own flags are left alone.
check "command's flags untouched" "-n=false" "$(E run --rm --network none busybox echo -n=false)"

it_check_nothing_left
it_done
