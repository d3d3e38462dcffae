# Shared by the escape tests (sourced): a private engine root and cgroup
# parent, the busybox image, the probe (tests/escape/probe.c) built static,
# a host directory for markers, and check helpers that print "ok NAME" or
# "FAIL NAME: why" (run.sh counts them). Everything is removed on exit:
# containers, the cgroup parent, the root and the markers.
set -u
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
[ -x /bin/busybox ] || { echo "skip: no /bin/busybox"; exit 77; }
ENGINE_BUILD=${ENGINE_BUILD:-$(pwd)}
escape_src=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/engine-escape-XXXXXX)
chmod 755 "$tmp"
root=$tmp/root
mkdir -p "$root" "$tmp/marker"
parent=$(basename "$tmp")
printf '{"cgroup-parent": "%s"}\n' "$parent" > "$tmp/config.json"
E() { "$ENGINE_BUILD/tools/engine" --root "$root" --config "$tmp/config.json" "$@"; }
fails=0
escape_cleanup() {
	ids=$(E ps -a -q 2>/dev/null)
	[ -n "$ids" ] && E rm -f $ids >/dev/null 2>&1
	for d in /sys/fs/cgroup/*/"$parent"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	rm -rf "$tmp"
}
trap escape_cleanup EXIT
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }
check() { # check NAME EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "expected [$2] got [$3]"; fi
}
contains() { # contains NAME NEEDLE TEXT
	case "$3" in *"$2"*) ok "$1" ;; *) fail "$1" "[$3] lacks [$2]" ;; esac
}
lacks() { # lacks NAME NEEDLE TEXT
	case "$3" in *"$2"*) fail "$1" "[$3] has [$2]" ;; *) ok "$1" ;; esac
}
# No marker may exist: anything in $tmp/marker came from inside a container.
no_markers() { # no_markers NAME
	found=$(ls -A "$tmp/marker")
	if [ -z "$found" ]; then ok "$1"; else fail "$1" "host markers written: $found"; rm -f "$tmp/marker"/*; fi
}
finish() { [ "$fails" -eq 0 ]; }
# in_pty [-t TEXT] CMD...: CMD as a session leader whose controlling
# terminal and stdio are a new pty; prints what it wrote. With -t, TEXT is
# typed into the terminal once CMD printed "ready", and the last line says
# whether the terminal still echoes.
in_pty() {
	/usr/bin/python3 - "$@" <<'PY'
import os, pty, select, sys, termios
args, text = sys.argv[1:], None
if args[0] == "-t":
    text, args = args[1].encode() + b"\n", args[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(args[0], args)
out = b""
while select.select([fd], [], [])[0]:
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    if text and b"ready" in out:
        os.write(fd, text)
        text = None
echo = termios.tcgetattr(fd)[3] & termios.ECHO
os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
if len(sys.argv) > 1 and sys.argv[1] == "-t":
    sys.stdout.write("\nterminal echo: %s\n" % ("on" if echo else "off"))
PY
}

cc=${CC:-cc}
$cc -static -O2 -o "$tmp/probe" "$escape_src/probe.c" 2>"$tmp/cc.log" ||
	{ echo "skip: cannot build a static probe: $(head -3 "$tmp/cc.log")"; exit 77; }
E default >/dev/null || { echo "FAIL: engine default"; exit 1; }
# Probe and marker dir inside containers: read-only, at /probe.
P="-v $tmp/probe:/probe:ro"
