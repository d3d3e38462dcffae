#!/bin/sh
# Per-container overhead of the Python and Go bindings over the C API for
# the ephemeral run: the same `true` container in busybox, N runs per
# language and round, the languages interleaved over ROUNDS rounds so that
# load on the machine hits all three alike. Prints the median of the
# per-round medians and the ratios to C (target: under 5% added).
# Usage: ENGINE_BUILD=<abs build dir> bench/bindings/run.sh [N] [ROUNDS]
set -eu
n=${1:-50}
rounds=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${ENGINE_BUILD:-$top/build/default}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GOPROXY=off GOFLAGS=-mod=mod
export PKG_CONFIG_PATH="$build/bindings/go"
# Go's build cache keys a .swig package on the .swig file alone, not on the
# interface files it includes nor on the headers: key it on those as well.
iface=$(cat "$top"/bindings/swig/*.i "$top"/include/engine.h "$top"/include/engine/*.h | cksum | cut -d' ' -f1)
export CGO_CFLAGS="${CGO_CFLAGS:--g -O2} -DENGINE_SWIG_INTERFACE=$iface"

cc -O2 -I"$top/include" -o "$tmp/bench_c" "$here/bench_run.c" \
	-L"$build/libengine/.libs" -lengine -Wl,-rpath,"$build/libengine/.libs"
(cd "$here/go" && go build -o "$tmp/bench_go" .)
PY="env PYTHONPATH=$build/bindings/python /usr/bin/python3 $here/bench_run.py"
PYTHONPATH="$build/bindings/python" /usr/bin/python3 -c \
	'import sys, engine; engine.Context(root=sys.argv[1]).images.create_default()' "$tmp/root"

# The C baseline again with a heap as big as the Python process's, and with
# a 2 GiB resident heap: the spawn (CLONE_VM|CLONE_VFORK) must not cost more
# for a bigger caller.
rss=$($PY "$tmp/root" 3 | awk '{ print $4 }')
for r in $(seq "$rounds"); do
	"$tmp/bench_c" "$tmp/root" "$n" | awk '{ print "c", $1, $2 }'
	BENCH_BALLAST_MB=$rss "$tmp/bench_c" "$tmp/root" "$n" | awk '{ print "c+heap", $1, $2 }'
	BENCH_BALLAST_MB=2048 "$tmp/bench_c" "$tmp/root" "$n" | awk '{ print "c+2g", $1, $2 }'
	$PY "$tmp/root" "$n" | awk '{ print "python", $1, $2; print "pywrap", $3, $3 }'
	"$tmp/bench_go" "$tmp/root" "$n" | awk '{ print "go", $1, $2 }'
done > "$tmp/samples"

# The Go binding's own share (spec + result, no container), in microseconds.
(cd "$top/bindings/go" && go test -run '^$' -bench BenchmarkRunWrapper -benchtime 2000x .) |
	awk '/^BenchmarkRunWrapper/ { printf "gowrap %.1f %.1f\n", $3 / 1000, $3 / 1000 }' >> "$tmp/samples"

/usr/bin/python3 - "$tmp/samples" "$n" "$rounds" "$rss" <<'PY'
import statistics, sys
samples = {}
for line in open(sys.argv[1]):
    lang, med, mn = line.split()
    samples.setdefault(lang, []).append((float(med), float(mn)))
base = statistics.median(m for m, _ in samples["c"])
print(f"ephemeral run of `true` in busybox: {sys.argv[2]} runs x {sys.argv[3]} rounds, "
      "median of round medians (min in brackets); c+heap: C with a heap the size of "
      f"the Python process ({sys.argv[4]} MiB)")
print("  c+2g: C with a 2 GiB resident heap (target for all: within 5% of c)")
for lang in ("c", "c+heap", "c+2g", "python", "go"):
    med = statistics.median(m for m, _ in samples[lang])
    mn = min(x for _, x in samples[lang])
    extra = "" if lang == "c" else f"  ratio {med / base:.3f} ({(med / base - 1) * 100:+.1f}%)"
    print(f"  {lang:7s} {med / 1000:7.2f} ms  [{mn / 1000:.2f} ms]{extra}")
for lang, key in (("python", "pywrap"), ("go", "gowrap")):
    if key in samples:
        wrap = statistics.median(m for m, _ in samples[key])
        print(f"  {lang} wrapper alone (spec + result, no container): {wrap:.1f} us "
              f"= {wrap / base * 100:.3f}% of the C run")
PY
