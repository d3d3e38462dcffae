#!/bin/sh
# Images between buildah (Debian's, vfs storage of the test's own, chroot
# isolation) and libengine, both ways, in a network namespace of the
# test's own with `engine registry serve` on its 127.0.0.1:
# - buildah bud from scratch (a file deleted and a directory replaced in
#   later layers: whiteouts), committed to oci-archive, docker-archive, an
#   OCI layout and pushed to our registry as Docker v2 and as OCI: each
#   loads or pulls with buildah's image ID and runs with its CMD, ENV,
#   WORKDIR and LABEL, the deleted files gone; a manifest list of amd64
#   and arm64 images, each platform pulled;
# - an `engine build` image saved in both formats and pushed by `engine
#   push`: buildah pulls each with our image ID, runs it, sees its config.
set -u
. "$(dirname "$0")/lib.sh"
it_require_root
it_require_busybox
it_require buildah curl
. "$(dirname "$0")/netns.inc"
it_engine_root buildah
it_tmpdir
SRV_PID=""
bh_cleanup() {
	[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null
	[ -d "$T/bh" ] && BH rm --all >/dev/null 2>&1
	it_cleanup
}
trap bh_cleanup EXIT
export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"
BH() { buildah --root "$T/bh/root" --runroot "$T/bh/run" --storage-driver vfs "$@"; }

E image default >/dev/null || fail "default image"
"$ENGINE_BUILD/tools/engine" --root "$root" --config "$root/config.json" registry serve --addr 127.0.0.1:0 \
	> "$T/srv.log" 2>&1 &
SRV_PID=$!
i=0
while ! grep -q "listening on" "$T/srv.log" && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
SRV=127.0.0.1:$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$T/srv.log")
[ "$SRV" != "127.0.0.1:" ] || fail "registry did not start: $(cat "$T/srv.log")"

# --- buildah's images into libengine -----------------------------------------
mkdir -p "$T/ctx"
cp /bin/busybox "$T/ctx/busybox"
cat > "$T/ctx/Dockerfile" <<'EOF'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN mkdir -p /opt/d /srv && echo old > /opt/d/old && echo gone > /srv/gone
RUN rm /srv/gone && rm -rf /opt/d && mkdir /opt/d && echo new > /opt/d/new
ENV GREETING=hello-buildah
LABEL org.example.who=buildah
WORKDIR /srv
CMD ["/bin/sh", "-c", "echo $GREETING $(pwd) $(ls /opt/d) $(ls /srv | wc -l)"]
EOF
BH bud --isolation chroot --layers -q -t bh/img:1 "$T/ctx" > "$T/bud.log" 2>&1 || fail "buildah bud: $(tail -n 5 "$T/bud.log")"
BID=sha256:$(BH inspect --type image --format '{{.FromImageID}}' bh/img:1)
WANT="hello-buildah /srv new 0"
BH push -q bh/img:1 "oci-archive:$T/bh-oci.tar:bh/img:1" || fail "buildah push oci-archive"
BH push -q bh/img:1 "docker-archive:$T/bh-da.tar:bh/img:1" || fail "buildah push docker-archive"
BH push -q bh/img:1 "oci:$T/bh-layout:1" || fail "buildah push oci layout"
BH push -q --tls-verify=false --format v2s2 bh/img:1 "docker://$SRV/bh/img:v2s2" || fail "buildah push v2s2"
BH push -q --tls-verify=false --format oci bh/img:1 "docker://$SRV/bh/img:oci" || fail "buildah push oci"

n=0
for src in bh-oci.tar bh-da.tar bh-layout; do
	n=$((n + 1))
	R="$T/r$n"
	out=$("$ENGINE_BUILD/tools/engine" --root "$R" load -i "$T/$src" --tag bh/img 2>&1) || fail "load $src: $out"
	contains "load buildah's $src" "Loaded image" "$out"
	id=$("$ENGINE_BUILD/tools/engine" --root "$R" images --no-trunc -q | head -n1)
	check "$src keeps buildah's image ID" "$BID" "$id"
	out=$("$ENGINE_BUILD/tools/engine" --root "$R" --config "$root/config.json" run --rm --network none "$id" 2>&1)
	check "$src runs with its CMD, ENV and WORKDIR, whiteouts applied" "$WANT" "$out"
	check "$src label" buildah "$("$ENGINE_BUILD/tools/engine" --root "$R" inspect -f '{{index .Config.Labels "org.example.who"}}' "$id")"
	"$ENGINE_BUILD/tools/engine" --root "$R" rmi -f "$id" > /dev/null 2>&1
	rm -rf "$R"
done
for tag in v2s2 oci; do
	out=$(E pull "$SRV/bh/img:$tag" 2>&1) || fail "pull buildah's $tag push: $out"
	check "buildah's $tag push pulls with its image ID" "$BID" "$(E inspect -f '{{.Id}}' "$SRV/bh/img:$tag")"
	out=$(E run --rm --network none "$SRV/bh/img:$tag" 2>&1)
	check "buildah's $tag push runs" "$WANT" "$out"
done

# A manifest list buildah pushes (amd64 and arm64 images, no RUN: nothing
# foreign runs): engine pulls each platform's image from our registry.
mkdir -p "$T/mctx"
printf 'FROM scratch\nCOPY f /f\nCMD ["/f"]\n' > "$T/mctx/Dockerfile"
for a in amd64 arm64; do
	echo "$a" > "$T/mctx/f"
	BH bud -q --arch "$a" -t "ml:$a" "$T/mctx" > /dev/null 2>&1 || fail "buildah bud --arch $a"
done
BH manifest create ml:list > /dev/null || fail "buildah manifest create"
for a in amd64 arm64; do BH manifest add ml:list "containers-storage:localhost/ml:$a" > /dev/null || fail "manifest add"; done
BH manifest push -q --all --tls-verify=false ml:list "docker://$SRV/ml/list:1" || fail "buildah manifest push --all"
for a in amd64 arm64; do
	out=$(E pull --platform "linux/$a" "$SRV/ml/list:1" 2>&1) || { check "pull $a from buildah's list: $out" 0 1; continue; }
	E unpack "$SRV/ml/list:1" "$T/ml-$a" || fail "unpack $a"
	check "buildah's manifest list: the $a image" "$a" "$(cat "$T/ml-$a/f")"
done
BH rmi -a -f > /dev/null 2>&1

# --- libengine's images into buildah -------------------------------------------
mkdir -p "$T/ectx"
cat > "$T/ectx/Dockerfile" <<'EOF'
FROM busybox
RUN mkdir -p /srv && echo made-by-engine > /srv/m && ln -s /srv/m /srv/link && rm -rf /tmp
ENV WHO=engine
LABEL org.example.by=engine
WORKDIR /srv
CMD ["cat", "/srv/m"]
EOF
out=$(E build --network none -t eng/built:1 "$T/ectx" 2>&1) || fail "engine build: $out"
EID=$(E inspect -f '{{.Id}}' eng/built:1)
E save --format oci -o "$T/e-oci.tar" eng/built:1 || fail "save oci"
E save -o "$T/e-da.tar" eng/built:1 || fail "save docker-archive"
E tag eng/built:1 "$SRV/eng/built:1"
out=$(E push "$SRV/eng/built:1" 2>&1) || fail "engine push: $out"
for src in "oci-archive:$T/e-oci.tar" "docker-archive:$T/e-da.tar" "docker://$SRV/eng/built:1"; do
	name=${src%%:*}
	out=$(BH pull -q --tls-verify=false "$src" 2>&1) || { check "buildah pulls our $name" 0 1; continue; }
	check "buildah pulls our $name with our image ID" "$EID" "sha256:$out"
	c=$(BH from -q --pull-never "$out") || { check "buildah from our $name" 0 1; continue; }
	out=$(BH run --isolation chroot "$c" -- sh -c 'echo $(pwd) $WHO $(cat /srv/link); [ -e /tmp ] || echo no-tmp' 2>&1)
	check "buildah runs our $name" "/srv engine made-by-engine no-tmp" "$(echo $out)"
	check "buildah sees our $name's CMD" '[cat /srv/m]' "$(BH inspect --format '{{.OCIv1.Config.Cmd}}' "$c")"
	check "buildah sees our $name's label" engine \
		"$(BH inspect --format '{{index .OCIv1.Config.Labels "org.example.by"}}' "$c")"
	BH rm "$c" > /dev/null
	BH rmi -f "${EID#sha256:}" > /dev/null 2>&1
done
it_check_nothing_left
it_done
