#!/bin/sh
# Volumes end to end (as root, own engine root, cgroup parent and network
# namespace), checked against Docker's documented behaviour: engine volume
# create|ls|inspect|rm|prune, -v NAME:/path (created on first use, filled
# with the image's files when new and empty), -v /host:/path (a missing
# host dir is created), -v /path and the image's VOLUME (anonymous volumes,
# gone with rm -v and --rm), --mount, ps --filter volume=; and a hostile
# image whose symlinks at mount destinations must not lead out of its root.
set -u
. "$(dirname "$0")/lib.sh"
it_require_root
it_require_busybox
. "$(dirname "$0")/netns.inc"
it_engine_root volume
it_tmpdir

E default >/dev/null || fail "engine default"
vols() { E volume ls -q | tr '\n' ' '; }

# --- volume create / ls / inspect / rm / prune
check "create prints the name" "data" "$(E volume create --label team=web data)"
check "create again keeps it" "data" "$(E volume create data)"
check "inspect Name" '"Name": "data",' "$(E volume inspect data | grep '"Name"' | tr -d ' ' | sed 's/:/: /')"
mp=$(E volume inspect data | sed -n 's/.*"Mountpoint": "\(.*\)".*/\1/p')
check "mountpoint under the root" "$root/volumes/data/_data" "$mp"
contains "inspect Driver" '"Driver": "local"' "$(E volume inspect data)"
contains "inspect Scope" '"Scope": "local"' "$(E volume inspect data)"
contains "inspect Labels" '"team": "web"' "$(E volume inspect data)"
contains "inspect CreatedAt" '"CreatedAt": "20' "$(E volume inspect data)"
E volume create -o type=tmpfs -o o=size=1m scratch >/dev/null
contains "inspect Options" '"type": "tmpfs"' "$(E volume inspect scratch)"
check "ls header" "DRIVER    VOLUME NAME" "$(E volume ls | head -n1)"
check "ls -q" "data scratch " "$(vols)"
check "ls --filter label" "data" "$(E volume ls -q --filter label=team=web)"
check "ls --filter name" "scratch" "$(E volume ls -q --filter name=scr)"
E volume create x 2>/dev/null; check "bad name fails" 1 $?
E volume create -o type=nfs v2 2>/dev/null; check "unsupported type fails" 1 $?
E volume inspect nope >/dev/null 2>&1; check "inspect missing fails" 1 $?
# A name with a slash or dots: refused, saying so (not a cleared error).
out=$(E run --rm --network none --mount type=volume,src=../../x,dst=/v busybox true 2>&1)
check "--mount with a climbing volume name: the error names it" \
	'Error: invalid volume name "../../x": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed (at least 2 characters)' "$out"
out=$(E run --rm --network none -v data:/d --mount type=volume,src=a/b,dst=/v busybox true 2>&1)
check "the same after a good volume" 'Error: invalid volume name "a/b": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed (at least 2 characters)' "$out"
E volume create --bogus 2>/dev/null; check "unknown flag is 125" 125 $?

# --- -v NAME:/path: the image's files copied into an empty new volume
E run --rm --network none -v data:/etc busybox sh -c 'cat /etc/passwd >/dev/null && echo hello >/etc/note'
check "copy-up brought the image's /etc" "yes" "$([ -f "$mp/passwd" ] && echo yes)"
check "written through the volume" "hello" "$(cat "$mp/note")"
check "another container sees it" "hello" "$(E run --rm --network none -v data:/x busybox cat /x/note)"
E run --rm --network none -v data:/x:ro busybox touch /x/y 2>/dev/null
check "ro volume refuses writes" 1 $?
check "volume created on first use" "fresh" "$(E run --rm --network none -v fresh:/d busybox sh -c 'ls /d | wc -l >/dev/null; echo ok' >/dev/null; E volume ls -q --filter name=fresh)"
E run --rm --network none -v nocp:/etc:nocopy busybox true
check "nocopy leaves it empty" 0 "$(ls "$root/volumes/nocp/_data" | wc -l)"

# --- -v /host:/path and --mount
E run --rm --network none -v "$T/made/here:/h" busybox sh -c 'echo b >/h/f'
check "-v creates the host dir" "b" "$(cat "$T/made/here/f")"
E run --rm --network none --mount "type=bind,src=$T/missing,dst=/m" busybox true 2>"$T/err"
check "--mount bind needs its source" 125 $?
contains "--mount error names it" "bind source path does not exist" "$(cat "$T/err")"
check "--mount bind readonly" 1 "$(E run --rm --network none --mount "type=bind,source=$T/made,target=/m,readonly" busybox touch /m/x 2>/dev/null; echo $?)"
contains "--mount tmpfs with a size" "size=1024k" "$(E run --rm --network none --mount type=tmpfs,dst=/t,tmpfs-size=1m busybox grep ' /t ' /proc/mounts)"
contains "--mount volume-opt makes a tmpfs volume" "tmpfs" \
	"$(E run --rm --network none --mount type=volume,src=optvol,dst=/o,volume-opt=type=tmpfs,volume-opt=o=size=2m busybox grep ' /o ' /proc/mounts)"
contains "--mount volume" "hello" "$(E run --rm --network none --mount src=data,dst=/v busybox cat /v/note)"
E run --rm --network none --mount type=bogus,dst=/b busybox true 2>/dev/null
check "--mount bad type is 125" 125 $?
contains "a tmpfs-type volume" "tmpfs" "$(E run --rm --network none -v scratch:/s busybox grep ' /s ' /proc/mounts)"

# --- anonymous volumes: -v /path, VOLUME in the image, rm -v, --rm
before=$(E volume ls -q | wc -l)
E run -d --name anon1 --network none -v /anon busybox sleep 60 >/dev/null
check "-v /path made one volume" $((before + 1)) "$(E volume ls -q | wc -l)"
check "ps --filter volume=DST" "anon1" "$(E ps --filter volume=/anon --format '{{.Names}}' 2>/dev/null || E ps --filter volume=/anon | awk 'NR>1{print $NF}')"
E run -d --name named1 --network none -v data:/data busybox sleep 60 >/dev/null
check "ps --filter volume=NAME" "named1" "$(E ps --filter volume=data | awk 'NR>1{print $NF}')"
E volume rm data 2>"$T/err"; check "rm of a used volume fails" 1 $?
contains "rm says in use" "in use" "$(cat "$T/err")"
check "dangling=false lists it" "yes" "$(E volume ls -q --filter dangling=false | grep -qx data && echo yes)"
E rm -f anon1 >/dev/null
check "rm without -v keeps the anonymous volume" $((before + 1)) "$(E volume ls -q | wc -l)"
E volume prune -f >/dev/null
check "prune takes the unused anonymous one" "$before" "$(E volume ls -q | wc -l)"
E run -d --name anon2 --network none -v /anon busybox sleep 60 >/dev/null
E rm -f -v anon2 >/dev/null
check "rm -v removes the anonymous volume" "$before" "$(E volume ls -q | wc -l)"
E run --rm --network none -v /anon busybox true
check "--rm removes the anonymous volume" "$before" "$(E volume ls -q | wc -l)"
E rm -f named1 >/dev/null
check "named volume outlives rm -v" "data" "$(E volume ls -q --filter name=data)"

mkdir -p "$T/ctx"
cat >"$T/ctx/Dockerfile" <<'EOF'
FROM busybox
RUN mkdir /imgdata && echo from-image >/imgdata/f
VOLUME /imgdata
EOF
E build -q -t withvol "$T/ctx" >/dev/null 2>&1 || E build -t withvol "$T/ctx" >/dev/null || fail "build withvol"
E run -d --name iv --network none withvol sleep 60 >/dev/null
check "image VOLUME made one" $((before + 1)) "$(E volume ls -q | wc -l)"
check "image VOLUME filled from the image" "from-image" "$(E exec iv cat /imgdata/f)"
check "inspect Mounts has it" "volume" "$(E inspect iv | tr -d ' ",' | sed -n 's/^Type:\(volume\)$/\1/p' | head -n1)"
E rm -f -v iv >/dev/null
check "rm -v removes the image's anonymous volume" "$before" "$(E volume ls -q | wc -l)"

# --- a hostile image: symlinks where mounts go
target="/tmp/engine-it-escape-$$"
rm -rf "$target"
cat >"$T/ctx/Dockerfile" <<EOF
FROM busybox
RUN ln -s ../../../../../..$target /esc && ln -s /proc/self/fd/0 /magic && ln -s /etc /etclink
EOF
E build -q -t hostile "$T/ctx" >/dev/null 2>&1 || E build -t hostile "$T/ctx" >/dev/null || fail "build hostile"
out=$(E run --rm --network none -v esc:/esc hostile sh -c "grep -c ' $target ' /proc/mounts; touch $target/inside")
check "a symlinked destination resolves inside the container" "1" "$out"
check "nothing made on the host" "no" "$([ -e "$target" ] && echo yes || echo no)"
check "the file went into the volume" "yes" "$([ -f "$root/volumes/esc/_data/inside" ] && echo yes)"
E run --rm --network none -v magic:/magic hostile true 2>"$T/err"
check "a magic link destination is refused" 125 $?
contains "the error names the destination" "mount destination /magic" "$(cat "$T/err")"
E run --rm --network none -v etcl:/etclink hostile true
check "copy-up through a symlink reads the image" "yes" "$([ -f "$root/volumes/etcl/_data/passwd" ] && echo yes)"
check "copy-up took nothing of the host's /etc" "no" "$([ -e "$root/volumes/etcl/_data/os-release" ] && echo yes || echo no)"
rm -rf "$target"

E volume prune -a -f >/dev/null
check "prune -a leaves none" "" "$(vols)"
E rm -f $(E ps -aq) >/dev/null 2>&1
it_check_nothing_left
it_done
