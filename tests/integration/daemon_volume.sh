#!/bin/sh
# `engine daemon`'s volumes through the Docker CLI, in a network namespace
# of the test's own (daemon_common.inc): docker volume create/ls/inspect/
# rm/prune, run -v NAME:/path (made on first use, filled from the image),
# -v /path and Config.Volumes (anonymous, gone with rm -v and --rm),
# --mount type=volume|bind|tmpfs, ps --filter volume=, errors.
set -u
. "$(dirname "$0")/daemon_common.inc"
start_daemon
D() { "$DOCKER" "$@"; }

check "volume create" "data" "$(D volume create --label team=web data)"
check "volume create again" "data" "$(D volume create data)"
check "volume ls" "data" "$(D volume ls -q)"
check "volume ls --filter label" "data" "$(D volume ls -q --filter label=team=web)"
check "volume ls --filter dangling" "data" "$(D volume ls -q --filter dangling=true)"
check "volume inspect" "local local web" "$(D volume inspect -f '{{.Driver}} {{.Scope}} {{index .Labels "team"}}' data)"
check "volume inspect mountpoint" "$root/data/volumes/data/_data" "$(D volume inspect -f '{{.Mountpoint}}' data)"
D volume inspect nosuch >/dev/null 2>&1; check "inspect of an unknown volume" 1 $?
D volume create -d nfs v2 >/dev/null 2>&1; check "other drivers refused" 1 $?
check "volume create -o" "tmpfs" "$(D volume create -o type=tmpfs -o o=size=1m scratch >/dev/null; D volume inspect -f '{{.Options.type}}' scratch)"

D run --rm --network none -v data:/etc busybox sh -c 'echo hello >/etc/note'
check "run -v NAME: copied the image's files" "yes" "$([ -f "$root/data/volumes/data/_data/passwd" ] && echo yes)"
check "run -v NAME: kept" "hello" "$(D run --rm --network none -v data:/d busybox cat /d/note)"
check "run --mount volume" "hello" "$(D run --rm --network none --mount source=data,target=/m,readonly busybox cat /m/note)"
D run --rm --network none --mount source=data,target=/m,readonly busybox touch /m/x 2>/dev/null
check "readonly volume" 1 $?
check "run -v NEW: made on first use" "newvol" "$(D run --rm --network none -v newvol:/n busybox true; D volume ls -q --filter name=newvol)"
mkdir -p "$root/host"
echo h >"$root/host/f"
check "run --mount bind" "h" "$(D run --rm --network none --mount type=bind,src=$root/host,dst=/h busybox cat /h/f)"
D run --rm --network none --mount type=bind,src=$root/missing,dst=/h busybox true 2>/dev/null
check "bind of a missing source refused" 125 $?
check "run --mount tmpfs" "1" "$(D run --rm --network none --mount type=tmpfs,dst=/t busybox grep -c ' /t tmpfs' /proc/mounts)"
check "a tmpfs-type volume" "1" "$(D run --rm --network none -v scratch:/s busybox grep -c ' /s tmpfs' /proc/mounts)"

n=$(D volume ls -q | wc -l)
D run -d --name user --network none -v data:/data -v /anon busybox sleep 60 >/dev/null
check "ps --filter volume=NAME" "user" "$(D ps --filter volume=data --format '{{.Names}}')"
check "inspect Mounts" "volume data /data" "$(D inspect -f '{{range .Mounts}}{{if eq .Destination "/data"}}{{.Type}} {{.Name}} {{.Destination}}{{end}}{{end}}' user)"
check "anonymous volume made" $((n + 1)) "$(D volume ls -q | wc -l)"
D volume rm data >/dev/null 2>&1; check "rm of a volume in use refused" 1 $?
check "system df lists volumes" "yes" "$(D system df -v | grep -q '^data ' && echo yes)"
check "dangling=false" "data" "$(D volume ls -q --filter dangling=false | grep -x data)"
D rm -f -v user >/dev/null
check "rm -v removed the anonymous volume" "$n" "$(D volume ls -q | wc -l)"
D run --rm --network none -v /anon busybox true
check "--rm removed the anonymous volume" "$n" "$(D volume ls -q | wc -l)"
D create --name cv --network none busybox true >/dev/null
D run -d --name anon3 --network none -v /a3 busybox sleep 60 >/dev/null
D rm -f anon3 >/dev/null
check "volume prune --filter label=none keeps all" "" "$(D volume prune -f --filter label=none | grep -v '^Total')"
# API 1.41 (dockerd 20.10): prune takes every unused volume, named ones too
# (anonymous ones only from 1.42, where prune -a is the filter all=true)
D volume prune -f >"$root/out"
check "volume prune takes the anonymous one" "1" "$(grep -c '^[0-9a-f]\{64\}$' "$root/out")"
check "and the named ones" "data newvol scratch" "$(grep -x 'data\|newvol\|scratch' "$root/out" | sort | tr '\n' ' ' | sed 's/ $//')"
D rm cv >/dev/null
D volume rm -f data scratch >/dev/null
check "volume rm -f" "" "$(D volume ls -q)"

if python3 -c 'import docker' 2>/dev/null; then
	python3 - "$DOCKER_HOST" <<'PY'
import sys, docker
c = docker.DockerClient(base_url=sys.argv[1])
fails = 0
def check(name, want, got):
    global fails
    if want == got:
        print("ok   " + name)
    else:
        print(f"FAIL {name}: expected {want!r} got {got!r}"); fails += 1
v = c.volumes.create("pyvol", labels={"a": "b"})
check("python create", "pyvol", v.name)
check("python labels", {"a": "b"}, c.volumes.get("pyvol").attrs["Labels"])
out = c.containers.run("busybox", ["sh", "-c", "echo x > /v/f; cat /v/f"], volumes={"pyvol": {"bind": "/v", "mode": "rw"}},
                       network_mode="none", remove=True)
check("python run with a volume", b"x\n", out)
check("python list", ["pyvol"], [x.name for x in c.volumes.list()])
v.remove()
check("python remove", [], c.volumes.list())
sys.exit(1 if fails else 0)
PY
	check "python3-docker volumes" 0 $?
fi
[ $fails -eq 0 ] && echo "all passed" || echo "$fails failed"
[ $fails -eq 0 ]
