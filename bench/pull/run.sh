#!/bin/sh
# Pull benchmark: a multi-layer image (default ~300 MB unpacked, 4 layers of
# compressible files) served by Debian's docker-registry on 127.0.0.1.
#   engine pull (download + verify + unpack into the store)
#   vs skopeo copy docker://... oci:DIR followed by umoci unpack
#   and engine pull through a pull-through-cache mirror vs from upstream.
# Everything runs on tmpfs (/dev/shm) in one run; prints medians and ratios.
# usage: bench/pull/run.sh [BUILD_DIR] [RUNS] [MB_PER_LAYER]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${1:-$top/build/default}
RUNS=${2:-3}
MB=${3:-75}
E=$B/tools/engine
PY=/usr/bin/python3
for t in docker-registry skopeo umoci; do command -v $t >/dev/null || { echo "$t missing"; exit 77; }; done
W=$(mktemp -d /dev/shm/engine-bench-pull-XXXXXX)
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null || :; done; wait 2>/dev/null || :; rm -rf "$W"; }
trap cleanup EXIT
trap 'exit 1' INT TERM

freeport() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
registry() { # NAME [PROXY]: sets PORT
	PORT=$(freeport)
	mkdir -p "$W/$1"
	{
		echo "version: 0.1"
		echo "log: {level: error, accesslog: {disabled: true}}"
		echo "storage: {filesystem: {rootdirectory: $W/$1}}"
		echo "http: {addr: 127.0.0.1:$PORT}"
		[ -n "${2:-}" ] && echo "proxy: {remoteurl: $2}"
	} > "$W/$1.yml"
	docker-registry serve "$W/$1.yml" > "$W/$1.log" 2>&1 &
	PIDS="$PIDS $!"
	i=0
	until curl -s -o /dev/null "http://127.0.0.1:$PORT/v2/"; do
		i=$((i + 1)); [ $i -lt 200 ] || { cat "$W/$1.log"; exit 1; }; sleep 0.05
	done
}
now() { date +%s.%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

echo "generating a 4-layer image, ${MB} MB of files per layer..."
bytes=$((MB * 1000 * 1000))
$PY "$top/tests/integration/registry_fixture.py" "$W/layout" big \
	--layers "$bytes,$bytes,$bytes,$bytes" --files 400 --seed bench > /dev/null
registry up
U=127.0.0.1:$PORT
registry mirror "http://$U"
M=127.0.0.1:$PORT
skopeo copy -q --dest-tls-verify=false "oci:$W/layout:big" "docker://$U/bench/big:1"
du -sh "$W/up" | awk '{ print "registry holds " $1 }'
printf '{"registry-mirrors": {"%s": ["http://%s"]}}\n' "$U" "$M" > "$W/mirror.json"
# Warm the mirror's cache so the mirror runs measure a cache hit, and both
# registries' page cache and connections the same way.
"$E" --root "$W/warm" --config "$W/mirror.json" pull -q "$U/bench/big:1" > /dev/null
rm -rf "$W/warm"
"$E" --root "$W/warm" pull -q "$U/bench/big:1" > /dev/null
rm -rf "$W/warm"

: > "$W/engine.t"; : > "$W/skopeo.t"; : > "$W/mirror.t"
i=0
while [ $i -lt "$RUNS" ]; do
	i=$((i + 1))
	sync
	t0=$(now); "$E" --root "$W/r" pull -q "$U/bench/big:1" > /dev/null; t1=$(now)
	echo "$t1 - $t0" | bc >> "$W/engine.t"; rm -rf "$W/r"
	t0=$(now)
	skopeo copy -q --src-tls-verify=false "docker://$U/bench/big:1" "oci:$W/oci:big" > /dev/null
	umoci unpack --image "$W/oci:big" "$W/bundle" > /dev/null 2>&1
	t1=$(now)
	echo "$t1 - $t0" | bc >> "$W/skopeo.t"; rm -rf "$W/oci" "$W/bundle"
	t0=$(now); "$E" --root "$W/r" --config "$W/mirror.json" pull -q "$U/bench/big:1" > /dev/null; t1=$(now)
	echo "$t1 - $t0" | bc >> "$W/mirror.t"; rm -rf "$W/r"
done
e=$(median < "$W/engine.t"); s=$(median < "$W/skopeo.t"); m=$(median < "$W/mirror.t")
echo "median of $RUNS runs (seconds):"
printf '  engine pull (upstream)         %6.2f\n' "$e"
printf '  skopeo copy + umoci unpack     %6.2f\n' "$s"
printf '  engine pull (through mirror)   %6.2f\n' "$m"
printf 'ratio skopeo+umoci / engine:     %6.2fx\n' "$(echo "$s / $e" | bc -l)"
printf 'ratio upstream / mirror:         %6.2fx\n' "$(echo "$e / $m" | bc -l)"
