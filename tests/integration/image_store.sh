#!/bin/sh
# CLI flows for the image store: a multi-layer image made by umoci (deleted
# files and directories, an opaque directory, hardlinks, symlinks, setuid,
# owners, a fifo and a device) loaded and unpacked to exactly the tree
# `umoci unpack` gives; then images, inspect, tag, rmi, system df, check
# (clean, then damaged) and prune, with docker's lines and exit codes.
set -u
. "$(dirname "$0")/lib.sh"
it_require umoci
it_require_root
it_tmpdir
E="$ENGINE_BUILD/tools/engine"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
R="$T/root"
cd "$T" || exit 1

# --- an image with every kind of change, made by umoci -----------------------
{
	umoci init --layout L && umoci new --image L:v1 && umoci unpack --image L:v1 B || exit 1
	F=B/rootfs
	mkdir -p $F/etc $F/bin $F/var/cache/apt $F/usr/lib/old $F/tmp $F/dev $F/home/u
	echo "root:x:0:0::/root:/bin/sh" > $F/etc/passwd
	echo secret > $F/etc/shadow && chmod 600 $F/etc/shadow
	printf 'prog' > $F/bin/prog && chmod 4755 $F/bin/prog
	printf 'sg' > $F/bin/sg && chmod 2711 $F/bin/sg
	ln $F/bin/prog $F/bin/prog2
	ln -s ../../bin/prog $F/usr/lib/link
	ln -s /etc/passwd $F/etc/abs-link
	chmod 1777 $F/tmp
	mkfifo $F/tmp/fifo
	mknod $F/dev/null c 1 3
	echo a > $F/var/cache/apt/a && echo b > $F/var/cache/apt/b
	echo o > $F/usr/lib/old/file
	echo mine > $F/home/u/file && chown -R 1000:1001 $F/home/u
	umoci repack --refresh-bundle --image L:v1 B || exit 1
	# layer 2: a deleted file, a deleted directory, a replaced directory, edits
	rm $F/etc/shadow && rm -rf $F/usr/lib/old && echo "u:x:1000:1000::/home/u:/bin/sh" >> $F/etc/passwd
	rm -rf $F/var/cache/apt && mkdir $F/var/cache/apt && echo c > $F/var/cache/apt/c
	rm $F/bin/prog2 && ln $F/bin/sg $F/bin/sg2
	umoci repack --refresh-bundle --image L:v1 B || exit 1
	# layer 3, raw: an opaque directory (umoci repack never writes one)
	mkdir -p X/home/u && touch X/home/u/.wh..wh..opq && echo fresh > X/home/u/fresh
	tar -C X -cf opq.tar home && umoci raw add-layer --image L:v1 opq.tar || exit 1
	umoci unpack --image L:v1 U || exit 1
} >/dev/null 2>&1 || fail "building the umoci image"
[ -f U/rootfs/home/u/fresh ] && [ ! -e U/rootfs/home/u/file ] || fail "umoci did not apply the opaque layer"

out=$("$E" --root "$R" load -i L --tag app) || fail "load"
expect "Loaded image: app:v1" "$out" "load"
"$E" --root "$R" unpack app:v1 mine || fail "engine unpack"
/usr/bin/python3 "$TOP/tests/resources/tree_compare.py" U/rootfs mine || fail "engine unpack differs from umoci unpack"
err=$("$E" --root "$R" unpack app:v1 mine 2>&1); rc=$?
expect 1 "$rc" "unpack onto a non-empty dir: exit code"
case "$err" in "Error: unpack to mine: directory is not empty") ;; *) fail "unpack message [$err]" ;; esac

# --- images, inspect, tag, rmi ------------------------------------------------
"$E" --root "$R" tag app:v1 localhost:5000/team/app:2 || fail "tag"
out=$("$E" --root "$R" images | head -n 1)
case "$out" in "REPOSITORY"*"TAG"*"IMAGE ID"*"CREATED"*"SIZE") ;; *) fail "images header [$out]" ;; esac
expect 2 "$("$E" --root "$R" images | tail -n +2 | wc -l)" "images rows (one per tag)"
expect 1 "$("$E" --root "$R" images -q | wc -l)" "images -q"
id=$("$E" --root "$R" image inspect app:v1 | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[0]["Id"], len(d[0]["RootFS"]["Layers"]), len(d[0]["RepoTags"]))')
set -- $id
expect 3 "$2" "inspect RootFS layers"
expect 2 "$3" "inspect RepoTags"
"$E" --root "$R" images --format json | /usr/bin/python3 -c 'import json,sys; [json.loads(l)["Repository"] for l in sys.stdin]' ||
	fail "images --format json"
expect "$1 linux null" "$("$E" --root "$R" inspect -f '{{.Id}} {{.Os}} {{json .Nope}}' app:v1)" "inspect -f"
expect "[sha256:$(echo "$1" | cut -c8-)]" "$("$E" --root "$R" image inspect --format '[{{.Id}}]' app:v1)" "image inspect --format"
err=$("$E" --root "$R" inspect nope 2>&1 >/dev/null); rc=$?
expect 1 "$rc" "inspect of a missing image: exit code"
expect "Error: No such object: nope" "$err" "inspect message"
err=$("$E" --root "$R" rmi "$1" 2>&1 >/dev/null); rc=$?
expect 1 "$rc" "rmi by ID with two tags: exit code"
case "$err" in "Error: conflict: unable to delete "*"(must be forced) - image is referenced in multiple repositories") ;;
*) fail "rmi conflict message [$err]" ;; esac
expect "Untagged: localhost:5000/team/app:2" "$("$E" --root "$R" rmi localhost:5000/team/app:2)" "rmi one tag"
err=$("$E" --root "$R" tag app:v1 Bad/Name 2>&1); rc=$?
expect 1 "$rc" "tag with an invalid name: exit code"

# --- system df / check / prune -------------------------------------------------
"$E" --root "$R" system df | grep -q "^Images  *1 " || fail "system df"
"$E" --root "$R" system check || fail "check of a clean store"
layer=$(ls -d "$R"/layers/*/diff | head -n 1)
echo planted > "$layer/planted"
out=$("$E" --root "$R" system check); rc=$?
expect 1 "$rc" "check of a damaged store: exit code"
case "$out" in *'entry "planted": not in the layer blob'*) ;; *) fail "check output [$out]" ;; esac
rm "$layer/planted"
"$E" --root "$R" system check || fail "check after repair"
mkdir -p "$R/tmp/.tmp-layer-leftover/diff"
out=$("$E" --root "$R" rmi app:v1) || fail "rmi last tag"
expect 1 "$(echo "$out" | grep -c '^Untagged: app:v1$')" "rmi Untagged line"
expect 4 "$(echo "$out" | grep -c '^Deleted: sha256:')" "rmi Deleted lines (image + 3 layers)"
out=$("$E" --root "$R" system prune -f) || fail "prune"
case "$out" in *"Total reclaimed space: "*) ;; *) fail "prune output [$out]" ;; esac
[ -z "$(ls -A "$R/tmp")" ] || fail "prune left temp files"
[ -z "$(ls -A "$R/layers")" ] || fail "layers left after rmi"
"$E" --root "$R" system check || fail "check at the end"
echo "image store CLI: ok"
