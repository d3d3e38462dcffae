#!/bin/sh
# An OCI layout directory someone else wrote (here a container, into a
# volume) loaded by the host: `engine load -i DIR` opened its files by
# name for reading, so a FIFO as index.json or as a blob hung the load for
# good, and a device node as a blob was opened by the host (a tape
# rewinds, a pty pair is made). Only regular files are opened now.
. "$(dirname "$0")/lib.sh"

# A real layout first (the control), then the container's hostile copies.
E save --format oci -o "$tmp/layout.tar" busybox >/dev/null 2>&1 || E save -o "$tmp/layout.tar" busybox >/dev/null
mkdir -p "$tmp/L"
tar -xf "$tmp/layout.tar" -C "$tmp/L"
if [ -f "$tmp/L/index.json" ]; then
	out=$(E load -i "$tmp/L" 2>&1)
	check "control: a layout directory loads" 0 $?
fi

E run --rm --network none -v lay:/lay busybox sh -c '
	d=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
	for l in fifo blob dev; do
		mkdir -p /lay/$l/blobs/sha256
		echo "{\"imageLayoutVersion\": \"1.0.0\"}" > /lay/$l/oci-layout
		echo "{\"schemaVersion\": 2, \"manifests\": [{\"mediaType\":
			\"application/vnd.oci.image.manifest.v1+json\", \"digest\": \"sha256:$d\", \"size\": 1000}]}" \
			> /lay/$l/index.json
	done
	rm /lay/fifo/index.json && mkfifo /lay/fifo/index.json
	mkfifo /lay/blob/blobs/sha256/$d
	mknod /lay/dev/blobs/sha256/$d c 1 5'
data=$root/volumes/lay/_data
[ -p "$data/fifo/index.json" ] || { echo "FAIL: the container's FIFO"; exit 1; }
load_dir() { # load_dir NAME: `engine load -i` of that layout; its output, then rc=N (124: it hung)
	timeout 30 "$ENGINE_BUILD/tools/engine" --root "$root" --config "$tmp/config.json" load -i "$data/$1" 2>&1
	echo "rc=$?"
}
out=$(load_dir fifo)
lacks "a FIFO as index.json: the load does not hang" "rc=124" "$out"
lacks "a FIFO as index.json: the load fails" "rc=0" "$out"
out=$(load_dir blob)
lacks "a FIFO as a blob: the load does not hang" "rc=124" "$out"
contains "a FIFO as a blob: refused" "missing" "$out"
out=$(load_dir dev)
contains "a device node as a blob: refused" "missing" "$out"
finish
