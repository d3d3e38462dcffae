#!/bin/sh
# Image endpoints of `engine daemon` through the Docker CLI: tag, inspect,
# history, save / load, rmi, import, image prune, and push / pull with a
# loopback docker-registry.
set -u
. "$(dirname "$0")/daemon_common.inc"
start_daemon
D() { timeout 120 "$DOCKER" "$@"; }
reg_pid=""
stop_registry() { [ -n "$reg_pid" ] && kill "$reg_pid" 2>/dev/null && wait "$reg_pid" 2>/dev/null; reg_pid=""; }

D tag busybox mybb:1; check "tag" "mybb" "$(D images --format '{{.Repository}}' mybb)"
check "inspect" "true" "$(D image inspect -f '{{if .Id}}true{{end}}' mybb:1)"
D history mybb:1 | grep -q "engine image default"; check "history" 0 $?
D save -o "$root/bb.tar" busybox; check "save" 0 $?
D rmi mybb:1 >/dev/null; check "rmi untags" "" "$(D images -q mybb)"
D rmi busybox >/dev/null; D images -q busybox >"$root/q"; check "rmi removes" "" "$(cat "$root/q")"
check "load" "Loaded image: busybox:latest" "$(D load -i "$root/bb.tar")"
D rmi nosuch 2>"$root/err"; check "rmi unknown fails" 1 $?
E unpack busybox "$root/rootfs" >/dev/null && tar -C "$root/rootfs" -cf "$root/rootfs.tar" .
id=$(D import "$root/rootfs.tar" imported:1); check "import" 0 $?
check "imported image runs" "ok" "$(D run --rm --network none imported:1 /bin/echo ok 2>/dev/null)"
check "import's comment" "Imported from -" "$(D image inspect -f '{{.Comment}}' imported:1)"
D import -c 'CMD ["cat", "/etc/hostname2"]' -c "ENV A=1" -c "WORKDIR /w" -m msg "$root/rootfs.tar" imported:2 >/dev/null
check "import -c -m (no PATH added, as dockerd)" "[cat /etc/hostname2] [A=1] /w msg" \
	"$(D image inspect -f '{{.Config.Cmd}} {{.Config.Env}} {{.Config.WorkingDir}} {{.Comment}}' imported:2)"
D import -c "BOGUS x" "$root/rootfs.tar" imported:3 2>"$root/err"; check "import of a bad change fails" 1 $?
check "with dockerd's message" "Error response from daemon: bogus is not a valid change command" "$(cat "$root/err")"
D rmi imported:1 imported:2 >/dev/null
D image prune -f >/dev/null; check "image prune" 0 $?

# The classic builder (CLI 28 falls back to it without buildx).
mkdir -p "$root/ctx"
echo hello >"$root/ctx/a.txt"
printf 'FROM busybox\nARG V=x\nRUN echo "arg=$V"\nCOPY a.txt /a.txt\nCMD ["cat", "/a.txt"]\n' >"$root/ctx/Dockerfile"
D build --build-arg V=y -t bimg:1 "$root/ctx" >"$root/build" 2>&1; check "build" 0 $?
grep -q "arg=y" "$root/build"; check "build runs RUN with the build arg" 0 $?
grep -q "Successfully tagged bimg:1" "$root/build"; check "build tags" 0 $?
check "built image runs" "hello" "$(D run --rm --network none bimg:1 2>/dev/null)"
D build --build-arg V=y -t bimg:1 "$root/ctx" 2>&1 | grep -c "Using cache" >"$root/n"
check "second build uses the cache (ARG, RUN, COPY, CMD)" "4" "$(cat "$root/n")"
printf 'FROM busybox\nRUN exit 7\n' >"$root/ctx/Dockerfile.bad"
D build -f "$root/ctx/Dockerfile.bad" "$root/ctx" >"$root/build" 2>&1; check "failed RUN's code is the exit status" 7 $?
grep -q "returned a non-zero code: 7" "$root/build"; check "failed build message" 0 $?
printf 'FROM busybox\nCOPY nofile /x\n' >"$root/ctx/Dockerfile.nf"
D build -q -f "$root/ctx/Dockerfile.nf" "$root/ctx" >"$root/build" 2>&1; check "quiet build of a missing file fails" 1 $?
grep -q "^Step 2/2 : COPY nofile /x$" "$root/build"; check "and shows its steps, as with dockerd" 0 $?
check "the error names no Dockerfile line, as dockerd's" \
	"COPY failed: file not found in build context or excluded by .dockerignore: stat nofile: file does not exist" \
	"$(tail -n 1 "$root/build")"
check "a quiet build prints the ID alone" "1" "$(D build -q --build-arg V=y -t bimg:1 "$root/ctx" 2>/dev/null | grep -c .)"
# dockerd hides intermediate images (untagged, with a child) unless -a,
# and never counts them dangling
check "images hides the build's intermediate images" "bimg busybox" \
	"$(D images --format '{{.Repository}}' | tr '\n' ' ' | sed 's/ $//')"
[ "$(D images -a -q | wc -l)" -gt 2 ]; check "images -a shows them" 0 $?
check "not dangling" "" "$(D images -a -q -f dangling=true)"
check "their ParentId, RepoTags and RepoDigests" "true <none>:<none> <none>@<none>" \
	"$(curl -s --unix-socket "$sock" 'http://d/v1.41/images/json?all=1' | python3 -c '
import json, sys
i = [x for x in json.load(sys.stdin) if x["RepoTags"] == ["<none>:<none>"]][0]
print(str(bool(i["ParentId"])).lower(), i["RepoTags"][0], i["RepoDigests"][0])')"
check "a tagged image without digests: RepoDigests null" "None" \
	"$(curl -s --unix-socket "$sock" 'http://d/v1.41/images/json' | python3 -c '
import json, sys
print([x for x in json.load(sys.stdin) if "bimg:1" in x["RepoTags"]][0]["RepoDigests"])')"
check "COPY's history line as dockerd's (one space after #(nop))" "#(nop) COPY file:" \
	"$(D history --no-trunc --format '{{.CreatedBy}}' bimg:1 | grep -o '#(nop) COPY file:')"
D build -t bimg "$root/ctx" >"$root/build" 2>&1
check "a tag without one is named :latest" "Successfully tagged bimg:latest" "$(grep '^Successfully tagged' "$root/build")"
D rmi bimg:1 bimg >/dev/null

# rmi of a parent (dockerd's rules): by tag it only untags, by ID it is a
# hard 409 even forced; removing the child then takes the untagged parent.
mkdir -p "$root/p" "$root/c"
printf 'FROM busybox\nRUN echo a >/a\n' >"$root/p/Dockerfile"
D build -q -t par:1 "$root/p" >/dev/null 2>&1
printf 'FROM par:1\nRUN echo b >/b\n' >"$root/c/Dockerfile"
D build -q -t chi:1 "$root/c" >/dev/null 2>&1
pid=$(D inspect -f '{{.Id}}' par:1)
check "child's parent" "$pid" "$(D inspect -f '{{.Parent}}' chi:1)"
D rmi "$pid" 2>"$root/err"; check "rmi of a parent by ID fails" 1 $?
short=$(echo "${pid#sha256:}" | cut -c1-12)
check "parent conflict message" \
	"Error response from daemon: conflict: unable to delete $short (cannot be forced) - image has dependent child images" \
	"$(cat "$root/err")"
D rmi -f "$pid" >/dev/null 2>&1; check "even forced" 1 $?
code=$(curl -s -o "$root/out" -w '%{http_code}' --unix-socket "$sock" -X DELETE "http://d/v1.41/images/$pid")
check "a 409" 409 "$code"
check "rmi of a parent by tag untags only" '[{"Untagged":"par:1"}]' \
	"$(curl -s --unix-socket "$sock" -X DELETE http://d/v1.41/images/par:1)"
check "the parent stays" "$pid" "$(D inspect -f '{{.Id}}' "$pid" 2>&1)"
D rmi chi:1 >"$root/out" 2>&1; check "rmi of the child" 0 $?
grep -q "Deleted: $pid" "$root/out"; check "takes the untagged parent along" 0 $?
D inspect "$pid" >/dev/null 2>&1; check "parent gone" 1 $?

if command -v docker-registry >/dev/null; then
	port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	cat >"$root/reg.yml" <<YML
version: 0.1
storage:
  filesystem:
    rootdirectory: $root/registry
http:
  addr: 127.0.0.1:$port
YML
	docker-registry serve "$root/reg.yml" >"$root/reg.log" 2>&1 &
	reg_pid=$!
	i=0; until curl -s -o /dev/null "http://127.0.0.1:$port/v2/" || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
	D tag busybox "127.0.0.1:$port/t/bb:v1"
	D push "127.0.0.1:$port/t/bb:v1" >"$root/push" 2>&1; check "push" 0 $?
	grep -q "v1: digest: sha256:" "$root/push"; check "push reports the digest" 0 $?
	D rmi "127.0.0.1:$port/t/bb:v1" >/dev/null
	D pull "127.0.0.1:$port/t/bb:v1" >"$root/pull" 2>&1; check "pull" 0 $?
	grep -q "Digest: sha256:" "$root/pull"; check "pull reports the digest" 0 $?
	check "pulled image runs" "ok" "$(D run --rm --network none "127.0.0.1:$port/t/bb:v1" echo ok 2>/dev/null)"
	D pull "127.0.0.1:$port/t/nosuch:v1" >"$root/pull" 2>&1; check "pull of a missing image fails" 1 $?
	stop_registry
fi
echo "$fails failed"
[ $fails -eq 0 ]
