#!/bin/sh
# Registry server benchmark: the bench image (4 layers of compressible
# files, bench/pull's) served from `engine registry serve` and from
# Debian's docker-registry (Distribution 2.8) holding the same content,
# both on 127.0.0.1, pulled in the same run, interleaved (the order
# alternates every round), by
#   engine pull         (download, verify, unpack into a fresh store)
#   skopeo copy         (docker:// to an oci: directory)
#   8 skopeo at once    (the server under concurrent clients)
# Everything on tmpfs; prints medians, ratios and the load average.
# usage: bench/registry/run.sh [BUILD_DIR] [RUNS] [MB_PER_LAYER]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${1:-$top/build/default}
RUNS=${2:-5}
MB=${3:-75}
E=$B/tools/engine
PY=/usr/bin/python3
for t in docker-registry skopeo; do command -v $t > /dev/null || { echo "$t missing"; exit 77; }; done
W=$(mktemp -d /dev/shm/engine-bench-registry-XXXXXX)
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2> /dev/null || :; done; wait 2> /dev/null || :; rm -rf "$W"; }
trap cleanup EXIT
trap 'exit 1' INT TERM

freeport() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
up() { # URL LOG
	i=0
	until curl -s -o /dev/null "$1"; do
		i=$((i + 1)); [ $i -lt 200 ] || { cat "$2"; exit 1; }; sleep 0.05
	done
}
now() { date +%s.%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

echo "generating a 4-layer image, ${MB} MB of files per layer..."
bytes=$((MB * 1000 * 1000))
$PY "$top/tests/integration/registry_fixture.py" "$W/layout" big \
	--layers "$bytes,$bytes,$bytes,$bytes" --files 400 --seed bench > /dev/null

# Distribution, as Debian ships it.
DPORT=$(freeport)
mkdir -p "$W/dist"
cat > "$W/dist.yml" << EOF
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $W/dist}}
http: {addr: 127.0.0.1:$DPORT}
EOF
docker-registry serve "$W/dist.yml" > "$W/dist.log" 2>&1 &
PIDS="$PIDS $!"
up "http://127.0.0.1:$DPORT/v2/" "$W/dist.log"
D=127.0.0.1:$DPORT

# engine registry serve, the same content pushed into its store.
"$E" --root "$W/store" registry serve --addr 127.0.0.1:0 > "$W/engine.log" 2>&1 &
PIDS="$PIDS $!"
i=0
while ! grep -q "listening on" "$W/engine.log"; do
	i=$((i + 1)); [ $i -lt 200 ] || { cat "$W/engine.log"; exit 1; }; sleep 0.05
done
G=127.0.0.1:$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$W/engine.log")

for r in "$D" "$G"; do
	skopeo copy -q --dest-tls-verify=false "oci:$W/layout:big" "docker://$r/bench/big:1"
done
dd=$(skopeo inspect --tls-verify=false "docker://$D/bench/big:1" | sed -n 's/^ *"Digest": "\(.*\)",/\1/p' | head -n1)
gd=$(skopeo inspect --tls-verify=false "docker://$G/bench/big:1" | sed -n 's/^ *"Digest": "\(.*\)",/\1/p' | head -n1)
[ "$dd" = "$gd" ] || { echo "the servers disagree: $dd vs $gd"; exit 1; }
echo "both servers hold bench/big:1 = $dd ($(du -sh "$W/dist" | cut -f1) in Distribution's storage)"

pull_engine() { # REGISTRY
	t0=$(now); "$E" --root "$W/r" pull -q "$1/bench/big:1" > /dev/null; t1=$(now)
	rm -rf "$W/r"
	echo "$t1 - $t0" | bc
}
pull_skopeo() { # REGISTRY
	t0=$(now); skopeo copy -q --src-tls-verify=false "docker://$1/bench/big:1" "oci:$W/oci:big" > /dev/null; t1=$(now)
	rm -rf "$W/oci"
	echo "$t1 - $t0" | bc
}
pull_many() { # REGISTRY: 8 skopeo copies at once
	t0=$(now)
	p=""
	for k in 1 2 3 4 5 6 7 8; do
		skopeo copy -q --src-tls-verify=false "docker://$1/bench/big:1" "oci:$W/conc$k:big" > /dev/null &
		p="$p $!"
	done
	for k in $p; do wait "$k"; done
	t1=$(now)
	rm -rf "$W"/conc*
	echo "$t1 - $t0" | bc
}
# Warm both: page cache, connections, the servers' own caches.
pull_engine "$D" > /dev/null; pull_engine "$G" > /dev/null
pull_skopeo "$D" > /dev/null; pull_skopeo "$G" > /dev/null

for f in engine skopeo many; do : > "$W/$f.D"; : > "$W/$f.G"; done
: > "$W/load"
i=0
while [ $i -lt "$RUNS" ]; do
	i=$((i + 1))
	# Alternate who goes first, so neither always gets the warmer turn.
	if [ $((i % 2)) = 1 ]; then order="D G"; else order="G D"; fi
	load >> "$W/load"
	for kind in engine skopeo many; do
		for s in $order; do
			eval "reg=\$$s"
			pull_$kind "$reg" >> "$W/$kind.$s"
		done
	done
done
load >> "$W/load"
echo "median of $RUNS interleaved runs (seconds); load average (1, 5, 15 min) during the runs:"
sed 's/^/  load /' "$W/load"
for kind in engine skopeo many; do
	d=$(median < "$W/$kind.D"); g=$(median < "$W/$kind.G")
	case $kind in
	engine) label="engine pull" ;; skopeo) label="skopeo copy" ;; many) label="8 skopeo copies at once" ;;
	esac
	printf '  %-26s engine registry %6.2f   docker-registry %6.2f   Distribution / engine %5.2fx\n' \
		"$label" "$g" "$d" "$(echo "$d / $g" | bc -l)"
	printf '    every run: engine registry %s; docker-registry %s\n' "$(sort -n "$W/$kind.G" | xargs printf '%.2f ')" \
		"$(sort -n "$W/$kind.D" | xargs printf '%.2f ')"
done
