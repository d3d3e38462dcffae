#!/bin/sh
# The Open Containers runtime-tools validation suite against engine-oci
# and, with COMPARE=1, against runc and crun in the same run; as root.
#
#   scripts/oci-validation.sh RUNTIME_TOOLS_DIR [NAME...]
#
# Debian packages runtime-tools' library only
# (golang-github-opencontainers-runtime-tools-dev has no validation/):
# RUNTIME_TOOLS_DIR is a checkout of github.com/opencontainers/runtime-tools
# at Debian's version (0.9.0+git20220423, commit 0105384), which builds
# offline with Debian's Go 1.19 from its vendor/ directory. NAME: programs
# of validation/ (default: all of them). Each runs at most TIMEOUT seconds
# (default 120). Prints, per runtime, the assertions passed / failed /
# skipped and the programs that passed (no failure, no error, exit 0);
# VERBOSE=1 adds a line per program. Exits 1 when one of engine-oci's
# programs failed.
set -u
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
top=$(cd "$(dirname "$0")/.." && pwd)
B=${ENGINE_BUILD:-$top/build/default}
RT=${1:?usage: $0 RUNTIME_TOOLS_DIR [NAME...]}
shift
RT=$(cd "$RT" && pwd) || exit 1
[ -d "$RT/validation" ] || { echo "$RT: no validation/ (a runtime-tools checkout?)"; exit 77; }
command -v go >/dev/null || { echo "go missing"; exit 77; }
work=$(mktemp -d /tmp/engine-oci-validation-XXXXXX)
parent="engine-oci-validation-$(basename "$work")"
# What the programs leave: bundles in /tmp/ocitest* (kept when removing
# them fails), with mounts in the host's namespace when a runtime runs a
# container without a mount namespace (runc does, for linux_ns_itype).
sweep() {
	grep -o ' /tmp/ocitest[^ ]*' /proc/self/mountinfo | sort -r | while read -r m; do
		[ -n "$(find "$(echo "$m" | sed 's|^\(/tmp/ocitest[^/]*\).*|\1|')" -maxdepth 0 -newer "$work/stamp")" ] &&
			umount -l "$m" 2>/dev/null
	done
	find /tmp -maxdepth 1 -name 'ocitest*' -newer "$work/stamp" -exec rm -rf {} + 2>/dev/null
}
cleanup() {
	sweep
	for id in $(ls "$work/state/oci" 2>/dev/null); do "$work/engine-oci" delete --force "$id" 2>/dev/null; done
	# the suite's own absolute cgroupsPath (/cgrouptest) and relative one
	# (testdir/cgrouptest), where a runtime put them; only empty ones go
	for h in /sys/fs/cgroup/*/; do
		for d in "$h$parent" "${h}cgrouptest" "${h}testdir"; do
			[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
		done
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
touch "$work/stamp"

(cd "$RT" && GOFLAGS=-mod=vendor GOPROXY=off GOCACHE="${GOCACHE:-$work/gocache}" \
	make -s runtimetest validation-executables >/dev/null) || { echo "building the suite failed"; exit 1; }

printf '{"cgroup-parent": "%s"}\n' "$parent" > "$work/config.json"
cat > "$work/engine-oci" <<W
#!/bin/sh
exec "$B/tools/engine-oci" --root "$work/state" --config "$work/config.json" "\$@"
W
# crun refuses this host's hybrid layout unless the cgroup2 mount is hidden
cat > "$work/crun" <<'W'
#!/bin/sh
exec unshare --mount --propagation private -- sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec crun "$@"' sh "$@"
W
chmod +x "$work/engine-oci" "$work/crun"

names=$*
[ -n "$names" ] || names=$(cd "$RT/validation" && ls -d */ | tr -d / | grep -v '^util$')
runtimes="engine-oci=$work/engine-oci"
[ "${COMPARE:-0}" = 1 ] && runtimes="$runtimes runc=$(command -v runc) crun=$work/crun"
status=0
for r in $runtimes; do
	name=${r%%=*} bin=${r#*=}
	mkdir -p "$work/out-$name"
	for n in $names; do
		[ -x "$RT/validation/$n/$n.t" ] || { echo "no program validation/$n"; status=1; continue; }
		(cd "$RT" && RUNTIME=$bin timeout "${TIMEOUT:-120}" "validation/$n/$n.t" \
			>"$work/out-$name/$n.tap" 2>"$work/out-$name/$n.err"; echo "rc=$?" >>"$work/out-$name/$n.err")
		sweep
	done
	printf '%-10s ' "$name"
	python3 "$top/scripts/oci_validation_summary.py" "$work/out-$name" ${VERBOSE:+-v} ||
		{ [ "$name" = engine-oci ] && status=1; }
done
exit $status
