#!/bin/sh
# engine-oci vs runc vs crun on the same OCI bundle (bench/common's: the
# busybox tree, /bin/true, 64m memory and 64 pids limits, Docker's seccomp
# profile), as root, in the same run, interleaved (bench.py rotates the
# order every round): create + start + wait + delete as containerd's shim
# drives a runtime, and `run`. Every runtime gets the same absolute
# cgroupsPath (removed at the end) and a state root of its own. Prints
# median and p95 in ms and the ratio to crun, then the load average.
#
#   bench/oci/run.sh [ROUNDS]   (ENGINE_BUILD=<build dir>, default build/default)
set -eu
N=${1:-30}
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/bench/common/bundle.sh"
for t in runc crun unshare; do command -v $t >/dev/null || { echo "$t missing"; exit 77; }; done
work=$(mktemp -d /tmp/engine-bench-oci-XXXXXX)
cg="engine-bench-oci-$$"
cleanup() {
	for h in /sys/fs/cgroup/*/; do
		[ -d "$h$cg" ] && find "$h$cg" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

"$B/tools/engine" --root "$work/root" default >/dev/null
make_bundle "$work/root" "$work"
python3 - "$work/bundle/config.json" "/$cg/ctr" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["linux"]["cgroupsPath"] = sys.argv[2]
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
printf '{"cgroup-parent": "%s"}\n' "$cg" > "$work/engine.json"
echo "$N rounds, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$top/bench/oci/bench.py" "$work" "$work/bundle" "$N" \
	"engine-oci=$B/tools/engine-oci --root $work/s-engine --config $work/engine.json" \
	"runc=$(command -v runc) --root $work/s-runc" \
	"crun=$(command -v crun) --root $work/s-crun"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
