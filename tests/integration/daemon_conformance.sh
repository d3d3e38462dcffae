#!/bin/sh
# `engine daemon` against the Docker Engine API 1.41 as documented (and as
# dockerd 20.10 answers): the members, status codes and messages a
# conformance client checks, on raw HTTP over the socket. Regressions of a
# side-by-side sweep against dockerd.
set -u
. "$(dirname "$0")/daemon_common.inc"
start_daemon
out=$(SOCK="$sock" timeout 300 /usr/bin/python3 - <<'PY'
import http.client, json, os, socket, urllib.parse

class U(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(60)
        self.sock.connect(os.environ["SOCK"])

def req(method, path, body=None):
    c = U("localhost")
    h = {}
    if body is not None:
        body = json.dumps(body)
        h["Content-Type"] = "application/json"
    c.request(method, "/v1.41" + path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    try:
        j = json.loads(data) if data else None
    except ValueError:
        j = None
    return r.status, r.getheader("Content-Type"), j

def check(name, want, got):
    print("%s %s%s" % ("ok  " if want == got else "FAIL", name,
                       "" if want == got else ": expected %r got %r" % (want, got)))

def q(f):
    return urllib.parse.quote(json.dumps(f))

base = {"Image": "busybox", "Cmd": ["sleep", "60"], "HostConfig": {"NetworkMode": "none"}}
def create(extra_hc=None, name=None, **cfg):
    b = json.loads(json.dumps(base))
    b.update(cfg)
    b["HostConfig"].update(extra_hc or {})
    return req("POST", "/containers/create" + ("?name=" + name if name else ""), b)

# create: MemorySwap is checked as dockerd does, then dropped with a warning
s, _, j = create({"Memory": 64 << 20, "MemorySwap": 128 << 20})
check("MemorySwap > Memory: 201", 201, s)
check("MemorySwap > Memory: a warning", True, bool(j.get("Warnings")))
s, _, j = create({"Memory": 64 << 20, "MemorySwap": 32 << 20})
check("MemorySwap < Memory: 400", 400, s)
s, _, j = create({"CapAdd": ["NOT_A_CAP"]})
check("unknown CapAdd: 400", 400, s)
check("unknown CapAdd: named", True, "unknown capability" in j["message"])
s, _, j = create({"CapDrop": ["ALL"]})
check("CapDrop ALL: 201", 201, s)
s, _, j = create({"Ulimits": [{"Name": "nofile", "Soft": 100, "Hard": 200}]}, name="conf-a",
                 Labels={"k": "v"})
cid = j["Id"]

# inspect: every documented HostConfig member, Ulimits as objects, sizes
s, _, j = req("GET", "/containers/%s/json?size=1" % cid)
hc = j["HostConfig"]
want = ["CapAdd", "CapDrop", "Dns", "DnsOptions", "DnsSearch", "ExtraHosts", "GroupAdd", "IpcMode",
        "PidMode", "UTSMode", "UsernsMode", "ShmSize", "Runtime", "ConsoleSize", "Isolation",
        "CgroupParent", "CgroupnsMode", "BlkioWeight", "CpuPeriod", "CpuQuota", "CpusetCpus",
        "Devices", "MemoryReservation", "MemorySwap", "MemorySwappiness", "OomKillDisable",
        "PidsLimit", "Ulimits", "OomScoreAdj", "ReadonlyRootfs", "SecurityOpt", "VolumesFrom"]
check("inspect: HostConfig members", [], [k for k in want if k not in hc])
check("inspect: Config.Entrypoint", True, "Entrypoint" in j["Config"])
check("inspect: Ulimits objects", [{"Name": "nofile", "Hard": 200, "Soft": 100}], hc["Ulimits"])
check("inspect ?size=1", [True, True], [isinstance(j.get("SizeRw"), int), isinstance(j.get("SizeRootFs"), int)])
s, _, j = req("GET", "/containers/json?all=1&size=1&filters=" + q({"id": [cid]}))
check("list ?size=1: SizeRootFs", True, j[0]["SizeRootFs"] > 0)
s, _, j = req("GET", "/containers/json?filters=" + q({"status": ["nope"]}))
check("list: bad status 400", [400, "Invalid filter 'status=nope'"], [s, j["message"]])
s, _, j = req("GET", "/containers/json?filters=" + q({"bogus": ["x"]}))
check("list: unknown filter", [400, "Invalid filter 'bogus'"], [s, j["message"]])

# a HostConfig.Tmpfs mount is not in Mounts; one of HostConfig.Mounts is
s, _, j = create({"Tmpfs": {"/run": "size=1m"}, "Mounts": [{"Type": "tmpfs", "Target": "/mnt"}]})
s, _, j = req("GET", "/containers/%s/json" % j["Id"])
check("Mounts: HostConfig.Mounts' tmpfs only", ["/mnt"], [m["Destination"] for m in j["Mounts"]])

# rename onto a taken name, export's type
create(name="conf-b")
s, _, j = req("POST", "/containers/conf-b/rename?name=conf-a")
check("rename conflict: 409", 409, s)
check("rename conflict: message", True,
      j["message"].startswith('Error when allocating new name: Conflict. The container name "/conf-a" is already in use by container "%s"' % cid))
s, ct, _ = req("GET", "/containers/%s/export" % cid)
check("export: Content-Type", [200, "application/octet-stream"], [s, ct])

# stats: the blkio lists
req("POST", "/containers/%s/start" % cid)
s, _, j = req("GET", "/containers/%s/stats?stream=false" % cid)
check("stats: blkio_stats lists", 8, len([k for k in j["blkio_stats"] if k.endswith("_recursive")]))
check("stats: sampled cpu", [True, True], ["online_cpus" in j["cpu_stats"], "online_cpus" in j["precpu_stats"]])
s, _, j = req("GET", "/containers/%s/stats?stream=false&one-shot=true" % cid)
check("stats one-shot: no precpu sample", [True, False], ["online_cpus" in j["cpu_stats"], "system_cpu_usage" in j["precpu_stats"]])
s, _, j = req("GET", "/containers/conf-b/stats?stream=false")
check("stats of a stopped container: nothing sampled", [200, False, {}],
      [s, "online_cpus" in j["cpu_stats"], j["pids_stats"]])

# images
s, _, j = req("DELETE", "/images/busybox")
check("rmi in use: 409", 409, s)
check("rmi in use: one message", 1, j["message"].count("conflict:"))
s, _, j = req("GET", "/images/nosuch/json")
check("image 404 names the tag (as dockerd 20.10, checked side by side)", [404, "no such image: nosuch: No such image: nosuch:latest"], [s, j["message"]])
s, _, j = req("GET", "/images/busybox/json")
check("image inspect members", [True, True, True],
      [k in j for k in ("Container", "ContainerConfig", "GraphDriver")])
s, _, j = req("POST", "/commit?container=%s&repo=conf-commit&tag=1&changes=%s" % (cid, urllib.parse.quote("ENV Z=3")),
              {"Labels": {"x": "y z"}, "Env": ["Y=a \"b\""], "Cmd": ["echo", "hi"], "WorkingDir": "/tmp"})
check("commit: 201", 201, s)
s, _, j = req("GET", "/images/conf-commit:1/json")
c = j["Config"]
check("commit: body Labels", "y z", (c.get("Labels") or {}).get("x"))
check("commit: body Env and changes", [True, True], ["Y=a \"b\"" in c["Env"], "Z=3" in c["Env"]])
check("commit: body Cmd, WorkingDir", [["echo", "hi"], "/tmp"], [c["Cmd"], c["WorkingDir"]])

s, _, j = req("GET", "/images/nosuch/get")
check("image get 404 names it as given", [404, "No such image: nosuch"], [s, j["message"]])

# build ?q=1: the image ID as the one stream line
import io, tarfile
def context_tar(df):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        ti = tarfile.TarInfo("Dockerfile")
        ti.size = len(df)
        t.addfile(ti, io.BytesIO(df))
    return buf
buf = context_tar(b"FROM busybox\nLABEL a=b\n")
c = U("localhost")
c.request("POST", "/v1.41/build?q=1&t=conf-q:1", body=buf.getvalue(), headers={"Content-Type": "application/x-tar"})
r = c.getresponse()
lines = [json.loads(l) for l in r.read().splitlines() if l.strip()]
check("build q=1: one stream line with the ID", [200, 1, True],
      [r.status, len(lines), lines[0].get("stream", "").startswith("sha256:") if lines else False])

c = U("localhost")
c.request("POST", "/v1.41/build?dockerfile=Nope", body=buf.getvalue(), headers={"Content-Type": "application/x-tar"})
r = c.getresponse()
check("build: missing Dockerfile before the stream", [500, "Cannot locate specified Dockerfile: Nope"],
      [r.status, json.loads(r.read()).get("message")])
bad = context_tar(b"FROM busybox\n# a comment\nRUNN true\n")
c = U("localhost")
c.request("POST", "/v1.41/build", body=bad.getvalue(), headers={"Content-Type": "application/x-tar"})
r = c.getresponse()
check("build: a Dockerfile that does not parse: 400 naming the line before the stream",
      [400, "application/json", "dockerfile parse error line 3: unknown instruction: RUNN"],
      [r.status, r.getheader("Content-Type"), json.loads(r.read()).get("message")])
# The context is the client's: its Dockerfile and .dockerignore are read
# inside it, never through a link or a path to the daemon's host files.
def linked_tar(name, target):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        ti = tarfile.TarInfo(name)
        ti.type, ti.linkname = tarfile.SYMTYPE, target
        t.addfile(ti)
        if name != "Dockerfile":
            df = b"FROM busybox\n"
            ti = tarfile.TarInfo("Dockerfile")
            ti.size = len(df)
            t.addfile(ti, io.BytesIO(df))
    return buf
for what, body, query, status in (
        ("a Dockerfile linked to a host file", linked_tar("Dockerfile", "/etc/hostname"), "", 500),
        ("a Dockerfile linked out by ..", linked_tar("Dockerfile", "../../../../etc/hostname"), "", 500),
        ("dockerfile= an absolute host path", context_tar(b"FROM busybox\n"), "?dockerfile=/etc/hostname", 500),
        ("dockerfile= climbing out", context_tar(b"FROM busybox\n"), "?dockerfile=../../../../etc/hostname", 500),
        (".dockerignore linked to a host file", linked_tar(".dockerignore", "/etc/hostname"), "", 400)):
    c = U("localhost")
    c.request("POST", "/v1.41/build" + query, body=body.getvalue(), headers={"Content-Type": "application/x-tar"})
    r = c.getresponse()
    msg = json.loads(r.read()).get("message", "")
    host = open("/etc/hostname").read().strip()
    check("build: " + what + " is refused before the stream, nothing of it shown",
          [status, False], [r.status, bool(host) and host in msg])
c = U("localhost")
c.request("POST", "/v1.41/build", body=b"not a tar archive" * 64, headers={"Content-Type": "application/x-tar"})
r = c.getresponse()
check("build: a context that is no tar: 400", 400, r.status)
r.read()

c = U("localhost")
c.request("POST", "/v1.41/build/prune")
r = c.getresponse()
check("build prune", [200, ["CachesDeleted", "SpaceReclaimed"]], [r.status, sorted(json.loads(r.read()))])
s, _, j = req("GET", "/images/json?filters=" + q({"since": ["busybox"]}))
check("images since busybox: the newer ones", True, "conf-q:1" in [t for i in j for t in i["RepoTags"]])
s, _, j = req("GET", "/images/json?filters=" + q({"before": ["conf-q:1"]}))
check("images before conf-q:1", [True, False], ["busybox:latest" in [t for i in j for t in i["RepoTags"]],
                                                 "conf-q:1" in [t for i in j for t in i["RepoTags"]]])
s, _, j = req("GET", "/images/json?filters=" + q({"before": ["nosuch"]}))
check("images before an unknown image: 404", 404, s)

# prune: dockerd's until / label filters
req("POST", "/containers/%s/kill" % cid)
req("POST", "/containers/%s/wait" % cid)
s, _, j = req("POST", "/containers/prune?filters=" + q({"name": ["x"]}))
check("prune: unknown filter 400", 400, s)
s, _, j = req("POST", "/containers/prune?filters=" + q({"until": ["soon"]}))
check("prune: bad until 400", 400, s)
s, _, j = req("POST", "/containers/prune?filters=" + q({"until": ["1h"]}))
check("prune until=1h keeps new ones", [200, []], [s, j["ContainersDeleted"] or []])
s, _, j = req("POST", "/containers/prune?filters=" + q({"label": ["k=v"]}))
check("prune label=k=v", [cid], j["ContainersDeleted"])
check("prune: SpaceReclaimed", True, isinstance(j["SpaceReclaimed"], int))

# system
s, _, j = req("GET", "/info")
check("info: process members", [int, int, int, bool, bool, str],
      [type(j.get(k)) for k in ("NFd", "NGoroutines", "NEventsListener", "KernelMemory", "BridgeNfIptables")] +
      [type(j.get("ContainerdCommit", {}).get("ID"))])
check("info: Runtimes has DefaultRuntime", True, j["DefaultRuntime"] in j["Runtimes"])
s, _, j = req("GET", "/system/df")
check("system df: BuilderSize", int, type(j.get("BuilderSize")))
PY
)
echo "$out"
n=$(printf '%s\n' "$out" | grep -c '^ok')
bad=$(printf '%s\n' "$out" | grep -c '^FAIL')
fails=$((fails + bad))
[ "$n" -ge 30 ] || { echo "FAIL: only $n checks ran"; fails=$((fails + 1)); }
[ $fails -eq 0 ]
