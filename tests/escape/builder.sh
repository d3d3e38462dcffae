#!/bin/sh
# The builder against a hostile context, base image and stages: COPY of a
# context symlink to a host path (absolute or climbing) and of paths through
# a symlinked directory is refused, a directory's symlinks are copied as
# links; ADD of a tar with absolute or climbing names, entries through a
# symlink it made, hard links to host files; COPY --from a stage whose
# files are links to host paths; WORKDIR and COPY destinations through
# links a RUN step planted; and what a RUN step gets of the caller (fds,
# environment). Nothing lands on, links to or is read from the host.
. "$(dirname "$0")/lib.sh"

echo HOSTSECRET >"$tmp/secret"
mkdir -p "$tmp/ctx/d"
cp "$tmp/probe" "$tmp/ctx/probe"
ln -s "$tmp/secret" "$tmp/ctx/abs"
ln -s ../secret "$tmp/ctx/rel"
ln -s "$tmp" "$tmp/ctx/d/up"
ln -s / "$tmp/ctx/d/root"
# build NAME DOCKERFILE-LINES: builds image NAME (network none); its output.
build() {
	printf 'FROM busybox\n%s\n' "$2" >"$tmp/ctx/Dockerfile"
	E build --network none -t "$1" "$tmp/ctx" 2>&1
}
# leaks IMAGE: what of the host secret the image holds.
leaks() {
	E run --rm --network none "$1" sh -c 'find / -xdev -type f -size -2 2>/dev/null | xargs cat 2>/dev/null' |
		grep -c HOSTSECRET
}

out=$(build b-abs 'COPY abs /x')
contains "COPY of a context link to a host path: refused" "outside the build context" "$out"
out=$(build b-rel 'COPY rel /x')
contains "COPY of a context link climbing out: refused" "outside the build context" "$out"
out=$(build b-thru 'COPY d/up/secret /x')
contains "COPY through a context link to a host directory: refused" "outside the build context" "$out"
out=$(build b-thru2 'COPY d/root/etc/hostname /x')
contains "COPY through a context link to /: refused" "outside the build context" "$out"
build b-dir 'COPY d /x' >/dev/null
out=$(E run --rm --network none b-dir sh -c 'for f in /x/up /x/root; do [ -L $f ] && echo link; done')
check "COPY of a directory: its links stay links" "link
link" "$out"
check "COPY of a directory: no host file in the image" 0 "$(leaks b-dir)"

# ADD of hostile tars, one kind each (a failing entry fails the step).
for kind in absolute climbing symlink hardlink relhardlink; do
	/usr/bin/python3 - "$tmp/ctx/evil.tar" "$tmp" $kind <<'PY'
import io, sys, tarfile
out, host, kind = sys.argv[1:]
t = tarfile.open(out, "w")
def reg(name):
    ti = tarfile.TarInfo(name); ti.size = 1; t.addfile(ti, io.BytesIO(b"x"))
def link(name, target, kind=tarfile.SYMTYPE):
    ti = tarfile.TarInfo(name); ti.type = kind; ti.linkname = target; t.addfile(ti)
reg("ok")
if kind == "absolute": reg(host + "/marker/absolute")
if kind == "climbing": reg("../" * 12 + host.lstrip("/") + "/marker/climbing")
if kind == "symlink": link("l1", host + "/marker"); reg("l1/through-link")
if kind == "hardlink": link("h1", host + "/secret", tarfile.LNKTYPE)
if kind == "relhardlink": link("h2", "../" * 12 + host.lstrip("/") + "/secret", tarfile.LNKTYPE)
t.close()
PY
	build b-add "ADD evil.tar /t/" >/dev/null
	no_markers "ADD of a tar with a $kind entry: nothing on the host"
done
check "ADD: no hard link to the host file was made" 1 "$(stat -c %h "$tmp/secret")"
check "ADD: no host file in the image" 0 "$(leaks b-add)"

# A stage whose files are links to host paths, copied from.
printf 'FROM busybox AS s\nRUN ln -s %s /up && ln -s / /root2 && ln -s %s/secret /file\nFROM busybox\n%s\n' \
	"$tmp" "$tmp" 'COPY --from=s /up/secret /x1' >"$tmp/ctx/Dockerfile"
# from_leak NAME: builds the Dockerfile as NAME; what it read of the host
# file (a refused build read nothing).
from_leak() {
	if E build --network none -t "$1" "$tmp/ctx" >"$tmp/build.log" 2>&1; then leaks "$1"; else echo 0; fi
}
check "COPY --from through a stage's link to a host directory: no host file" 0 "$(from_leak b-from1)"
printf 'FROM busybox AS s\nRUN ln -s %s/secret /file\nFROM busybox\nCOPY --from=s /file /x2\n' "$tmp" \
	>"$tmp/ctx/Dockerfile"
check "COPY --from of a stage's link to a host file: no host file" 0 "$(from_leak b-from2)"
printf 'FROM busybox AS s\nRUN mkdir -p /a%s && ln -s /a%s/secret /file && echo staged > /a%s/secret\nFROM busybox\nCOPY --from=s /file /x3\n' \
	"$tmp" "$tmp" "$tmp" >"$tmp/ctx/Dockerfile"
from_leak b-from3 >/dev/null
check "COPY --from of a stage's absolute link: its target in the stage (Docker's)" staged \
	"$(E run --rm --network none b-from3 cat /x3 2>&1)"

# WORKDIR and COPY destinations through a link a RUN step planted.
out=$(build b-wd "RUN ln -s $tmp/marker /w && ln -s ../../../../../../..$tmp/marker /w2
WORKDIR /w/sub
COPY probe /w2/
COPY probe ./")
contains "WORKDIR/COPY through planted links: the build succeeds" "Successfully built" "$out"
no_markers "WORKDIR/COPY through planted links: nothing on the host"
check "WORKDIR/COPY through planted links: they land in the image, through the links" 2 \
	"$(E run --rm --network none b-wd sh -c "ls $tmp/marker/probe $tmp/marker/sub/probe" | wc -l)"
check "WORKDIR through a link leaves the link" link "$(E run --rm --network none b-wd sh -c '[ -L /w ] && echo link')"
# WORKDIR's layer gave every parent 0755: /root (0700) opened to all.
build b-wd2 "RUN chmod 700 /root
WORKDIR /root/app
WORKDIR /tmp/x/y" >/dev/null
check "WORKDIR keeps its parents' modes (/root 0700, /tmp 1777)" "drwx------ drwxrwxrwt" \
	"$(E run --rm --network none b-wd2 sh -c 'ls -ld /root /tmp | cut -c1-10 | tr "\n" " "' | sed 's/ $//')"

# A RUN step holds stdio only and none of the caller's environment.
printf 'FROM busybox\nCOPY probe /probe\nRUN /probe status self; env; echo run-done\n' >"$tmp/ctx/Dockerfile"
out=$(BUILD_HOST_SECRET=hunter2 E build --no-cache --network none -t b-run "$tmp/ctx" 9<"$tmp" 2>&1)
contains "control: the RUN step ran" "run-done" "$out"
lacks "RUN: none of the caller's environment" "hunter2" "$out"
lacks "RUN: no host directory among its fds" "$tmp" "$out"
lacks "RUN: no fd beyond stdio and the probe's own" "fd 4:" "$out"
finish
