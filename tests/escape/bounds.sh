#!/bin/sh
# What a container writes that a host process of the engine then holds in
# memory, outside the container's cgroup and its limits: the output of a
# health check (the image's HEALTHCHECK runs whatever the image says; the
# checker, a child of the monitor, kept all of it), the output of a build's
# RUN without a newline (the builder kept the line whole), and the
# container's /etc/hosts, a host file bind-mounted writable, which whoever
# starts a container on the same network read whole to rewrite (made
# sparse and huge, it costs the container nothing). Each holds a bounded
# amount now: Docker's 4096 bytes of health output, lines passed on in
# pieces, the hosts file's first MiB; and the hosts file is in the store,
# not in the run dir, a tmpfs the host needs. Peak memory is read from the kernel
# (VmHWM, ru_maxrss), never timed. In a network namespace of its own (a
# bridge network for the hosts file).
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
. "$(dirname "$0")/../integration/netns.inc"
. "$(dirname "$0")/lib.sh"

# maxrss CMD...: runs CMD; prints its exit code, the peak resident memory
# of it and its children in MiB, then the last 200 bytes it wrote.
maxrss() {
	/usr/bin/python3 - "$@" <<'PY'
import resource, subprocess, sys
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
end = b""
for chunk in iter(lambda: p.stdout.read(65536), b""):
    end = (end + chunk)[-200:]
rc = p.wait()
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
print(end.decode(errors="replace"))
PY
}
small() { [ "$1" -lt 48 ] && echo small || echo "$1 MiB"; }

# 1. A health check that prints 256 MiB.
id=$(E run -d --network none --health-cmd 'head -c 268435456 /dev/zero; echo tail-end' \
	--health-interval 1s --health-timeout 60s busybox sleep 600)
[ -n "$id" ] || { echo "FAIL: start the container"; exit 1; }
i=0
while [ $i -lt 300 ] && ! E inspect --format '{{json .State.Health}}' "$id" | grep -q ExitCode; do
	sleep 0.1
	i=$((i + 1))
done
check "health check: its result is recorded" healthy "$(E inspect --format '{{.State.Health.Status}}' "$id")"
out=$(E inspect "$id" | /usr/bin/python3 -c 'import json, sys; print(len(json.load(sys.stdin)[0]["State"]["Health"]["Log"][0]["Output"]))')
check "health check: 4096 bytes of its output are kept" 4096 "$out"
mon=$(sed -n 's/.*"MonitorPid": *\([0-9]*\).*/\1/p' "$root/containers/$id/state.json")
peak=0
for p in $(ps -eo pid=,ppid= | awk -v m="$mon" '$2 == m {print $1}'); do
	kb=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$p/status" 2>/dev/null)
	[ -n "$kb" ] && [ "$kb" -gt "$peak" ] && peak=$kb
done
check "control: the monitor's checker runs" 1 "$([ "$peak" -gt 0 ] && echo 1)"
check "health check: 256 MiB of output, the checker's peak memory" small "$(small $((peak / 1024)))"
E rm -f "$id" >/dev/null

# 2. A build step printing 128 MiB without a newline.
mkdir -p "$tmp/ctx"
printf 'FROM busybox\nRUN head -c 134217728 /dev/zero | tr "\\\\0" a; echo; echo step-done\n' >"$tmp/ctx/Dockerfile"
out=$(maxrss "$ENGINE_BUILD/tools/engine" --root "$root" --config "$tmp/config.json" build --no-cache \
	--network none -t bounds-build "$tmp/ctx")
set -- $out
check "build: the step with a 128 MiB line succeeds" 0 "$1"
check "build: 128 MiB without a newline, the builder's peak memory" small "$(small "$2")"
contains "build: the output after the long line is passed on" "step-done" "$out"

# 3. /etc/hosts on a bridge network, made a sparse 256 MiB, then a peer
# starts on that network (its start rewrites the peers' files).
E network create bounds-net >/dev/null || { echo "FAIL: create a network"; exit 1; }
id=$(E run -d --network bounds-net busybox sh -c 'truncate -s 268435456 /etc/hosts; echo ready; exec sleep 600')
i=0
while [ $i -lt 50 ] && ! E logs "$id" 2>&1 | grep -q ready; do sleep 0.1; i=$((i + 1)); done
check "control: the container's hosts file is 256 MiB" 268435456 "$(E exec "$id" stat -c %s /etc/hosts)"
set -- $(maxrss "$ENGINE_BUILD/tools/engine" --root "$root" --config "$tmp/config.json" run --rm \
	--network bounds-net busybox true)
check "hosts: a peer starts" 0 "$1"
check "hosts: a sparse 256 MiB hosts file, the peer's start's peak memory" small "$(small "$2")"
out=$(E exec "$id" sh -c 'head -c 4096 /etc/hosts | tr -d "\0"; echo; stat -c %s /etc/hosts')
contains "hosts: its own lines are kept" "localhost" "$out"
contains "hosts: the file was rewritten (peers' part)" "# engine: containers on the same networks" "$out"
# What it writes there is its own storage's, not the run dir's (a tmpfs,
# /run/engine, that the host needs).
E exec "$id" sh -c 'head -c 8388608 /dev/zero | tr "\0" x >> /etc/hosts'
check "control: the container wrote 8 MiB more into its hosts file" 1 \
	"$([ "$(E exec "$id" stat -c %s /etc/hosts)" -gt 8388608 ] && echo 1)"
check "hosts: none of it in the run dir (KiB there)" small "$(k=$(du -sk "$root/run" | cut -f1); [ "$k" -lt 1024 ] && echo small || echo "$k")"
E rm -f "$id" >/dev/null
E network rm bounds-net >/dev/null
finish
