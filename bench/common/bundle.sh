# Shared by the benchmarks that compare engine runs with OCI runtimes:
#   top=<source dir>; . "$top/bench/common/bundle.sh"
# sets B (the build dir: ENGINE_BUILD, default build/default), RB (the
# runbench driver) and LD_LIBRARY_PATH, and needs root; then
#   make_bundle ENGINE_ROOT DIR
# makes DIR/bundle, an OCI bundle of the busybox tree that `engine default`
# put in ENGINE_ROOT, equivalent to an engine_run of /bin/true with 64m
# memory and 64 pids limits: same rootfs, namespaces, masked paths, and
# Docker's default seccomp profile from /usr/share/containers/seccomp.json
# when present.
B=${ENGINE_BUILD:-$top/build/default}
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
export LD_LIBRARY_PATH="$B/libengine/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
RB="$B/bench/run/.libs/runbench"
[ -x "$RB" ] || RB="$B/bench/run/runbench"

make_bundle() { # make_bundle ENGINE_ROOT DIR
	mkdir -p "$2/bundle/rootfs"
	cp -a "$1"/layers/*/diff/. "$2/bundle/rootfs/"
	(cd "$2/bundle" && runc spec && python3 - <<'PY'
import json
c = json.load(open("config.json"))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]
c["root"]["readonly"] = False
c["linux"]["resources"] = {"memory": {"limit": 64 << 20}, "pids": {"limit": 64},
                           "devices": c["linux"]["resources"]["devices"]}
c["ociVersion"] = "1.0.2"
# Docker's default seccomp profile (podman's copy), for the capabilities the
# bundle has, in OCI form: the peers filter like engine_run does.
try:
    prof = json.load(open("/usr/share/containers/seccomp.json"))
    caps = set(c["process"]["capabilities"]["bounding"])
    rules = []
    for r in prof["syscalls"]:
        inc, exc = r.get("includes", {}), r.get("excludes", {})
        if inc.get("caps") and not set(inc["caps"]) <= caps:
            continue
        if exc.get("caps") and set(exc["caps"]) & caps:
            continue
        if inc.get("arches") and not set(inc["arches"]) & {"amd64", "x86_64"}:
            continue
        rule = {"names": r["names"], "action": r["action"]}
        for k in ("args", "errnoRet"):
            if r.get(k):
                rule[k] = r[k]
        rules.append(rule)
    c["linux"]["seccomp"] = {"defaultAction": prof["defaultAction"],
                             "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
                             "syscalls": rules}
    if prof.get("defaultErrnoRet"):
        c["linux"]["seccomp"]["defaultErrnoRet"] = prof["defaultErrnoRet"]
except OSError:
    pass
json.dump(c, open("config.json", "w"), indent=1)
PY
	)
}
