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
# and prints the times (wall, and CPU as user+sys: on a loaded machine the
# CPU time is the steadier figure) and ratios against the targets of issue
# 13 (a third of tar's time, a tenth of umoci's). The runs are interleaved:
# RUNS=N rounds (default 3) of libengine then tar, umoci in the first
# UMOCI_RUNS=N of them (default 1: it is slow); medians and each round's
# ratios are printed. SMALL=1 uses one small layer (a quick check of the
# script itself).
# On a shared machine run it as `chrt -f 10 bench/unpack/run.sh`.
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
	# The link line is the build's own (configure's pkg-config results).
	mkvar() { sed -n "s/^$1 = //p" "$build/Makefile"; }
	libs=$(for v in ARCHIVE_LIBS SECCOMP_LIBS CAP_LIBS JSONC_LIBS NETTLE_LIBS MNL_LIBS DL_LIBS; do mkvar $v; done)
	# shellcheck disable=SC2046,SC2086
	cc -O2 -std=gnu11 -I"$build" -I"$top/include" -I"$top/libengine" $(mkvar JSONC_CFLAGS) $(mkvar ARCHIVE_CFLAGS) \
		"$top/bench/unpack/unpack_layers.c" -o "$driver" "$build/libengine/.libs/libengine-internal.a" \
		$libs -lpthread || { echo "(the breakdown driver did not build: skipped)"; driver=; }
else
	driver=
fi

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
run1() { # run1 NAME CLEANUP_DIR CMD...: one timed run, "wall cpu" appended to $W/times.NAME
	name=$1 dir=$2
	shift 2
	rm -rf "$dir"
	sync
	/usr/bin/time -o "$W/time1" -f "%e %U %S" "$@" >/dev/null 2>"$W/err" ||
		{ echo "$name failed:" >&2; cat "$W/err" >&2; exit 1; }
	rm -rf "$dir"
	awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$W/time1" >> "$W/times.$name"
}
summary() { # summary NAME LABEL: the medians "wall cpu" on stdout, the runs on stderr
	m=$(cut -d' ' -f1 "$W/times.$1" | median)
	c=$(cut -d' ' -f2 "$W/times.$1" | median)
	printf "%-34s %6.2f s wall %6.2f s cpu   (runs: %s)\n" "$2" "$m" "$c" \
		"$(cut -d' ' -f1 "$W/times.$1" | tr '\n' ' ' | xargs printf '%.2f ')" >&2
	echo "$m $c"
}

# Each layer into its own directory, as one command for /usr/bin/time.
# shellcheck disable=SC2016
tar_all='i=0; for b in $blobs; do i=$((i + 1)); mkdir -p "$W/tar/$i"; tar -xzf "$b" -C "$W/tar/$i" || exit 1; done'
export W
export blobs

# Interleaved: each round runs libengine, tar and (the first UMOCI_RUNS
# rounds) umoci back to back, so a change in the machine's load hits all
# of them alike.
echo "timing on $(df -T "$W" | awk 'NR == 2 { print $2 }') ($W), $RUNS interleaved rounds (umoci in $UMOCI_RUNS):"
rm -f "$W"/times.*
r=0
while [ "$r" -lt "$RUNS" ]; do
	run1 engine "$W/root" "$E" --root "$W/root" load -i "$W/oci" --tag bench
	run1 tar "$W/tar" sh -c "$tar_all"
	[ "$r" -lt "$UMOCI_RUNS" ] && run1 umoci "$W/bundle" umoci unpack --image "$W/oci:bench" "$W/bundle"
	r=$((r + 1))
done
t_engine=$(summary engine "libengine: engine load (+unpack)")
t_tar=$(summary tar "tar -xzf (each layer)")
t_umoci=$(summary umoci "umoci unpack")
# Per round: libengine against the tar and umoci runs next to it.
paste -d' ' "$W/times.engine" "$W/times.tar" | awk '{ printf "round %d: libengine/tar %.2fx wall %.2fx cpu\n", NR, $1 / $3, $2 / $4 }' >&2
paste -d' ' "$W/times.engine" "$W/times.umoci" | awk 'NF == 4 { printf "round %d: umoci/libengine %.2fx wall %.2fx cpu\n", NR, $3 / $1, $4 / $2 }' >&2
if [ -n "$driver" ]; then
	# shellcheck disable=SC2086
	"$driver" "$W/droot" $blobs | sed 's/^/libengine breakdown: /'
	rm -rf "$W/droot"
fi
ratio() { echo "$1 $2" | awk '{ printf "%.2f", $1 / $2 }'; }
echo
echo "                     wall     cpu    (target)"
printf "libengine / tar -x : %5sx  %5sx   (<= 0.33x: under a third of tar)\n" \
	"$(ratio "${t_engine% *}" "${t_tar% *}")" "$(ratio "${t_engine#* }" "${t_tar#* }")"
printf "umoci / libengine  : %5sx  %5sx   (>= 10x)\n" \
	"$(ratio "${t_umoci% *}" "${t_engine% *}")" "$(ratio "${t_umoci#* }" "${t_engine#* }")"
