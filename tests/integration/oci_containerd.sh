#!/bin/sh
# engine-oci under Debian's containerd alone (no dockerd), through its
# io.containerd.runc.v2 shim: a containerd of the test's own (root, state,
# socket under a temp dir) in a network namespace of the test's own, the
# images it runs imported from `engine save` (docker-archive and OCI).
# The shim's runtime is engine-oci twice over: as BinaryName (ctr run
# --runc-binary) and as the "runc" the shim finds on PATH (ctr container
# create has no --runc-binary), a wrapper that logs each call, so every
# check below provably went through engine-oci: run --rm and its exit
# status, run -d, task ls/ps, exec (output and status), pause/resume,
# kill, task delete's exit status, container create + task start, and the
# events containerd publishes for all of it. Then containerd as a client
# of `engine registry serve`: ctr pulls our image (same digest) and runs
# it, pushes its own, which engine pulls with ctr's digest.
set -u
. "$(dirname "$0")/lib.sh"
it_require_root
it_require_busybox
it_require containerd ctr containerd-shim-runc-v2 curl
. "$(dirname "$0")/netns.inc"
it_engine_root ctrd
it_tmpdir
OCI=${ENGINE_OCI:-$ENGINE_BUILD/tools/engine-oci}
ns="engine-it-$$"
cpid="" epid="" spid=""
C() { ctr -a "$T/ctrd.sock" -n "$ns" "$@"; }
ctrd_cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	if [ -n "$cpid" ]; then
		for c in $(C task ls -q 2>/dev/null); do C task kill -s KILL "$c" >/dev/null 2>&1; done
		sleep 0.2
		for c in $(C container ls -q 2>/dev/null); do
			C task delete -f "$c" >/dev/null 2>&1
			C container delete "$c" >/dev/null 2>&1
		done
		[ -n "$epid" ] && kill "$epid" 2>/dev/null
		kill "$cpid" 2>/dev/null
		wait "$cpid" 2>/dev/null
	fi
	grep -o " $T[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
	# The shim's runtime root (--root /run/containerd/runc/<namespace>) and
	# the cgroups /<namespace>/<id> it made.
	rm -rf "/run/containerd/runc/$ns"
	for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/unified/; do
		[ -d "$h$ns" ] && find "$h$ns" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	it_cleanup
}
trap ctrd_cleanup EXIT

# engine-oci as "runc" on the shim's PATH, logging its verbs.
mkdir -p "$T/bin"
cat > "$T/bin/runc" <<EOF
#!/bin/sh
echo "\$*" >> "$T/calls"
exec "$OCI" "\$@"
EOF
chmod +x "$T/bin/runc"
: > "$T/calls"
calls() { grep -c -- "$1" "$T/calls"; }

E image default >/dev/null || fail "default image"
E save -o "$T/bb.tar" busybox || fail "save docker-archive"
E tag busybox oci/busybox:1
E save --format oci -o "$T/bb-oci.tar" oci/busybox:1 || fail "save oci"
PATH="$T/bin:$PATH" containerd --root "$T/root" --state "$T/state" --address "$T/ctrd.sock" \
	> "$T/containerd.log" 2>&1 &
cpid=$!
i=0
while ! C version >/dev/null 2>&1 && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
C version >/dev/null 2>&1 || fail "containerd did not start: $(tail -n 5 "$T/containerd.log")"
C events > "$T/events" 2>&1 &
epid=$!

out=$(C images import "$T/bb.tar" 2>&1) || fail "ctr import of our docker-archive: $out"
out=$(C images import "$T/bb-oci.tar" 2>&1) || fail "ctr import of our OCI archive: $out"
out=$(C images ls -q | sort | tr '\n' ' ')
check "both archives imported under their names" "docker.io/library/busybox:latest docker.io/oci/busybox:1 " "$out"
img=docker.io/library/busybox:latest
R="--runtime io.containerd.runc.v2 --runc-binary $T/bin/runc"

out=$(C run $R --rm "$img" r1 /bin/echo hi-ctr 2>&1); check "ctr run --rm" "hi-ctr" "$out"
C run $R --rm docker.io/oci/busybox:1 r2 /bin/sh -c 'exit 3' >/dev/null 2>&1
check "exit status through the shim" 3 $?
check "BinaryName is engine-oci: create, start, delete" "1 1 1" \
	"$(calls ' create --bundle [^ ]*/r1 ') $(calls ' start r1$') $(calls ' delete r1$')"
out=$(C run $R --rm --read-only --env A=1 "$img" r3 /bin/sh -c 'touch /x 2>&1; echo $A' 2>&1)
check "read-only rootfs, env" "touch: /x: Read-only file system 1" "$(echo $out)"

C run $R -d "$img" d1 /bin/sleep 1000 > /dev/null 2>&1; check "ctr run -d" 0 $?
check "task ls: running" RUNNING "$(C task ls | awk '$1 == "d1" { print $3 }')"
pid=$(C task ls | awk '$1 == "d1" { print $2 }')
check "task ps lists the init process" "$pid" "$(C task ps d1 | awk 'NR == 2 { print $1 }')"
out=$(C task exec --exec-id e1 d1 /bin/sh -c 'echo exec-ok; cat /proc/1/cmdline | tr "\0" " "' 2>&1)
check "task exec" "exec-ok /bin/sleep 1000" "$(echo $out)"
C task exec --exec-id e2 d1 /bin/sh -c 'exit 7' >/dev/null 2>&1; check "exec exit status" 7 $?
check "exec went through engine-oci" 2 "$(calls ' exec --process ')"
C task pause d1; check "task pause" PAUSED "$(C task ls | awk '$1 == "d1" { print $3 }')"
check "the process is frozen" "T" "$(awk '{ print $3 }' "/proc/$pid/stat" | sed 's/D/T/')"
C task resume d1; check "task resume" RUNNING "$(C task ls | awk '$1 == "d1" { print $3 }')"
C task kill -s KILL d1; check "task kill" 0 $?
check "pause, resume and kill went through engine-oci" "1 1 1" "$(calls ' pause d1$') $(calls ' resume d1$') $(calls ' kill d1 9$')"
i=0
while [ "$(C task ls | awk '$1 == "d1" { print $3 }')" != STOPPED ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "stopped after kill" STOPPED "$(C task ls | awk '$1 == "d1" { print $3 }')"
out=$(C task delete d1 2>&1); check "task delete" 0 $?
contains "task delete reports the exit status" "137" "$out"
C container delete d1; check "container delete" 0 $?

# A container created alone and started as a task: the shim's own "runc".
C container create "$img" c1 -- /bin/sh -c 'echo from-c1; exit 4' > /dev/null; check "container create" 0 $?
out=$(C task start c1 2>&1); rc=$?
check "task start: output" "from-c1" "$out"
check "task start: exit status" 4 "$rc"
C task delete c1 > /dev/null 2>&1
C container delete c1
check "the shim's PATH runc is engine-oci" 1 "$(calls ' start c1$')"

# containerd as a client of `engine registry serve` on the namespace's
# loopback: it pulls our images and pushes its own, which engine pulls.
"$ENGINE_BUILD/tools/engine" --root "$root" --config "$root/config.json" registry serve --addr 127.0.0.1:0 \
	> "$T/srv.log" 2>&1 &
spid=$!
i=0
while ! grep -q "listening on" "$T/srv.log" && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
SRV=127.0.0.1:$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$T/srv.log")
out=$(C images pull --plain-http "$SRV/busybox:latest" 2>&1) || check "ctr pulls from our registry" 0 1
want=$(curl -s -o /dev/null -D - -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
	"http://$SRV/v2/busybox/manifests/latest" | tr -d '\r' | sed -n 's/^Docker-Content-Digest: //Ip')
check "ctr pulls our registry's digest" "$want" "$(C images ls | awk -v r="$SRV/busybox:latest" '$1 == r { print $3 }')"
out=$(C run $R --rm "$SRV/busybox:latest" p1 /bin/echo pulled-from-engine 2>&1)
check "ctr runs what it pulled from us" "pulled-from-engine" "$out"
C images tag docker.io/oci/busybox:1 "$SRV/from-ctr/bb:1" > /dev/null
out=$(C images push --plain-http "$SRV/from-ctr/bb:1" 2>&1) || check "ctr pushes to our registry: $out" 0 1
pushed=$(C images ls | awk -v r="$SRV/from-ctr/bb:1" '$1 == r { print $3 }')
out=$(E pull "$SRV/from-ctr/bb:1" 2>&1) || check "engine pulls what ctr pushed: $out" 0 1
contains "engine pulls ctr's push with its digest" "Digest: $pushed" "$out"
kill "$spid"
wait "$spid" 2>/dev/null
spid=""

sleep 0.3
for e in /tasks/create /tasks/start /tasks/exec-added /tasks/exec-started /tasks/paused /tasks/resumed \
	/tasks/exit /tasks/delete /containers/delete; do
	grep -q " $e " "$T/events" && echo "ok   event $e" || check "event $e" present missing
done
out=$(grep ' /tasks/exit ' "$T/events" | grep '"container_id":"d1","id":"d1"')
contains "the exit event carries the status" '"exit_status":137' "$out"
check "no tasks left" "" "$(C task ls -q)"
check "engine-oci holds no state" "" "$(ls "/run/containerd/runc/$ns/oci" 2>/dev/null)"
it_done
