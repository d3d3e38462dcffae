#!/bin/sh
# Paths and names a hostile image or container chooses, looked up on the
# host's side: named volumes and --volumes-from mounted where the image has
# a symlink to a host path (absolute or climbing; the volume's copy-up
# reads the image's files there), exec -w through such a link, exec -u
# against a hostile /etc/passwd (negative and out-of-range ids, a 40 MB
# file, a FIFO, a link to /proc), and container names with path
# characters. Nothing reaches the host path, nothing hangs.
. "$(dirname "$0")/lib.sh"

echo HOSTSECRET >"$tmp/marker/secret"
mkdir -p "$tmp/ctx"
printf 'FROM busybox\nRUN mkdir -p %s && echo imagefile > %s/inimage && ln -s %s /x && ln -s ../../../../../../..%s /y && ln -s %s /data\n' \
	"$tmp/marker" "$tmp/marker" "$tmp/marker" "$tmp/marker" "$tmp/marker" >"$tmp/ctx/Dockerfile"
E build --network none -t lk "$tmp/ctx" >/dev/null 2>&1 || { echo "FAIL: build the link image"; exit 1; }

# (one run per link: both lead to the same directory in the container)
out=$(E run --rm --network none -v lk1:/x lk sh -c 'cat /x/*; echo w > /x/w1'
	E run --rm --network none -v lk2:/y lk sh -c 'cat /y/*; echo w > /y/w2')
check "volumes on image links: the copy-up reads the image's files there" "imagefile
imagefile" "$out"
check "volumes on image links: nothing written to the host path" secret "$(ls "$tmp/marker")"
lacks "volumes on image links: no host file copied into a volume" HOSTSECRET \
	"$(cat "$root"/volumes/lk1/_data/* "$root"/volumes/lk2/_data/* 2>&1)"
check "volumes on image links: what the container wrote is in the volumes" "w
w" "$(cat "$root/volumes/lk1/_data/w1" "$root/volumes/lk2/_data/w2" 2>&1)"

src=$(E run -d --network none -v lk3:/data busybox sh -c 'echo fromsrc > /data/f; exec sleep 600')
i=0
while [ $i -lt 50 ] && [ ! -f "$root/volumes/lk3/_data/f" ]; do sleep 0.1; i=$((i + 1)); done
out=$(E run --rm --network none --volumes-from "$src" lk sh -c 'cat /data/f; echo w > /data/w3')
check "--volumes-from onto an image link: the volume is there" fromsrc "$out"
check "--volumes-from onto an image link: nothing on the host path" secret "$(ls "$tmp/marker")"
check "nothing mounted on the host" 0 "$(grep -c "$tmp" /proc/self/mountinfo)"

id=$(E run -d --network none lk sleep 600)
out=$(E exec -w /x "$id" sh -c 'echo cw > ./cwfile; cat inimage')
check "exec -w through an image link: it runs in the container's directory" imagefile "$out"
check "exec -w through an image link: nothing on the host path" secret "$(ls "$tmp/marker")"

E exec "$id" sh -c 'echo "neg:x:-5:-7::/:/bin/sh" >> /etc/passwd; echo "big:x:4294967295:0::/:/bin/sh" >> /etc/passwd'
for u in neg big -1 4294967295 0:-1 root:4294967295; do
	out=$(E exec -u "$u" "$id" id 2>&1)
	contains "exec -u $u (hostile passwd): refused" "unable to find" "$out"
done
E exec "$id" sh -c 'head -c 40000000 /dev/zero | tr "\0" a > /etc/passwd'
contains "exec -u with a 40 MB passwd: refused" "larger than" "$(E exec -u neg "$id" id 2>&1)"
E exec "$id" sh -c 'rm /etc/passwd; mkfifo /etc/passwd'
out=$(timeout 20 "$ENGINE_BUILD/tools/engine" --root "$root" --config "$tmp/config.json" exec -u neg "$id" id 2>&1
	echo "rc=$?")
contains "exec -u with a FIFO as passwd: refused, no hang" "not a regular file" "$out"
E exec "$id" sh -c "rm /etc/passwd; echo 'neg:x:77:77::/:/bin/sh' > /tmp/pw; ln -s /proc/1/root/tmp/pw /etc/passwd"
contains "exec -u with passwd a link through /proc: not followed" "unable to find" \
	"$(E exec -u neg "$id" id 2>&1)"
E exec "$id" sh -c "rm /etc/passwd; ln -s ../../../../tmp/pw /etc/passwd"
check "control: exec -u with passwd a link inside the container" "uid=77 gid=77" \
	"$(E exec -u neg "$id" id 2>&1 | cut -d' ' -f1-2 | sed 's/([^)]*)//g')"
E rm -f "$id" "$src" >/dev/null

for n in ../x a/b .hidden "$(printf 'a\nb')"; do
	contains "container name [$n]: refused" "invalid container name" \
		"$(E run -d --network none --name "$n" busybox true 2>&1)"
done
check "no container has such a name" 0 "$(ls -A "$root/containers" | wc -l)"
finish
