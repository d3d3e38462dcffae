#!/bin/sh
# engine-oci end to end on a busybox bundle made with `engine-oci spec`
# (as root, own state root and cgroup parent): run, the create/start
# lifecycle with the state JSON at each step, hooks in order with the state
# on stdin, joining a network namespace by path, exec --process, update,
# pause/resume, kill --all, delete --force of a running container, errors
# naming the bad field; rootfsPropagation, failing poststart/poststop
# hooks, create without a process, update's flags with units, events
# --stats, ps (table with ps options, json), list --format json, exec's
# flags and --tty through a console socket, --preserve-fds, --log in text
# and json, --version, --systemd-cgroup's error, and a bundle from
# `umoci unpack` when umoci is installed.
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
O features | python3 -c '
import json, sys
f = json.load(sys.stdin)
assert f["ociVersionMin"] == "1.0.0" and f["ociVersionMax"].startswith("1.2"), f
assert "poststop" in f["hooks"] and "rbind" in f["mountOptions"], f
assert "user" in f["linux"]["namespaces"] and "CAP_SYS_ADMIN" in f["linux"]["capabilities"], f["linux"]' 2>"$tmp/err"
check "features" 0 $?
mkdir -p "$tmp/rl" && (cd "$tmp/rl" && O spec --rootless)
python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); assert any(n["type"] == "user" for n in c["linux"]["namespaces"]) and c["linux"]["uidMappings"]' "$tmp/rl/config.json" 2>/dev/null
check "spec --rootless: a user namespace" 0 $?

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

# the lifecycle's other MUSTs (runtime.md): no id is an error; the process
# does not run before start; config.json changes after create do not
# affect the container; kill reaches a created container and fails on a
# stopped one
O create --bundle "$tmp/b" 2>/dev/null; check "create without an id" 1 $?
O start 2>/dev/null; check "start without an id" 1 $?
O kill 2>/dev/null; check "kill without an id" 1 $?
mkdir -p "$tmp/b/rootfs/out"
edit 'c["process"]["args"] = ["sh", "-c", "echo ran > /out/ran"]' 'c["root"]["readonly"] = False'
O create --bundle "$tmp/b" m1; check "create m1" 0 $?
[ -e "$tmp/b/rootfs/out/ran" ]; check "process not run before start" 1 $?
edit 'c["process"]["args"] = ["sh", "-c", "echo changed > /out/ran"]'
O start m1; check "start m1" 0 $?
for i in 1 2 3 4 5 6 7 8 9 10; do [ "$(status m1)" = stopped ] && break; sleep 0.2; done
check "config.json changed after create: no effect" ran "$(cat "$tmp/b/rootfs/out/ran" 2>/dev/null)"
O kill m1 KILL 2>/dev/null; check "kill of a stopped container fails" 1 $?
O delete m1
edit 'c["process"]["args"] = ["sleep", "100"]'
O create --bundle "$tmp/b" m2
O kill m2 KILL; check "kill of a created container" 0 $?
for i in 1 2 3 4 5 6 7 8 9 10; do [ "$(status m2)" = stopped ] && break; sleep 0.2; done
check "killed while created: stopped" stopped "$(status m2)"
O delete m2; rm -rf "$tmp/b/rootfs/out"
edit 'c["root"]["readonly"] = True'

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
O update --memory 96m --cpu-shares 512 e1; check "update with a unit" 0 $?
check "update --memory 96m" 100663296 "$(cat "$cg"/memory.limit_in_bytes 2>/dev/null || cat "$cg"/memory.max)"
O update --memory 12x e1 2>"$tmp/err"; check "update bad unit" 1 $?
grep -q 'update --memory "12x": unknown unit' "$tmp/err"; check "update names the bad value" 0 $?
# events --stats: one stats event as runc prints it
O events --stats e1 | python3 -c '
import json, sys
e = json.load(sys.stdin)
assert e["type"] == "stats" and e["id"] == "e1", e
assert e["data"]["memory"]["usage"]["limit"] == 100663296, e["data"]["memory"]
assert e["data"]["pids"]["current"] >= 2, e["data"]["pids"]
assert "usage" in e["data"]["cpu"]' 2>"$tmp/err"
check "events --stats" 0 $?
# ps: the table keeps ps(1)'s header and the container's lines; options after the id go to ps
out=$(O ps e1); contains "ps table header" "PID" "$out"
check "ps table lines" 2 "$(echo "$out" | grep -c 'sleep')"
check "ps with ps options" "PID COMMAND" "$(O ps e1 -o pid,comm | head -n 1 | tr -s ' ' | sed 's/^ //')"
O list --format json | python3 -c 'import json,sys; l=json.load(sys.stdin); assert [s["id"] for s in l] == ["e1"] and l[0]["status"] == "running"' 2>/dev/null
check "list --format json" 0 $?
# exec's flags: --cwd, --env, --user, --cap, --additional-gids
out=$(O exec --cwd /etc --env A=b --user 1000:1001 --additional-gids 7 e1 sh -c 'echo $(pwd) $A $(id -u) $(id -g) $(id -G)')
check "exec --cwd --env --user --additional-gids" "/etc b 1000 1001 1001 7" "$out"
out=$(O exec --cap CAP_SYS_ADMIN e1 sed -n 's/^CapBnd:\t//p' /proc/self/status)
case "$out" in 0000000*[2367abef]?????) ok=1 ;; *) ok=0 ;; esac
check "exec --cap adds it (CapBnd $out)" 1 $ok
O exec --preserve-fds x e1 true 2>"$tmp/err"; check "exec --preserve-fds bad" 1 $?
grep -q 'preserve-fds "x": want a number' "$tmp/err"; check "bad number named" 0 $?
O kill e1 SIGWINCH; check "kill SIGNAME" 0 $?
O kill e1 28; check "kill number" 0 $?
O kill e1 NOPE 2>/dev/null; check "kill unknown signal" 1 $?
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

# a kernel memory limit is applied, or (kernels since 5.16 ignore it) a warning says so
if [ -d /sys/fs/cgroup/memory ]; then
	edit 'c["linux"].setdefault("resources", {})["memory"] = {"kernel": 50593792}' \
		'c["process"]["args"] = ["cat", "/sys/fs/cgroup/memory/memory.kmem.limit_in_bytes"]'
	out=$(O run --bundle "$tmp/b" k1 2>"$tmp/err")
	if grep -q 'linux.resources.memory.kernel: not applied' "$tmp/err"; then
		[ "$out" != 50593792 ]; check "kernel memory ignored by the kernel, and said" 0 $?
	else
		check "kernel memory applied" 50593792 "$out"
	fi
	edit 'del c["linux"]["resources"]["memory"]'
fi

# a hook past its timeout fails the create, naming it
edit "c['hooks'] = {'createRuntime': [{'path': '/bin/sleep', 'args': ['sleep', '30'], 'timeout': 1}]}"
O create --bundle "$tmp/b" ht1 2>"$tmp/err"; check "hook timeout fails create" 1 $?
grep -q 'hook createRuntime\[0\] /bin/sleep: timed out after 1s' "$tmp/err"; check "hook timeout named" 0 $?
check "nothing left after a hook timeout" "" "$(O list -q)"
edit "del c['hooks']"

# --no-pivot (MS_MOVE + chroot) and --no-new-keyring
edit 'c["process"]["args"] = ["sh", "-c", "echo moved; ls /"]'
out=$(O run --no-pivot --no-new-keyring --bundle "$tmp/b" nv1 | head -n 1); check "run --no-pivot --no-new-keyring" moved "$out"

# every capability asked for: works where the host's bounding set is full,
# else an error naming the first one it withholds (capset's bare EPERM)
caps=$(O features | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["linux"]["capabilities"]))')
edit "c['process']['capabilities'] = {k: $caps for k in ['bounding', 'effective', 'permitted', 'inheritable', 'ambient']}" \
	'c["process"]["args"] = ["true"]'
O run --bundle "$tmp/b" cap1 2>"$tmp/err"; rc=$?
full=$(python3 -c 'import sys; l=int(open("/proc/sys/kernel/cap_last_cap").read()); b=[x for x in open("/proc/self/status") if x.startswith("CapBnd:")][0].split()[1]; print(int(int(b, 16) == (1 << (l + 1)) - 1))')
if [ "$full" = 1 ]; then
	check "all capabilities" 0 $rc
else
	grep -q "process.capabilities.effective: CAP_[A-Z_]* is not in this runtime's bounding set" "$tmp/err"
	check "a capability the host withholds is named" "1 0" "$rc $?"
fi
edit 'del c["process"]["capabilities"]["ambient"]' 'c["process"]["capabilities"] = {k: ["CAP_KILL"] for k in ["bounding", "effective", "permitted"]}'

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
srv.bind(sys.argv[1]); srv.listen(1); srv.settimeout(60)
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
edit 'del c["process"]["apparmorProfile"]'
O --systemd-cgroup list 2>"$tmp/err"; check "systemd cgroup refused" 1 $?
grep -q -- '--systemd-cgroup: ' "$tmp/err"; check "systemd cgroup error says why" 0 $?
O --version | grep -q '^engine-oci version '; check "--version" 0 $?
# only create and run make the state root: the shim's cleanup runs delete
# --force with a default root, which must stay absent
"$ENGINE_BUILD/tools/engine-oci" --root "$tmp/none/root" delete --force zz; check "delete --force, no state root" 0 $?
"$ENGINE_BUILD/tools/engine-oci" --root "$tmp/none/root" state zz 2>/dev/null; check "state, no state root" 1 $?
[ -e "$tmp/none" ]; check "no state root made" 1 $?
# --log in runc's two formats (logrus text and JSON lines), as the shim reads them
O --log "$tmp/log.json" --log-format json state nope 2>/dev/null
python3 -c 'import json,sys; l=[json.loads(x) for x in open(sys.argv[1])]; assert l[-1]["level"] == "error" and "nope" in l[-1]["msg"] and l[-1]["time"]' "$tmp/log.json" 2>/dev/null
check "--log-format json" 0 $?
O --log "$tmp/log.txt" --log-format text state nope 2>/dev/null
grep -q '^time="[^"]*" level=error msg="state: container \\"nope\\" does not exist"$' "$tmp/log.txt"; check "--log-format text" 0 $?
O --log-format xml list 2>/dev/null; check "--log-format bad" 1 $?

# --preserve-fds: fd 3 (and only the ones asked for) reaches the container
edit 'c["process"]["args"] = ["sh", "-c", "cat <&3; ls /proc/$$/fd/4 2>/dev/null"]'
echo passed-fd > "$tmp/fd3"
out=$(O run --preserve-fds 1 --bundle "$tmp/b" pf1 3<"$tmp/fd3" 4<"$tmp/fd3"); check "--preserve-fds 1" "passed-fd" "$out"
O run --preserve-fds -1 --bundle "$tmp/b" pf2 2>/dev/null; check "--preserve-fds -1 refused" 1 $?

# exec --tty through --console-socket
edit 'c["process"]["args"] = ["sleep", "100"]'
O run -d --bundle "$tmp/b" et1
printf '{"args":["sh","-c","tty; stty size"],"terminal":true,"consoleSize":{"height":25,"width":90},"cwd":"/","user":{"uid":0,"gid":0},"env":["PATH=/bin"]}' > "$tmp/tproc.json"
out=$(python3 "$tmp/console.py" "$tmp/console2.sock" "$ENGINE_BUILD/tools/engine-oci" --root "$tmp/state" \
	--config "$tmp/config.json" exec --process "$tmp/tproc.json" --console-socket "$tmp/console2.sock" et1 | tr '\n' ' ')
check "exec --tty via console socket" "/dev/pts/0 25 90 " "$out"
O delete --force et1

# a bundle umoci unpacked from an OCI image layout
if command -v umoci >/dev/null 2>&1; then
	(cd "$tmp/b/rootfs" && tar -cf "$tmp/layer.tar" .)
	umoci init --layout "$tmp/layout" && umoci new --image "$tmp/layout:bb" &&
		umoci raw add-layer --image "$tmp/layout:bb" "$tmp/layer.tar" &&
		umoci config --image "$tmp/layout:bb" --config.cmd echo --config.cmd from-umoci &&
		umoci unpack --image "$tmp/layout:bb" "$tmp/ub" >/dev/null 2>&1
	check "umoci unpack" 0 $?
	# umoci's config asks for a terminal (as runc spec does)
	python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); c["process"]["terminal"]=False; json.dump(c, open(sys.argv[1],"w"))' "$tmp/ub/config.json"
	out=$(O run --bundle "$tmp/ub" u1 2>&1); check "run a bundle umoci unpacked" "from-umoci" "$out"
	rm -rf "$tmp/ub" "$tmp/layout"
fi

[ "$fails" = 0 ] && echo "oci_cli: all passed" || echo "oci_cli: $fails failed"
[ "$fails" = 0 ]
