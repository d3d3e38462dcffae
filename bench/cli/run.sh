#!/bin/sh
# The CLI, process to process (issue 13): what a shell user or a script
# pays per command.
#   engine --version                      vs fork+exec of /bin/true (the floor)
#   engine run --rm --memory 64m busybox true
#                                         vs crun run and runc run on an
#                                         equivalent bundle, and unshare+chroot
#                                         of the same namespaces
# plus engine_run in a loop in one process (the library's own cost). The
# engine store and the peers' bundle are both on tmpfs. Prints median and
# p95 in ms and the ratios (targets: --version under 2 ms, engine run under
# half of crun run).
#
#   bench/cli/run.sh [N]       (as root; ENGINE_BUILD=<build dir>, default build/default)
set -eu
N=${1:-200}
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/bench/common/bundle.sh"
E="$B/tools/engine"
head -c 4 "$E" | grep -q ELF || { echo "$E is not a binary"; exit 1; }
work=$(mktemp -d /dev/shm/engine-bench-cli-XXXXXX)
trap 'rm -rf "$work"' EXIT
root="$work/root"
"$E" --root "$root" default >/dev/null
make_bundle "$root" "$work"
rootfs="$work/bundle/rootfs"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg), N=$N"

row() { # row NAME "median p95 rate"
	printf '%-44s %8s %8s %8s\n' "$1" $2
}
printf '%-44s %8s %8s %8s\n' "process to process" "median" "p95" "runs/s"
floor=$("$RB" --cmd --quiet -n "$N" -- /bin/true)
row "fork+exec /bin/true" "$floor"
ver=$("$RB" --cmd --quiet -n "$N" -- "$E" --version)
row "engine --version" "$ver"
crv=$("$RB" --cmd --quiet -n "$N" -- "$(command -v crun)" --version)
row "crun --version" "$crv"
us=$("$RB" --cmd --quiet -n "$N" -- "$(command -v unshare)" --mount --uts --ipc --pid --net --fork \
	chroot "$rootfs" /bin/true)
row "unshare -muipn --fork chroot true" "$us"
cr=$(unshare --mount --propagation private -- sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' sh \
	"$RB" --cmd --quiet -n "$N" -- "$(command -v crun)" run --bundle "$work/bundle" "bench-cli-crun-{}")
row "crun run" "$cr"
rc=$("$RB" --cmd --quiet -n "$((N / 4 + 1))" -- "$(command -v runc)" run --bundle "$work/bundle" "bench-cli-runc-{}")
row "runc run" "$rc"
en=$("$RB" --cmd --quiet -n "$N" -- "$E" --root "$root" run --rm --memory 64m busybox true)
row "engine run --rm --memory 64m busybox true" "$en"
lib=$("$RB" --root "$root" --image busybox -n "$N")
row "engine_run (library, one process)" "$lib"
echo
echo "$ver $floor" | awk '{ printf "engine --version: %.2f ms (fork+exec floor %.2f ms; target < 2 ms)\n", $1, $4 }'
echo "$en $cr $rc $us $lib" | awk '{
	printf "engine run / crun run:       median %.2f, p95 %.2f (target < 0.5)\n", $1 / $4, $2 / $5;
	printf "engine run / runc run:       median %.2f, p95 %.2f\n", $1 / $7, $2 / $8;
	printf "engine run / unshare+chroot: median %.2f, p95 %.2f\n", $1 / $10, $2 / $11;
	printf "engine run - engine_run:     %.2f ms (the CLI process itself)\n", $1 - $13 }'
