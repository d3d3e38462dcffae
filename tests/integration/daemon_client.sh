#!/bin/sh
# The engine CLI as a client (-H / ENGINE_HOST) of `engine daemon`: version,
# run --rm (output, exit statuses), run -d + ps + logs + stop + rm, images,
# inspect, wait, run -p and port, exec (-i piped, -t, -d, -it in a
# terminal); an unknown daemon address fails cleanly.
set -u
. "$(dirname "$0")/daemon_common.inc"
start_daemon
C() { timeout 60 "$ENGINE" -H "unix://$sock" "$@"; }

C version | grep -q "API version: 1.41"; check "version through the daemon" 0 $?
check "run --rm output" "hi" "$(C run --rm --network none busybox echo hi)"
C run --rm --network none busybox sh -c 'exit 3'; check "run exit status" 3 $?
# docker's --flag=true|false for boolean flags, in the client too.
check "run --rm=true -t=false" "hi" "$(C run --rm=true -t=false -i=false --network none busybox echo hi)"
C run --rm=maybe --network none busybox true 2>"$root/err"; check "run --rm=maybe refused" 125 $?
grep -q 'invalid argument "maybe" for "--rm" flag' "$root/err"; check "run --rm=maybe message" 0 $?
# The last occurrence wins: --rm --rm=false keeps the container.
C run --rm --rm=false --name lastwins --network none busybox true
check "run --rm --rm=false keeps it" 1 "$(C inspect lastwins | grep -c '"Name": "/lastwins"')"
C rm lastwins >/dev/null
C run --rm --network none busybox nope 2>/dev/null; check "run not found 127" 127 $?
out=$(C run --rm --network none busybox sh -c 'echo out; echo err >&2' 2>"$root/err")
check "stdout" "out" "$out"; check "stderr" "err" "$(cat "$root/err")"
id=$(C run -d --name cl --network none busybox sh -c 'echo hello; trap "exit 0" TERM; while :; do sleep 0.1; done')
check "run -d prints the ID" 64 "${#id}"
C ps | grep -q " cl$"; check "ps" 0 $?
i=0; while [ "$(C logs cl 2>&1)" != "hello" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "logs" "hello" "$(C logs cl)"
C inspect cl | grep -q '"Running": true'; check "inspect" 0 $?
C stop cl >/dev/null; check "stop" "0" "$(C wait cl)"
C rm cl >/dev/null; check "rm" "" "$(C ps -a -q)"
C run -d --name pubc -p 127.0.0.1::80 -p 81/udp busybox sleep 60 >/dev/null; check "run -p" 0 $?
hp=$(C port pubc 80)
case "$hp" in 127.0.0.1:[0-9]*) check "port CTR PORT" ok ok ;; *) check "port CTR PORT" "127.0.0.1:N" "$hp" ;; esac
check "port CTR" "2" "$(C port pubc | grep -c -e '^80/tcp -> 127.0.0.1:' -e '^81/udp -> 0.0.0.0:')"
C port pubc 82 2>/dev/null; check "port not published" 1 $?
C run --rm -p 80-81:80-81 busybox true 2>/dev/null; check "-p range refused" 125 $?
C rm -f pubc >/dev/null
C images | grep -q "^busybox"; check "images" 0 $?
C run -d --name ex --network none busybox sleep 1000 >/dev/null
check "exec output" "hi" "$(C exec ex echo hi)"
C exec ex sh -c 'echo out; echo err >&2; exit 3' >"$root/out" 2>"$root/err"; check "exec status" 3 $?
check "exec stdout" "out" "$(cat "$root/out")"; check "exec stderr" "err" "$(cat "$root/err")"
check "exec -i piped" "hello" "$(echo hello | C exec -i ex cat)"
check "exec -t" "/dev/pts/0" "$(C exec -t ex tty | tr -d '\r')"
C exec -d ex sh -c 'echo bg > /tmp/d'; check "exec -d" 0 $?
i=0; while [ "$(C exec ex cat /tmp/d 2>/dev/null)" != "bg" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "exec -d ran" "bg" "$(C exec ex cat /tmp/d)"
C exec ex /no/such >/dev/null 2>&1; check "exec not found: 126 as from dockerd 20.10" 126 $?
if command -v script >/dev/null; then
	# the status says it all (script may drop the last output when its child exits)
	script -qec "$ENGINE -H unix://$sock exec -it ex sh -c '[ -t 0 ] && [ \"\$(tty)\" = /dev/pts/0 ] && exit 4; exit 5'" \
		/dev/null </dev/null >/dev/null
	check "exec -it in a terminal: its own pty, the status" 4 $?
fi
C rm -f ex >/dev/null
# run -i / -t: stdin relayed on the attach connection, its end closes the
# container's stdin (StdinOnce), the pty's output raw
check "run -i piped" "hello world" "$(printf 'hello\nworld\n' | C run -i --rm --network none busybox sh -c 'cat | tr "\n" " " | sed "s/ $//"')"
check "run -i, the status" 6 "$(echo x | C run -i --rm --network none busybox sh -c 'read v; [ "$v" = x ] && exit 6'; echo $?)"
check "run without -i reads nothing" "" "$(echo lost | C run --rm --network none busybox cat)"
check "run -t: a pty" "/dev/pts/0" "$(C run -t --rm --network none busybox tty | tr -d '\r')"
echo x | C run -it --rm --network none busybox true 2>"$root/err"; check "run -it without a terminal fails like docker" 1 $?
grep -q "the input device is not a TTY" "$root/err"; check "its message" 0 $?
if command -v script >/dev/null; then
	script -qec "$ENGINE -H unix://$sock run -it --rm --network none busybox sh -c '[ -t 0 ] && [ \"\$(tty)\" = /dev/pts/0 ] && exit 4; exit 5'" \
		/dev/null </dev/null >/dev/null
	check "run -it in a terminal: its own pty, the status" 4 $?
fi
C run --rm --network none --sysctl net.ipv4.ip_forward=1 --group-add 77 busybox sh -c 'cat /proc/sys/net/ipv4/ip_forward; id -G' >"$root/out" 2>&1
check "run --sysctl --group-add through the daemon" "1 0 10 77" "$(tr '\n' ' ' <"$root/out" | sed 's/ $//')"
check "ENGINE_HOST" "hi" "$(ENGINE_HOST="unix://$sock" timeout 60 "$ENGINE" run --rm --network none busybox echo hi)"
"$ENGINE" -H "unix://$root/nosuch.sock" ps 2>"$root/err"; check "no daemon fails" 1 $?
grep -q "Cannot connect" "$root/err"; check "no daemon message" 0 $?
echo "$fails failed"
[ $fails -eq 0 ]
