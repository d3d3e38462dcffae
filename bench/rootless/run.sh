#!/bin/sh
# Start latency of one ephemeral /bin/true container run by a normal user:
# engine_run rootless (a user namespace mapped through newuidmap, no
# cgroup: this host delegates none) vs engine_run as root (with and
# without limits) vs bwrap as the same user (its own user namespace, no
# cgroups, no seccomp). Rounds interleave the four so the loaded machine's
# drift hits them alike; prints each one's median of round medians and the
# ratios. The user (with subordinate ranges) is made for the run and
# removed after.
#
#   bench/rootless/run.sh [N] [ROUNDS]   (as root; ENGINE_BUILD=<build dir>)
set -eu
N=${1:-40}
ROUNDS=${2:-5}
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/bench/common/bundle.sh"
user="engbench$$"
work=$(mktemp -d /tmp/engine-bench-rootless-XXXXXX)
chmod 755 "$work"
cleanup() {
	for p in $(ps -o pid= -u "$user" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	id "$user" >/dev/null 2>&1 && userdel -r -f "$user" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
useradd -m -s /bin/sh "$user"
grep -q "^$user:" /etc/subuid || usermod --add-subuids 400000-465535 --add-subgids 400000-465535 "$user"
home=$(getent passwd "$user" | cut -d: -f6)
U() { runuser -u "$user" -- env HOME="$home" LD_LIBRARY_PATH="$LD_LIBRARY_PATH" "$@"; }

root="$work/root"
printf '{"cgroup-parent": "engine-bench-%s"}\n' "$$" >"$work/config.json"
"$B/tools/engine" --root "$root" default >/dev/null
make_bundle "$root" "$work"
U "$B/tools/engine" default >/dev/null
bw=$(command -v bwrap)

: >"$work/rows"
for r in $(seq "$ROUNDS"); do
	echo "rootless $(U "$RB" --root "$home/.local/share/engine" --image busybox -n "$N" --no-limits)" >>"$work/rows"
	echo "rootful_nolimits $("$RB" --root "$root" --image busybox -n "$N" --no-limits)" >>"$work/rows"
	echo "rootful $("$RB" --root "$root" --image busybox -n "$N")" >>"$work/rows"
	echo "bwrap $(U "$RB" --cmd -n "$N" -- "$bw" --unshare-all --ro-bind "$work/bundle/rootfs" / --proc /proc \
		--dev /dev /bin/true)" >>"$work/rows"
done
rmdir /sys/fs/cgroup/*/"engine-bench-$$" /sys/fs/cgroup/"engine-bench-$$" 2>/dev/null || true

python3 - "$work/rows" "$N" "$ROUNDS" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, med, p95, rate = line.split()
    rows.setdefault(name, []).append((float(med), float(p95)))
m = {k: (statistics.median(a for a, _ in v), statistics.median(b for _, b in v)) for k, v in rows.items()}
print(f"one /bin/true container, {sys.argv[3]} interleaved rounds of {sys.argv[2]}: median of medians (ms)")
labels = {"rootless": "engine_run rootless", "rootful_nolimits": "engine_run as root, no limits",
          "rootful": "engine_run as root, 64m+64 pids", "bwrap": "bwrap as the user"}
for k in ["rootless", "rootful_nolimits", "rootful", "bwrap"]:
    print(f"  {labels[k]:34s} median {m[k][0]:7.2f}  p95 {m[k][1]:7.2f}")
r = m["rootless"]
for k in ["rootful_nolimits", "rootful", "bwrap"]:
    print(f"  rootless / {labels[k]:31s} median {r[0] / m[k][0]:5.2f}  p95 {r[1] / m[k][1]:5.2f}")
PY
