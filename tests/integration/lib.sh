# Sourced by the CLI integration scripts: what each of them needs before its
# first check. Usage, at the top of a script:
#
#   . "$(dirname "$0")/lib.sh"
#   it_require_root; it_require_busybox; it_require umoci skopeo
#   . "$(dirname "$0")/netns.inc"       # scripts that run containers
#   it_engine_root runtime              # $root, $parent, E, cleanup on exit
#
# and at the end: it_done. Every script gets its own temporary engine root
# and its own cgroup parent ("engine-it-<root's name>"), so suites that run
# side by side never share or remove each other's cgroups; on exit its
# containers are removed, then the parent cgroup, then the root.

ENGINE_BUILD=${ENGINE_BUILD:-$(pwd)}
fails=0

it_require_root() {
	[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
}

it_require_busybox() {
	[ -x /bin/busybox ] || { echo "skip: no /bin/busybox"; exit 77; }
}

it_require() { # it_require TOOL...
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || { echo "skip: $t missing"; exit 77; }
	done
}

it_cleanup() {
	if [ -n "${root:-}" ]; then
		E rm -f $(E ps -a -q 2>/dev/null) >/dev/null 2>&1
		for d in /sys/fs/cgroup/*/"$parent"; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done
		rm -rf "$root"
	fi
	[ -n "${T:-}" ] && rm -rf "$T"
	return 0
}

# A temporary engine root with its own cgroup parent, and E to run the CLI
# on it.
it_engine_root() { # it_engine_root NAME
	root=$(mktemp -d "/tmp/engine-it-$1-XXXXXX")
	parent="engine-it-$(basename "$root")"
	printf '{"cgroup-parent": "%s"}\n' "$parent" >"$root/config.json"
	trap it_cleanup EXIT
}

E() { "$ENGINE_BUILD/tools/engine" --root "$root" --config "$root/config.json" "$@"; }

# A scratch directory $T, removed on exit.
it_tmpdir() {
	T=$(mktemp -d)
	trap it_cleanup EXIT
}

check() { # check NAME EXPECTED ACTUAL: counts a failure, goes on
	if [ "$2" = "$3" ]; then echo "ok   $1"; else echo "FAIL $1: expected [$2] got [$3]"; fails=$((fails + 1)); fi
}

contains() { # contains NAME NEEDLE TEXT
	case "$3" in *"$2"*) echo "ok   $1" ;; *) echo "FAIL $1: [$3] lacks [$2]"; fails=$((fails + 1)) ;; esac
}

fail() { # fail MESSAGE: stops the script
	echo "FAIL: $*"
	exit 1
}

expect() { # expect WANT GOT WHAT: stops the script on a difference
	[ "$1" = "$2" ] || fail "$3: expected [$1], got [$2]"
}

# Nothing of the script's engine root is left: containers, mounts, cgroups.
it_check_nothing_left() {
	check "no containers" 0 "$(ls "$root/containers" | wc -l)"
	check "no mounts" 0 "$(grep -c "$root" /proc/self/mountinfo)"
	check "no cgroups" 0 "$(find /sys/fs/cgroup/*/"$parent" -mindepth 1 -type d 2>/dev/null | wc -l)"
}

it_done() {
	[ "$fails" -eq 0 ] || { echo "$fails failed"; exit 1; }
	echo "all passed"
}
