#!/bin/sh
# CLI flows for image input/output: the default busybox image, import with
# Dockerfile-style changes (from a file and from stdin), load of an OCI
# layout made by umoci and of archives made by skopeo, save in both formats
# read back by us and by skopeo, and the error lines and exit codes.
set -u
. "$(dirname "$0")/lib.sh"
it_require umoci skopeo
it_require_busybox
it_require_root
it_tmpdir
E="$ENGINE_BUILD/tools/engine"
R="$T/root"

# The default image: same ID every time, in any root.
id1=$("$E" --root "$R" image default) || fail "default image"
id2=$("$E" --root "$T/other" image default --busybox /bin/busybox) || fail "default image again"
expect "$id1" "$id2" "default image ID"
case "$id1" in sha256:????????????????????????????????????????????????????????????????) ;; *) fail "ID $id1" ;; esac

# import: a tarball from stdin with changes; prints the ID.
mkdir -p "$T/rootfs/etc" && echo hi > "$T/rootfs/etc/motd"
iid=$(tar -C "$T/rootfs" -cz . | "$E" --root "$R" import -c 'ENV A=1 B="two words"' \
	-c 'CMD ["/bin/sh", "-c", "echo hi"]' -c 'EXPOSE 8080' -c 'WORKDIR /srv' - imp:1) || fail "import"
case "$iid" in sha256:*) ;; *) fail "import printed [$iid]" ;; esac
err=$("$E" --root "$R" import -c 'FROM x' "$T/none.tar" x 2>&1 >/dev/null); rc=$?
expect 1 "$rc" "import with a bad change: exit code"
expect 'Error: import: change "FROM x": unsupported instruction FROM (ENV, CMD, ENTRYPOINT, WORKDIR, USER, LABEL, EXPOSE, VOLUME)' "$err" "bad change message"
err=$("$E" --root "$R" import "$T/none.tar" x 2>&1 >/dev/null); rc=$?
expect 1 "$rc" "import of a missing file: exit code"
case "$err" in "Error: import $T/none.tar: no such file"*) ;; *) fail "missing file message [$err]" ;; esac

# load: an umoci layout, tagged by --tag, and untagged (reported by ID).
(cd "$T" && umoci init --layout L && umoci new --image L:v1 && umoci unpack --image L:v1 B &&
	echo x > B/rootfs/x && umoci repack --image L:v1 B) >/dev/null 2>&1 || fail "umoci"
out=$("$E" --root "$R" load -i "$T/L" --tag app) || fail "load layout"
expect "Loaded image: app:v1" "$out" "load with a name"
out=$("$E" --root "$T/r2" load -i "$T/L") || fail "load untagged"
case "$out" in "Loaded image ID: sha256:"*) ;; *) fail "untagged load printed [$out]" ;; esac
skopeo copy -q oci:"$T/L":v1 docker-archive:"$T/da.tar":some/app:2 || fail "skopeo copy"
out=$("$E" --root "$R" load < "$T/da.tar") || fail "load from stdin"
expect "Loaded image: some/app:2" "$out" "load docker-archive from stdin"

# --tag on a docker-archive that names its one image twice (buildah's and
# skopeo's --additional-tag): one more name for it, not "several images".
skopeo copy -q --additional-tag other/app:3 oci:"$T/L":v1 docker-archive:"$T/da2.tar":some/app:2 || fail "skopeo copy, 2 names"
out=$("$E" --root "$T/r6" load -i "$T/da2.tar" --tag mine/app:9 | sort | tr '\n' ' ') || fail "load --tag, 2 names"
expect "Loaded image: mine/app:9 Loaded image: other/app:3 Loaded image: some/app:2 " "$out" "load --tag of one image named twice"
expect "$("$E" --root "$T/r6" inspect -f '{{.Id}}' some/app:2)" "$("$E" --root "$T/r6" inspect -f '{{.Id}}' mine/app:9)" "--tag names the same image"

# unpack gives the tree umoci unpack gives.
(cd "$T" && umoci unpack --image L:v1 U) >/dev/null 2>&1 || fail "umoci unpack"
"$E" --root "$R" unpack app:v1 "$T/mine" || fail "engine unpack"
/usr/bin/python3 "$(dirname "$0")/../resources/tree_compare.py" "$T/U/rootfs" "$T/mine" || fail "trees differ"

# save: docker-archive by default, OCI on request; both load back with the same IDs.
"$E" --root "$R" save -o "$T/out.tar" busybox app:v1 || fail "save"
skopeo inspect docker-archive:"$T/out.tar":busybox:latest >/dev/null || fail "skopeo reads our docker-archive"
out=$("$E" --root "$T/r3" load -i "$T/out.tar" | sort | tr '\n' ' ')
expect "Loaded image: app:v1 Loaded image: busybox:latest " "$out" "load saved docker-archive"
err=$("$E" --root "$T/r3" load -i "$T/out.tar" --tag x 2>&1 >/dev/null)
case "$err" in "Error: load --tag: the archive holds several images: "*) ;; *) fail "--tag on two images [$err]" ;; esac
"$E" --root "$R" save --format oci busybox > "$T/out-oci.tar" || fail "save oci to stdout"
skopeo inspect oci-archive:"$T/out-oci.tar" >/dev/null || fail "skopeo reads our oci-archive"
out=$("$E" --root "$T/r4" load -i "$T/out-oci.tar") || fail "load saved oci"
expect "Loaded image: busybox:latest" "$out" "load saved oci"
id3=$("$E" --root "$T/r4" image default)
expect "$id1" "$id3" "saved and loaded default image ID"

# What we save as OCI is a layout umoci reads (ls, stat, unpack: the tree
# ours gives) and, where Go and Debian's image-spec sources are installed,
# conforms to the image-spec's schemas (tests/resources/oci_layout_check.go).
"$E" --root "$R" save --format oci -o "$T/two-oci.tar" busybox app:v1 || fail "save oci, two images"
mkdir "$T/ours" && tar -C "$T/ours" -xf "$T/two-oci.tar" || fail "extract our oci save"
out=$(umoci ls --layout "$T/ours" | sort | tr '\n' ' ')
expect "app:v1 busybox:latest " "$out" "umoci ls of our layout (ref.name annotations)"
umoci stat --image "$T/ours:app:v1" >/dev/null 2>&1 || fail "umoci stat of our layout"
(cd "$T" && umoci unpack --image ours:app:v1 OU) >/dev/null 2>&1 || fail "umoci unpack of our layout"
/usr/bin/python3 "$(dirname "$0")/../resources/tree_compare.py" "$T/OU/rootfs" "$T/mine" || fail "umoci unpacks our layout differently"
# umoci repack adds a layer to our layout (a file deleted: a whiteout); we load it.
rm "$T/OU/rootfs/x" && echo umoci > "$T/OU/rootfs/added"
cp -a "$T/ours" "$T/ours2"
(cd "$T" && umoci repack --image ours2:app:v1 OU) >/dev/null 2>&1 || fail "umoci repack onto our layout"
out=$("$E" --root "$T/r7" load -i "$T/ours2" | sort | tr '\n' ' ')
expect "Loaded image: app:v1 Loaded image: busybox:latest " "$out" "load our layout after umoci repack"
"$E" --root "$T/r7" unpack app:v1 "$T/repacked" || fail "unpack the repacked image"
[ ! -e "$T/repacked/x" ] && [ "$(cat "$T/repacked/added")" = umoci ] || fail "umoci's layer not applied"
gosrc=/usr/share/gocode/src/github.com/opencontainers/image-spec/schema
if command -v go >/dev/null 2>&1 && [ -d "$gosrc" ]; then
	(cd "$(dirname "$0")/../resources" && GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$T/gocache" GOFLAGS= \
		go build -o "$T/oci_layout_check" oci_layout_check.go) || fail "build oci_layout_check"
	out=$("$T/oci_layout_check" "$T/ours") || fail "our OCI save does not conform: $out"
	mkdir "$T/ours-bb" && "$E" --root "$R" save --format oci busybox | tar -C "$T/ours-bb" -xf - || fail "save oci busybox"
	out=$("$T/oci_layout_check" "$T/ours-bb") || fail "our OCI save of busybox does not conform: $out"
else
	echo "skip: image-spec conformance (no go or golang-github-opencontainers-image-spec-dev)"
fi

# Errors: one line on stderr, exit 1, nothing written.
err=$("$E" --root "$R" save -o "$T/no.tar" nosuch:1 2>&1); rc=$?
expect 1 "$rc" "save of an unknown image: exit code"
[ ! -e "$T/no.tar" ] || fail "failed save left a file"
echo garbage > "$T/junk.tar"
err=$("$E" --root "$R" load -i "$T/junk.tar" 2>&1); rc=$?
expect 1 "$rc" "load of junk: exit code"
case "$err" in "Error: load: $T/junk.tar: "*) ;; *) fail "junk load message [$err]" ;; esac
err=$("$E" --root "$R" save --format zip -o x busybox 2>&1); rc=$?
expect 1 "$rc" "save with an unknown format"
# Two loads of the same archive into one root at once both succeed.
"$E" --root "$T/r5" load -i "$T/out.tar" >/dev/null & p1=$!
"$E" --root "$T/r5" load -i "$T/out-oci.tar" >/dev/null & p2=$!
wait $p1 || fail "concurrent load 1"
wait $p2 || fail "concurrent load 2"
out=$("$E" --root "$T/r5" system check) || fail "system check after concurrent loads"
expect "" "$out" "system check after concurrent loads"

# Whatever was loaded, imported and saved, the store checks clean.
out=$("$E" --root "$R" system check) || fail "system check"
expect "" "$out" "system check"
echo "image_io: ok"
