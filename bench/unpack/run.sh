#!/bin/sh
# Unpack benchmark, by hand (not part of the test suite):
#   bench/unpack/run.sh [BUILD_DIR]        (default build/default)
# Builds once (cached in $BENCH_DIR) a realistic 3-layer OCI image from this
# machine's /usr — about 800 MB and 50,000 files uncompressed — with umoci,
# then times on tmpfs, in one run:
#   libengine  `engine load` of the layout (blob copy + digest check + unpack
#              of every layer) and, for the breakdown, the internal driver
#   umoci      `umoci unpack` of the same image
#   tar        `tar -xzf` of the same layer blobs, each into its own dir
# and prints the times and ratios. RUNS=N repeats libengine and tar (median
# printed; default 3), UMOCI_RUNS=N umoci (default 1: it is slow);
# SMALL=1 uses one small layer (a quick check of the script itself).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build/default}
case "$build" in /*) ;; *) build=$(pwd)/$build ;; esac
E="$build/tools/engine"
W=${BENCH_DIR:-/dev/shm/engine-bench-unpack}
RUNS=${RUNS:-3}
UMOCI_RUNS=${UMOCI_RUNS:-1}
SMALL=${SMALL:-0}
[ -x "$E" ] || { echo "no engine binary at $E (build first)"; exit 1; }
command -v umoci >/dev/null || { echo "umoci missing (scripts/setup.sh)"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "run as root (device nodes, owners)"; exit 1; }

if [ "$SMALL" = 1 ]; then
	set -- "usr/include"
	W="$W-small"
else
	set -- "usr/lib/gcc usr/lib/python3" "usr/share/man usr/share/doc usr/share/locale" "usr/include"
fi
mkdir -p "$W"

# --- the image (cached) -------------------------------------------------------
if [ ! -f "$W/oci/.done" ]; then
	echo "building the image in $W (once)..."
	rm -rf "$W/oci"
	umoci init --layout "$W/oci" >/dev/null
	umoci new --image "$W/oci:bench" >/dev/null
	i=0
	for dirs in "$@"; do
		i=$((i + 1))
		# shellcheck disable=SC2086
		tar -C / -cf "$W/layer$i.tar" $dirs 2>/dev/null || true
		umoci raw add-layer --image "$W/oci:bench" "$W/layer$i.tar" >/dev/null
		rm -f "$W/layer$i.tar"
	done
	touch "$W/oci/.done"
fi
blobs=$(/usr/bin/python3 - "$W/oci" <<'EOF'
import json, sys
root = sys.argv[1]
idx = json.load(open(root + "/index.json"))
m = idx["manifests"][0]["digest"].split(":")[1]
man = json.load(open(root + "/blobs/sha256/" + m))
print(" ".join(root + "/blobs/sha256/" + l["digest"].split(":")[1] for l in man["layers"]))
EOF
)
# shellcheck disable=SC2086
comp=$(du -cb $blobs | tail -n 1 | cut -f1)
nfiles=0
usize=0
for b in $blobs; do
	n=$(tar -tzvf "$b" | awk '{ n++; s += $3 } END { print n, s }')
	nfiles=$((nfiles + ${n% *}))
	usize=$((usize + ${n#* }))
done
echo "image: $(echo $blobs | wc -w) layers, $((comp / 1048576)) MiB compressed, $((usize / 1048576)) MiB uncompressed, $nfiles entries"

# --- the internal driver, for the blob/unpack breakdown -------------------------
driver="$W/unpack_layers"
if [ -f "$build/libengine/.libs/libengine-internal.a" ]; then
	# shellcheck disable=SC2046
	cc -O2 -std=gnu11 -I"$build" -I"$top/include" -I"$top/libengine" $(pkg-config --cflags json-c) \
		"$top/bench/unpack/unpack_layers.c" -o "$driver" "$build/libengine/.libs/libengine-internal.a" \
		$(pkg-config --libs json-c nettle libseccomp libcap) -lpthread || driver=
else
	driver=
fi

now() { date +%s.%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
timeit() { # timeit RUNS LABEL CLEANUP_DIR CMD...: runs on stderr, the median on stdout
	runs=$1 label=$2 dir=$3
	shift 3
	: > "$W/times"
	r=0
	while [ $r -lt "$runs" ]; do
		rm -rf "$dir"
		sync
		t0=$(now)
		"$@" >/dev/null 2>"$W/err" || { echo "$label failed:"; cat "$W/err"; exit 1; }
		t1=$(now)
		echo "$t1 - $t0" | bc -l >> "$W/times"
		r=$((r + 1))
	done
	rm -rf "$dir"
	m=$(median < "$W/times")
	printf "%-34s %7.2f s   (runs: %s)\n" "$label" "$m" "$(tr '\n' ' ' < "$W/times" | xargs printf '%.2f ')" >&2
	echo "$m"
}

tar_all() {
	i=0
	for b in $blobs; do
		i=$((i + 1))
		mkdir -p "$W/tar/$i"
		tar -xzf "$b" -C "$W/tar/$i"
	done
}

echo "timing on $(df -T "$W" | awk 'NR == 2 { print $2 }') ($W), median of $RUNS runs ($UMOCI_RUNS for umoci):"
t_engine=$(timeit "$RUNS" "libengine: engine load (+unpack)" "$W/root" "$E" --root "$W/root" load -i "$W/oci" --tag bench )
if [ -n "$driver" ]; then
	# shellcheck disable=SC2086
	"$driver" "$W/droot" $blobs | sed 's/^/libengine breakdown: /'
	rm -rf "$W/droot"
fi
t_tar=$(timeit "$RUNS" "tar -xzf (each layer)" "$W/tar" tar_all )
t_umoci=$(timeit "$UMOCI_RUNS" "umoci unpack" "$W/bundle" umoci unpack --image "$W/oci:bench" "$W/bundle" )
echo
printf "libengine / tar -x : %.2fx   (target <= 1.3x)\n" "$(echo "$t_engine / $t_tar" | bc -l)"
printf "umoci / libengine  : %.2fx   (target > 1x: libengine faster)\n" "$(echo "$t_umoci / $t_engine" | bc -l)"
