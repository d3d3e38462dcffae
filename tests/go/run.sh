#!/bin/sh
# Runs the Go binding's tests (go test, offline) against a build tree, then
# builds and runs examples/go/run.
# Usage: ENGINE_BUILD=<abs build dir> tests/go/run.sh [RESULTS_FILE] [GO_TEST_ARGS...]
# Appends "passed failed skipped" to RESULTS_FILE; exits non-zero on failure.
# A first argument starting with "-" is go test's (run.sh -run Name), never a
# results file.
set -u
results=/dev/null
case "${1:-}" in "" | -*) ;; *) results=$1 && shift ;; esac
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${ENGINE_BUILD:?set ENGINE_BUILD to the build directory}

echo "== Go binding (go test) =="
if ! command -v go >/dev/null 2>&1 || ! command -v swig >/dev/null 2>&1; then
	echo "go or swig not installed: skipped"
	echo "0 0 1" >> "$results"
	exit 0
fi
if [ ! -f "$build/bindings/go/libengine-uninstalled.pc" ]; then
	echo "no uninstalled pkg-config file in $build/bindings/go: build first"
	echo "0 1 0" >> "$results"
	exit 1
fi
export GOPROXY=off GOFLAGS=-mod=mod
export PKG_CONFIG_PATH="$build/bindings/go${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
# Go's build cache keys a .swig package on the .swig file alone, not on the
# interface files it includes nor on the headers: key it on those as well.
iface=$(cat "$top"/bindings/swig/*.i "$top"/include/engine.h "$top"/include/engine/*.h | cksum | cut -d' ' -f1)
export CGO_CFLAGS="${CGO_CFLAGS:--g -O2} -DENGINE_SWIG_INTERFACE=$iface"
tmp=$(mktemp -d)
# The example's containers go under a cgroup parent of this run's own.
trap 'rm -rf "$tmp"; for d in /sys/fs/cgroup/*/engine-goexample-$$ /sys/fs/cgroup/engine-goexample-$$; do [ -d "$d" ] && rmdir "$d"; done' EXIT
# The default cache dirs need a writable $HOME; fall back to temp dirs.
[ -n "${GOCACHE:-}" ] || { [ -w "${HOME:-/nonexistent}" ] || export GOCACHE="$tmp/cache"; }
[ -n "${GOPATH:-}" ] || { [ -w "${HOME:-/nonexistent}" ] || export GOPATH="$tmp/gopath"; }

(cd "$here" && go test -count=1 -json ./... "$@" > "$tmp/events.json" 2> "$tmp/stderr")
rc=$?
counts=$(/usr/bin/python3 - "$tmp/events.json" <<'PY'
import json, sys
p = f = s = 0
pkg_fail = False
for line in open(sys.argv[1], errors="replace"):
    try:
        ev = json.loads(line)
    except ValueError:
        continue
    act, test = ev.get("Action"), ev.get("Test")
    if test:
        if act == "pass": p += 1
        elif act == "fail": f += 1
        elif act == "skip": s += 1
    elif act == "fail":
        pkg_fail = True
if pkg_fail and f == 0:
    f = 1  # a build failure or a failing TestMain
print(p, f, s)
PY
)
# The runner's own summary: failures in full, then one line per package.
/usr/bin/python3 - "$tmp/events.json" <<'PY'
import json, sys
out, failed = {}, set()
for line in open(sys.argv[1], errors="replace"):
    try:
        ev = json.loads(line)
    except ValueError:
        continue
    key = (ev.get("Package"), ev.get("Test"))
    if ev.get("Action") == "output":
        out.setdefault(key, []).append(ev["Output"])
    elif ev.get("Action") == "fail":
        failed.add(key)
for key in sorted(failed, key=str):
    if key[1]:
        sys.stdout.write("".join(out.get(key, [])))
for key, lines in out.items():
    if key[1] is None:
        sys.stdout.write("".join(l for l in lines if l.startswith(("ok", "FAIL", "---", "leak", "setup"))))
PY
cat "$tmp/stderr"
set -- $counts
passed=$1 failed=$2 skipped=$3

echo "== examples/go/run =="
if (cd "$top/examples/go" && go build -o "$tmp/run" ./run) &&
	printf '{"cgroup-parent": "engine-goexample-%s"}\n' "$$" > "$tmp/config.json" &&
	"$tmp/run" -root "$tmp/root" -config "$tmp/config.json" -default-image busybox sh -c 'echo hello from go' \
		> "$tmp/ex.out" 2>&1 &&
	grep -qx 'hello from go' "$tmp/ex.out" && grep -q '^\[exit 0, ' "$tmp/ex.out"; then
	cat "$tmp/ex.out"
	passed=$((passed + 1))
else
	cat "$tmp/ex.out" 2>/dev/null
	echo "examples/go/run failed"
	failed=$((failed + 1))
fi
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	failed=1
fi
echo "go: $passed passed, $failed failed, $skipped skipped"
echo "$passed $failed $skipped" >> "$results"
[ "$failed" -eq 0 ]
