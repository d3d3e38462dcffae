#!/bin/sh
# engine-oci end to end on a busybox bundle made with `engine-oci spec`
# (as root, own state root and cgroup parent): run, the create/start
# lifecycle with the state JSON at each step, hooks in order with the state
# on stdin, joining a network namespace by path, exec --process, update,
# pause/resume, kill --all, delete --force of a running container, and
# errors naming the bad field.
set -u
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
[ -x /bin/busybox ] || { echo "skip: no /bin/busybox"; exit 77; }
ENGINE_BUILD=${ENGINE_BUILD:-$(pwd)}
tmp=$(mktemp -d /tmp/engine-it-oci-XXXXXX)
parent="engine-it-$(basename "$tmp")"
printf '{"cgroup-parent": "%s"}\n' "$parent" > "$tmp/config.json"
O() { "$ENGINE_BUILD/tools/engine-oci" --root "$tmp/state" --config "$tmp/config.json" "$@"; }
fails=0
netns=""
cleanup() {
	for id in $(O list -q 2>/dev/null); do O delete --force "$id" >/dev/null 2>&1; done
	[ -n "$netns" ] && ip netns delete "$netns" 2>/dev/null
	for d in /sys/fs/cgroup/*/"$parent"; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
check() { # check NAME EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then echo "ok   $1"; else echo "FAIL $1: expected [$2] got [$3]"; fails=$((fails + 1)); fi
}
contains() { # contains NAME NEEDLE TEXT
	case "$3" in *"$2"*) echo "ok   $1" ;; *) echo "FAIL $1: [$3] lacks [$2]"; fails=$((fails + 1)) ;; esac
}
status() { O state "$1" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])'; }
# edit KEY=PYTHON-EXPR...: change the bundle's config.json (c is the config)
edit() { python3 - "$tmp/b/config.json" "$@" <<'EOF'
import json, sys
p = sys.argv[1]; c = json.load(open(p))
for e in sys.argv[2:]:
    exec(e)
json.dump(c, open(p, "w"))
EOF
}

mkdir -p "$tmp/b/rootfs/bin" "$tmp/b/rootfs/etc"
cp /bin/busybox "$tmp/b/rootfs/bin/"
for a in sh echo cat ls sleep true id hostname ps kill ip sed; do ln -s busybox "$tmp/b/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$tmp/b/rootfs/etc/passwd"
(cd "$tmp/b" && O spec) || { echo "FAIL: spec"; exit 1; }
(cd "$tmp/b" && O spec 2>/dev/null); check "spec refuses to overwrite" 1 $?
edit 'c["process"]["terminal"] = False' 'c["process"]["args"] = ["sh", "-c", "echo hi; exit 3"]'

out=$(O run --bundle "$tmp/b" r1); check "run exit status" 3 $?
check "run output" "hi" "$out"
check "run deletes" "" "$(O list -q)"
O features | python3 -c 'import json,sys; f=json.load(sys.stdin); assert "poststop" in f["hooks"]' 2>/dev/null
check "features" 0 $?

# the lifecycle, state at each step
edit 'c["process"]["args"] = ["sleep", "100"]' 'c["annotations"] = {"a": "b"}'
O create --bundle "$tmp/b" --pid-file "$tmp/pid" l1; check "create" 0 $?
check "state created" created "$(status l1)"
pid=$(cat "$tmp/pid")
check "pid file is the state's pid" "$pid" "$(O state l1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')"
check "annotations in state" b "$(O state l1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["annotations"]["a"])')"
O create --bundle "$tmp/b" l1 2>/dev/null; check "create: id taken" 1 $?
O start l1; check "start" 0 $?
check "state running" running "$(status l1)"
O start l1 2>/dev/null; check "start twice fails" 1 $?
O pause l1; check "state paused" paused "$(status l1)"
O resume l1; check "state resumed" running "$(status l1)"
O delete l1 2>/dev/null; check "delete running refused" 1 $?
O kill l1 KILL; check "kill" 0 $?
for i in 1 2 3 4 5 6 7 8 9 10; do [ "$(status l1)" = stopped ] && break; sleep 0.2; done
check "state stopped" stopped "$(status l1)"
O delete l1; check "delete stopped" 0 $?
O state l1 2>/dev/null; check "state after delete" 1 $?

# exec --process, ps, update, kill --all, delete --force
O run -d --bundle "$tmp/b" e1; check "run -d" 0 $?
printf '{"args":["sh","-c","echo from-exec $X; exit 4"],"env":["X=y","PATH=/bin"],"cwd":"/","user":{"uid":0,"gid":0}}' > "$tmp/proc.json"
out=$(O exec --process "$tmp/proc.json" e1); check "exec --process status" 4 $?
check "exec --process output" "from-exec y" "$out"
out=$(O exec e1 sh -c 'echo $((1+1))'); check "exec args" 2 "$out"
O exec -d e1 sleep 50; check "exec -d" 0 $?
check "ps lists 2" 2 "$(O ps --format json e1 | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
O update --memory 67108864 --pids-limit 50 e1; check "update" 0 $?
cg=$(ls -d /sys/fs/cgroup/memory/"$parent"/e1 2>/dev/null || ls -d /sys/fs/cgroup/"$parent"/e1)
check "update memory" 67108864 "$(cat "$cg"/memory.limit_in_bytes 2>/dev/null || cat "$cg"/memory.max)"
echo '{"memory": {"bogus": 1}}' > "$tmp/res.json"
O update -r "$tmp/res.json" e1 2>"$tmp/err"; check "update unknown field" 1 $?
grep -q 'memory.bogus: unknown field' "$tmp/err"; check "update names the field" 0 $?
O kill --all e1 KILL; check "kill --all" 0 $?
for i in 1 2 3 4 5 6 7 8 9 10; do [ "$(status e1)" = stopped ] && break; sleep 0.2; done
check "kill --all stops it" stopped "$(status e1)"
O delete e1
O run -d --bundle "$tmp/b" f1
O delete --force f1; check "delete --force running" 0 $?
check "nothing left" "" "$(O list -q)"
[ -d "/sys/fs/cgroup/memory/$parent/f1" ]; check "cgroup removed" 1 $?

# hooks: in order, each with the state on stdin
cat > "$tmp/hook.sh" <<EOF
#!/bin/sh
read -r state
echo "\$1 \$(echo "\$state" | sed 's/.*"status":"\\([a-z]*\\)".*/\\1/')" >> $tmp/hooks.log
EOF
chmod +x "$tmp/hook.sh"
# startContainer's path resolves in the container: $tmp is bound there too.
edit "c['hooks'] = {k: [{'path': '$tmp/hook.sh', 'args': ['hook.sh', k]}] for k in ['prestart','createRuntime','createContainer','startContainer','poststart','poststop']}" \
	"c['mounts'].append({'destination': '$tmp', 'source': '$tmp', 'type': 'bind', 'options': ['rbind']})"
O create --bundle "$tmp/b" h1; O start h1; O kill h1 KILL; sleep 0.3; O delete --force h1
check "hooks in order" "prestart created createRuntime creating createContainer creating startContainer created poststart running poststop stopped" \
	"$(tr '\n' ' ' < "$tmp/hooks.log" | sed 's/ $//')"
edit "c['hooks'] = {'prestart': [{'path': '/bin/false'}]}"
O create --bundle "$tmp/b" h2 2>/dev/null; check "failing prestart hook fails create" 1 $?
check "nothing left after a failed create" "" "$(O list -q)"
# a failed poststart or poststop hook is a warning; the next ones still run
: > "$tmp/hooks.log"
edit "c['hooks'] = {k: [{'path': '/bin/false'}, {'path': '$tmp/hook.sh', 'args': ['hook.sh', k]}] for k in ['poststart', 'poststop']}" 'c["process"]["args"] = ["true"]'
O run --bundle "$tmp/b" h3 >/dev/null 2>"$tmp/err"; check "failed poststart/poststop hooks: run goes on" 0 $?
check "hooks after a failed one run" "poststart running poststop stopped" "$(tr '\n' ' ' < "$tmp/hooks.log" | sed 's/ $//')"
grep -q 'warning: oci: hook poststop\[0\] /bin/false: exit status 1' "$tmp/err"; check "failed hook logged" 0 $?
edit "del c['hooks']" "c['mounts'].pop()"

# rootfsPropagation applies to the container's "/" (never the host's): a
# shared or unbindable "/" still pivots
for prop in shared unbindable private; do
	edit "c['linux']['rootfsPropagation'] = '$prop'" 'c["process"]["args"] = ["sed", "-n", "s|^[0-9]* [0-9]* [^ ]* [^ ]* / ||p", "/proc/self/mountinfo"]'
	out=$(O run --bundle "$tmp/b" p1 2>&1); check "rootfsPropagation $prop runs" 0 $?
	case $prop in
	shared) contains "rootfsPropagation shared: / is shared" "shared:" "$out" ;;
	unbindable) contains "rootfsPropagation unbindable: / is unbindable" "unbindable" "$out" ;;
	private) case "$out" in *shared:*) check "rootfsPropagation private: / is not shared" "" "$out" ;; *) check "rootfsPropagation private: / is not shared" 1 1 ;; esac ;;
	esac
done
edit "del c['linux']['rootfsPropagation']" 'c["process"]["args"] = ["sleep", "100"]'

# no process: create works, start fails and leaves it created (the spec)
edit "c['saved'] = c.pop('process')"
O create --bundle "$tmp/b" np1 2>/dev/null; check "create without a process" 0 $?
O start np1 2>"$tmp/err"; check "start without a process fails" 1 $?
grep -q 'has no process' "$tmp/err"; check "start says why" 0 $?
check "still created" created "$(status np1)"
O run --bundle "$tmp/b" np2 2>/dev/null; check "run without a process fails" 1 $?
O delete --force np1
edit "c['process'] = c.pop('saved')"

# a network namespace joined by path
netns="engine-it-oci-$$"
ip netns add "$netns" && ip -n "$netns" link add eoci0 type veth peer name eoci1
edit "c['linux']['namespaces'] = [n if n['type'] != 'network' else {'type': 'network', 'path': '/run/netns/$netns'} for n in c['linux']['namespaces']]" \
	'c["process"]["args"] = ["sh", "-c", "ls /sys/class/net"]'
out=$(O run --bundle "$tmp/b" n1 | tr '\n' ' '); check "joined netns" "eoci0 eoci1 lo " "$out"

# a terminal through --console-socket: a tiny receiver takes the pty master
cat > "$tmp/console.py" <<'EOF2'
import array, os, select, socket, subprocess, sys
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sys.argv[1]); srv.listen(1)
p = subprocess.Popen(sys.argv[2:])
conn, _ = srv.accept()
fds = array.array("i")
_, anc, _, _ = conn.recvmsg(4096, socket.CMSG_SPACE(fds.itemsize))
for level, kind, data in anc:
    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
        fds.frombytes(data[:fds.itemsize])
rc = p.wait()
out = b""
while fds and select.select([fds[0]], [], [], 5)[0]:
    try:
        d = os.read(fds[0], 4096)
    except OSError:
        break
    if not d:
        break
    out += d
sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
sys.exit(rc)
EOF2
edit "c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'network'] + [{'type': 'network'}]" \
	'c["process"]["terminal"] = True' 'c["process"]["consoleSize"] = {"height": 40, "width": 100}' \
	'c["process"]["args"] = ["sh", "-c", "tty; stty size"]'
out=$(python3 "$tmp/console.py" "$tmp/console.sock" "$ENGINE_BUILD/tools/engine-oci" --root "$tmp/state" \
	--config "$tmp/config.json" run -d --bundle "$tmp/b" --console-socket "$tmp/console.sock" t1 | tr '\n' ' ')
check "terminal via console socket" "/dev/pts/0 40 100 " "$out"
O delete --force t1
O run --bundle "$tmp/b" t2 2>"$tmp/err"; check "terminal without a console socket" 1 $?
edit 'c["process"]["terminal"] = False'

# errors name the field; an unknown top-level property is ignored with a warning (the spec)
edit 'c["bogus"] = 1' 'c["process"]["args"] = ["true"]'
O run --bundle "$tmp/b" x0 2>"$tmp/err"; check "unknown top-level property ignored" 0 $?
grep -q 'bogus: unknown property, ignored' "$tmp/err"; check "unknown property named" 0 $?
edit 'del c["bogus"]'
O create --bundle "$tmp/b" x3 && O delete x3 2>/dev/null; check "delete created refused" 1 $?
O delete --force x3; check "delete --force created" 0 $?
edit 'c["linux"]["bogus"] = 1'
O run --bundle "$tmp/b" x1 2>"$tmp/err"; check "unknown field fails" 1 $?
grep -q 'linux.bogus: unknown field' "$tmp/err"; check "unknown field named" 0 $?
edit 'del c["linux"]["bogus"]' 'c["process"]["apparmorProfile"] = "x"'
if [ ! -d /sys/module/apparmor ]; then
	O run --bundle "$tmp/b" x2 2>"$tmp/err"
	grep -q 'AppArmor is not enabled' "$tmp/err"; check "apparmor without apparmor" 0 $?
fi
O --systemd-cgroup list 2>/dev/null; check "systemd cgroup refused" 1 $?

[ "$fails" = 0 ] && echo "oci_cli: all passed" || echo "oci_cli: $fails failed"
[ "$fails" = 0 ]
