#!/bin/sh
# Every path that starts a process in a container applies the same
# confinement: Docker's capabilities, no_new_privs, the default seccomp
# filter, and with it the calls Docker's profile refuses (userfaultfd,
# perf_event_open, io_uring, bpf, kexec, open_by_handle_at, the new mount
# API, setns, modules, iopl, vsock and AF_ALG sockets, personality flags,
# clone3 and clone with a new user namespace, syslog). Checked for run
# --rm (engine_run), run -d (the monitor), exec (-t, -u), health checks,
# build RUN, a pool's sandbox (the Python binding), the daemon's create
# and exec, and engine-oci, which applies its bundle's config as given.
. "$(dirname "$0")/lib.sh"

# One line: the fields of /proc/self/status, then how many of the calls
# the probe tries were refused, out of how many.
conf='s=$(sed -n "s/^\(CapEff\|CapBnd\|NoNewPrivs\|Seccomp\):[[:space:]]*/\1=/p" /proc/self/status | tr "\n" " ")
	c=$(/probe syscalls2); echo "${s}refused=$(echo "$c" | grep -cE ": (EPERM|ENOSYS)$")/$(echo "$c" | wc -l)"'
want="CapEff=00000000a80425fb CapBnd=00000000a80425fb NoNewPrivs=1 Seccomp=2 refused=16/16"

check "run --rm" "$want" "$(E run --rm --network none $P busybox sh -c "$conf")"
out=$(E run --rm --network none --security-opt seccomp=unconfined $P busybox sh -c "$conf")
lacks "control: unconfined, the probe sees calls go through" "refused=16/16" "$out"

id=$(E run -d --network none $P busybox sh -c "$conf; exec sleep 600")
[ -n "$id" ] || { echo "FAIL: start a container"; exit 1; }
i=0
while [ $i -lt 50 ] && ! E logs "$id" 2>&1 | grep -q refused; do sleep 0.1; i=$((i + 1)); done
check "run -d" "$want" "$(E logs "$id" 2>&1)"
check "exec" "$want" "$(E exec "$id" sh -c "$conf")"
check "exec -t" "$want" "$(E exec -t "$id" sh -c "$conf" </dev/null | tr -d '\r')"
check "exec -u 1000" "CapEff=0000000000000000 CapBnd=00000000a80425fb NoNewPrivs=1 Seccomp=2 refused=16/16" \
	"$(E exec -u 1000 "$id" sh -c "$conf")"
E rm -f "$id" >/dev/null

id=$(E run -d --network none $P --health-cmd "sh -c '$conf' > /tmp/h 2>&1; cat /tmp/h" --health-interval 1s \
	busybox sleep 600)
i=0
while [ $i -lt 100 ] && ! E inspect --format '{{json .State.Health}}' "$id" | grep -q refused; do
	sleep 0.1
	i=$((i + 1))
done
out=$(E inspect --format '{{range .State.Health.Log}}{{.Output}}{{end}}' "$id" | head -n1)
check "health check" "$want" "$out"
E rm -f "$id" >/dev/null

mkdir -p "$tmp/ctx"
cp "$tmp/probe" "$tmp/ctx/probe"
printf "%s\n" "$conf" > "$tmp/ctx/conf.sh"
printf 'FROM busybox\nCOPY probe conf.sh /\nRUN sh /conf.sh\n' > "$tmp/ctx/Dockerfile"
out=$(E build --no-cache --network none -t paths-build "$tmp/ctx" 2>&1 | grep refused)
check "build RUN" "$want" "$out"

if [ -f "$ENGINE_BUILD/bindings/python/engine/capi.py" ]; then
	out=$(PYTHONPATH="$ENGINE_BUILD/bindings/python" PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 - \
		"$root" "$tmp/config.json" "$tmp/probe" "$conf" <<'PY'
import sys, engine
root, config, probe, conf = sys.argv[1:]
with engine.Context(root=root, config=config) as ctx:
    with ctx.pool("busybox", size=1, volumes=[probe + ":/probe:ro"]) as pool:
        res = pool.run(["sh", "-c", conf])
        out = res.stdout.decode() if isinstance(res.stdout, bytes) else res.stdout
        print(out.strip())
PY
	)
	check "a pool's sandbox" "$want" "$out"
fi

if command -v curl >/dev/null; then
	printf '{"cgroup-parent": "%s"}\n' "$parent" > "$tmp/daemon.json"
	"$ENGINE_BUILD/tools/engine" daemon -H "unix://$tmp/d.sock" --data-root "$root" \
		--config "$tmp/daemon.json" >"$tmp/daemon.log" 2>&1 &
	dpid=$!
	trap 'kill $dpid 2>/dev/null; wait $dpid 2>/dev/null; escape_cleanup' EXIT
	i=0
	while [ ! -S "$tmp/d.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	api() { curl -s --unix-socket "$tmp/d.sock" -H 'Content-Type: application/json' "$@"; }
	json_id() { /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["Id"])'; }
	cmd=$(/usr/bin/python3 -c 'import json, sys; print(json.dumps(["sh", "-c", sys.argv[1]]))' "$conf")
	id=$(api -XPOST -d '{"Image": "busybox", "Cmd": ["sleep", "600"], "HostConfig": {"NetworkMode": "none",
		"Binds": ["'"$tmp/probe"':/probe:ro"]}}' http://d/containers/create | json_id)
	api -XPOST "http://d/containers/$id/start"
	for tty in false true; do
		ex=$(api -XPOST -d '{"AttachStdout": true, "Tty": '$tty', "Cmd": '"$cmd"'}' \
			"http://d/containers/$id/exec" | json_id)
		out=$(api -XPOST -d '{"Tty": '$tty'}' "http://d/exec/$ex/start" | tr -d '\r' | grep -ao 'CapEff.*')
		# dockerd's default: no no_new_privs unless asked (daemon.json's
		# no-new-privileges, SecurityOpt); the rest as the CLI's
		check "daemon exec (Tty $tty)" "$(echo "$want" | sed 's/NoNewPrivs=1/NoNewPrivs=0/')" "$out"
	done
	api -XDELETE "http://d/containers/$id?force=1"
	kill $dpid
	wait $dpid 2>/dev/null
fi

# engine-oci: the bundle's config, as runc applies it (its spec: three
# capabilities, no seccomp), and a seccomp section when it has one.
mkdir -p "$tmp/bundle/rootfs"
E unpack busybox "$tmp/bundle/rootfs" >/dev/null
cp "$tmp/probe" "$tmp/bundle/rootfs/probe"
(cd "$tmp/bundle" && "$ENGINE_BUILD/tools/engine-oci" spec)
oci() { # oci ID SECCOMP-JSON
	/usr/bin/python3 - "$tmp/bundle/config.json" "$conf" "/$parent/$1" "$2" <<'PY'
import json, sys
path, conf, cgroup, seccomp = sys.argv[1:]
c = json.load(open(path))
c["process"]["terminal"] = False
c["process"]["args"] = ["sh", "-c", conf]
c["linux"]["cgroupsPath"] = cgroup
c["linux"].pop("seccomp", None)
if seccomp:
    c["linux"]["seccomp"] = json.loads(seccomp)
json.dump(c, open(path, "w"))
PY
	"$ENGINE_BUILD/tools/engine-oci" --root "$tmp/oci" --config "$tmp/config.json" run --bundle "$tmp/bundle" "$1" </dev/null 2>&1
}
out=$(oci paths1 "")
contains "engine-oci: the bundle's capabilities" "CapEff=0000000020000420 CapBnd=0000000020000420" "$out"
contains "engine-oci: the bundle's no_new_privs, no seccomp as it asks" "NoNewPrivs=1 Seccomp=0" "$out"
# Everything the probe tries refused (clone only with a new user namespace).
out=$(oci paths2 '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86",
	"SCMP_ARCH_X32"], "syscalls": [{"names": ["userfaultfd", "perf_event_open", "io_uring_setup", "bpf",
	"kexec_load", "open_by_handle_at", "fsopen", "setns", "init_module", "iopl", "socket", "personality",
	"clone3", "syslog"], "action": "SCMP_ACT_ERRNO"}, {"names": ["clone"], "action": "SCMP_ACT_ERRNO",
	"args": [{"index": 0, "value": 268435456, "valueTwo": 268435456, "op": "SCMP_CMP_MASKED_EQ"}]}]}')
contains "engine-oci: the bundle's seccomp filter" "Seccomp=2 refused=16/16" "$out"
finish
