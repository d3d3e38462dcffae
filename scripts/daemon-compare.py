#!/usr/bin/python3
"""Side-by-side sweep of the Docker Engine API: the same requests to `engine
daemon` and to dockerd, printing where status codes, Content-Type, JSON member
sets and types (and, for some, values or messages) differ.

    scripts/daemon-compare.py ENGINE_SOCK DOCKERD_SOCK

Start both in a network namespace of your own, each with its own root and
busybox:latest loaded (`engine default`, then `engine save busybox | docker
load`); dockerd with the flags of the Docker API notes (--bridge=none
--iptables=false --ip-masq=false --ip-forward=false). The sweep creates and
removes containers and images named conf-* on both. A DIFF is a lead, not a
verdict: dockerd 20.10 answers 500 where the API documents 400, for one.
tests/integration/daemon_conformance.sh asserts what was fixed.
"""
import re, http.client, socket, json, sys, time, urllib.parse

class UConn(http.client.HTTPConnection):
    def __init__(self, path, timeout=30):
        super().__init__("localhost", timeout=timeout)
        self.path = path
    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.path)
        self.sock = s

class C:
    def __init__(self, name, sock):
        self.name, self.sock = name, sock
    def req(self, method, path, body=None, headers=None, raw=False):
        c = UConn(self.sock)
        h = dict(headers or {})
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body); h.setdefault("Content-Type", "application/json")
        c.request(method, "/v1.41" + path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        ct = r.getheader("Content-Type")
        j = None
        if not raw:
            try: j = json.loads(data) if data else None
            except Exception:
                try: j = [json.loads(l) for l in data.splitlines() if l.strip()]
                except Exception: j = "<non-json %d bytes>" % len(data)
        return r.status, ct, j, data

def shape(v, depth=0):
    if isinstance(v, dict):
        if depth > 4: return "dict"
        return {k: shape(x, depth+1) for k, x in v.items()}
    if isinstance(v, list):
        return [shape(v[0], depth+1)] if v else []
    return type(v).__name__

def diff(path, a, b, out):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a: out.append("%s.%s: missing in engine (docker %s)" % (path, k, short(b[k])))
            elif k not in b: out.append("%s.%s: extra in engine (%s)" % (path, k, short(a[k])))
            else: diff(path + "." + k, a[k], b[k], out)
    elif isinstance(a, list) and isinstance(b, list):
        if a and b: diff(path + "[]", a[0], b[0], out)
    elif type(a) != type(b):
        if a == "NoneType" or b == "NoneType":
            out.append("%s: null-ness engine=%s docker=%s" % (path, short(a), short(b)))
        else:
            out.append("%s: type engine=%s docker=%s" % (path, short(a), short(b)))

def short(x):
    s = json.dumps(x) if not isinstance(x, str) else x
    return s if len(s) < 60 else s[:57] + "..."

E = C("engine", sys.argv[1]); D = C("docker", sys.argv[2])
results = []
def cmp(label, fe, fd=None, values=False):
    fd = fd or fe
    try: re_ = fe(E)
    except Exception as ex: re_ = ("EXC", None, str(ex), b"")
    try: rd = fd(D)
    except Exception as ex: rd = ("EXC", None, str(ex), b"")
    out = []
    if re_[0] != rd[0]: out.append("status engine=%s docker=%s" % (re_[0], rd[0]))
    cte = (re_[1] or "").split(";")[0]; ctd = (rd[1] or "").split(";")[0]
    if cte != ctd: out.append("content-type engine=%r docker=%r" % (re_[1], rd[1]))
    diff("", shape(re_[2]), shape(rd[2]), out)
    if values and re_[2] != rd[2]: out.append("value engine=%s docker=%s" % (short(re_[2]), short(rd[2])))
    if isinstance(rd[2], dict) and "message" in rd[2] or isinstance(re_[2], dict) and "message" in (re_[2] or {}):
        em = re_[2].get("message") if isinstance(re_[2], dict) else re_[2]
        dm = rd[2].get("message") if isinstance(rd[2], dict) else rd[2]
        norm = lambda m: re.sub(r"[0-9a-f]{64}", "<ID>", m) if isinstance(m, str) else m
        if norm(em) != norm(dm): out.append("message engine=%r docker=%r" % (em, dm))
    print("%s %s" % ("DIFF" if out else "ok  ", label))
    for o in out: print("     " + o)
    sys.stdout.flush()
    return re_, rd

IMG = "busybox:latest"
def q(d): return "?" + urllib.parse.urlencode(d)
st = {E.name: {}, D.name: {}}
def S(c): return st[c.name]

def create(c, body, name=None):
    p = "/containers/create" + (q({"name": name}) if name else "")
    return c.req("POST", p, body)

def mk(c, key, body=None, name=None, start=False):
    b = {"Image": IMG, "Cmd": ["sleep", "300"], "HostConfig": {"NetworkMode": "none"}}
    if body: b.update(body)
    r = create(c, b, name)
    S(c)[key] = r[2]["Id"] if r[0] == 201 else None
    if start and S(c)[key]: c.req("POST", "/containers/%s/start" % S(c)[key])
    return r

def cid(c, key): return S(c)[key]

cmp("GET /_ping", lambda c: c.req("GET", "/_ping"), values=True)
cmp("HEAD /_ping", lambda c: c.req("HEAD", "/_ping"))
cmp("GET /version", lambda c: c.req("GET", "/version"))
cmp("GET /info", lambda c: c.req("GET", "/info"))
cmp("GET /system/df", lambda c: c.req("GET", "/system/df"))
cmp("GET /nonexistent", lambda c: c.req("GET", "/nonexistent"))
cmp("POST /_ping (405?)", lambda c: c.req("POST", "/_ping"))

# create variants
cmp("create minimal", lambda c: mk(c, "a"))
cmp("create unknown image", lambda c: create(c, {"Image": "nosuchimage:latest"}), values=True)
cmp("create bad json", lambda c: c.req("POST", "/containers/create", "{bad", {"Content-Type": "application/json"}))
cmp("create no image", lambda c: create(c, {"Cmd": ["true"]}))
cmp("create empty body", lambda c: c.req("POST", "/containers/create", "", {"Content-Type": "application/json"}))
cmp("create named", lambda c: mk(c, "n", name="conf-named"))
cmp("create name conflict", lambda c: create(c, {"Image": IMG, "Cmd": ["true"]}, "conf-named"))
cmp("create bad name", lambda c: create(c, {"Image": IMG, "Cmd": ["true"]}, "bad/name"))
cmp("create wrong type Cmd", lambda c: create(c, {"Image": IMG, "Cmd": 5}))
cmp("create bad restart policy", lambda c: create(c, {"Image": IMG, "HostConfig": {"RestartPolicy": {"Name": "bogus"}}}))
cmp("create autoremove+restart", lambda c: create(c, {"Image": IMG, "HostConfig": {"AutoRemove": True, "RestartPolicy": {"Name": "always"}}}))
cmp("create negative memory", lambda c: create(c, {"Image": IMG, "HostConfig": {"Memory": -5}}))
cmp("create small memory", lambda c: create(c, {"Image": IMG, "HostConfig": {"Memory": 1024}}))
cmp("create bad bind", lambda c: create(c, {"Image": IMG, "HostConfig": {"Binds": ["relative:/x"]}}))
cmp("create bad networkmode", lambda c: create(c, {"Image": IMG, "HostConfig": {"NetworkMode": "nosuchnet"}}))
cmp("create bad cap", lambda c: create(c, {"Image": IMG, "HostConfig": {"CapAdd": ["NOT_A_CAP"]}}))
cmp("create many hostconfig", lambda c: mk(c, "h", {"Env": ["A=1"], "Labels": {"l": "v"}, "WorkingDir": "/tmp", "User": "nobody",
    "StopSignal": "SIGUSR1", "StopTimeout": 3, "Hostname": "hh", "Entrypoint": ["/bin/sh", "-c"], "Cmd": ["sleep 300"],
    "HostConfig": {"NetworkMode": "none", "Memory": 64*1024*1024, "MemorySwap": 128*1024*1024, "NanoCpus": 500000000, "CpuShares": 512,
     "PidsLimit": 50, "Ulimits": [{"Name": "nofile", "Soft": 100, "Hard": 200}], "ReadonlyRootfs": True, "CapAdd": ["NET_ADMIN"],
     "CapDrop": ["MKNOD"], "Init": True, "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 2},
     "Tmpfs": {"/run": "size=1m"}, "LogConfig": {"Type": "json-file", "Config": {}}, "SecurityOpt": ["no-new-privileges"]}}))
cmp("inspect many", lambda c: c.req("GET", "/containers/%s/json" % cid(c, "h")))
cmp("inspect minimal", lambda c: c.req("GET", "/containers/%s/json" % cid(c, "a")))
cmp("inspect ?size=1", lambda c: c.req("GET", "/containers/%s/json?size=1" % cid(c, "a")))
cmp("inspect missing", lambda c: c.req("GET", "/containers/nosuchctr/json"), values=True)

# lifecycle
cmp("start", lambda c: c.req("POST", "/containers/%s/start" % cid(c, "a")))
cmp("start again (304)", lambda c: c.req("POST", "/containers/%s/start" % cid(c, "a")))
cmp("start missing", lambda c: c.req("POST", "/containers/nosuch/start"), values=True)
cmp("inspect running", lambda c: c.req("GET", "/containers/%s/json" % cid(c, "a")))
cmp("top", lambda c: c.req("GET", "/containers/%s/top" % cid(c, "a")))
cmp("top ps_args", lambda c: c.req("GET", "/containers/%s/top?ps_args=aux" % cid(c, "a")))
cmp("top stopped", lambda c: c.req("GET", "/containers/%s/top" % cid(c, "n")))
cmp("changes", lambda c: c.req("GET", "/containers/%s/changes" % cid(c, "a")))
cmp("stats stream=false", lambda c: c.req("GET", "/containers/%s/stats?stream=false" % cid(c, "a")))
cmp("stats one-shot", lambda c: c.req("GET", "/containers/%s/stats?stream=false&one-shot=true" % cid(c, "a")))
cmp("stats stopped", lambda c: c.req("GET", "/containers/%s/stats?stream=false" % cid(c, "n")))
cmp("logs no stream chosen", lambda c: c.req("GET", "/containers/%s/logs" % cid(c, "a")))
cmp("logs stdout", lambda c: c.req("GET", "/containers/%s/logs?stdout=1" % cid(c, "a"), raw=True))
cmp("export", lambda c: (lambda r: (r[0], r[1], None, b""))(c.req("GET", "/containers/%s/export" % cid(c, "a"), raw=True)))
cmp("pause", lambda c: c.req("POST", "/containers/%s/pause" % cid(c, "a")))
cmp("pause again", lambda c: c.req("POST", "/containers/%s/pause" % cid(c, "a")))
cmp("list paused", lambda c: (lambda r: (r[0], r[1], [x for x in r[2] if x["Id"] == cid(c, "a")], b""))(c.req("GET", "/containers/json?filters=" + urllib.parse.quote(json.dumps({"status": ["paused"]})))))
cmp("unpause", lambda c: c.req("POST", "/containers/%s/unpause" % cid(c, "a")))
cmp("unpause again", lambda c: c.req("POST", "/containers/%s/unpause" % cid(c, "a")))
cmp("unpause stopped", lambda c: c.req("POST", "/containers/%s/unpause" % cid(c, "n")))
cmp("pause stopped", lambda c: c.req("POST", "/containers/%s/pause" % cid(c, "n")))
cmp("rename", lambda c: c.req("POST", "/containers/%s/rename?name=conf-renamed" % cid(c, "a")))
cmp("rename conflict", lambda c: c.req("POST", "/containers/%s/rename?name=conf-named" % cid(c, "a")))
cmp("rename no name", lambda c: c.req("POST", "/containers/%s/rename" % cid(c, "a")))
cmp("update", lambda c: c.req("POST", "/containers/%s/update" % cid(c, "a"), {"Memory": 100*1024*1024, "MemorySwap": -1, "RestartPolicy": {"Name": "unless-stopped"}}))
cmp("update bad", lambda c: c.req("POST", "/containers/%s/update" % cid(c, "a"), "{bad"))
# the docker CLI's update body: every Resources member, zeros and nulls included
RESOURCES = {"CpuShares": 0, "Memory": 0, "NanoCpus": 0, "CgroupParent": "", "BlkioWeight": 0,
             "BlkioWeightDevice": None, "BlkioDeviceReadBps": None, "BlkioDeviceWriteBps": None,
             "BlkioDeviceReadIOps": None, "BlkioDeviceWriteIOps": None, "CpuPeriod": 0, "CpuQuota": 0,
             "CpuRealtimePeriod": 0, "CpuRealtimeRuntime": 0, "CpusetCpus": "", "CpusetMems": "",
             "Devices": None, "DeviceCgroupRules": None, "DeviceRequests": None, "KernelMemoryTCP": 0,
             "MemoryReservation": 0, "MemorySwap": 0, "MemorySwappiness": None, "OomKillDisable": None,
             "PidsLimit": 64, "Ulimits": None, "CpuCount": 0, "CpuPercent": 0, "IOMaximumIOps": 0,
             "IOMaximumBandwidth": 0, "RestartPolicy": {"Name": "", "MaximumRetryCount": 0}}
cmp("update CLI body", lambda c: c.req("POST", "/containers/%s/update" % cid(c, "a"), RESOURCES))
cmp("create Sysctls GroupAdd Devices", lambda c: create(c, {"Image": "busybox", "HostConfig": {"NetworkMode": "none", "Sysctls": {"net.ipv4.ip_forward": "1"}, "GroupAdd": ["10"], "Devices": [{"PathOnHost": "/dev/null", "PathInContainer": "/dev/n1", "CgroupPermissions": "rwm"}]}}))
cmp("create bad sysctl", lambda c: create(c, {"Image": "busybox", "HostConfig": {"Sysctls": {"kernel.hostname": "x"}}}))
cmp("create missing device", lambda c: create(c, {"Image": "busybox", "HostConfig": {"Devices": [{"PathOnHost": "/dev/nosuch", "PathInContainer": "/dev/x", "CgroupPermissions": "rwm"}]}}))
cmp("create VolumesFrom missing", lambda c: create(c, {"Image": "busybox", "HostConfig": {"VolumesFrom": ["nosuch"]}}))
cmp("create Links missing", lambda c: create(c, {"Image": "busybox", "HostConfig": {"Links": ["nosuch:x"]}}))
cmp("auth no username", lambda c: c.req("POST", "/auth", {"password": "x"}))
cmp("auth unreachable", lambda c: c.req("POST", "/auth", {"username": "a", "password": "b", "serveraddress": "127.0.0.1:9"}))
cmp("distribution unreachable", lambda c: c.req("GET", "/distribution/127.0.0.1:9/x:1/json"))
cmp("list all", lambda c: c.req("GET", "/containers/json?all=1"))
cmp("list running", lambda c: c.req("GET", "/containers/json"))
cmp("list limit", lambda c: (lambda r: (r[0], r[1], len(r[2]), b""))(c.req("GET", "/containers/json?all=1&limit=1")), values=True)
cmp("list size", lambda c: c.req("GET", "/containers/json?all=1&size=1"))
cmp("list filters name", lambda c: (lambda r: (r[0], r[1], [x["Names"] for x in r[2]], b""))(c.req("GET", "/containers/json?all=1&filters=" + urllib.parse.quote(json.dumps({"name": ["conf-named"]})))), values=True)
cmp("list filters status exited", lambda c: (lambda r: (r[0], r[1], len(r[2]), b""))(c.req("GET", "/containers/json?all=1&filters=" + urllib.parse.quote(json.dumps({"status": ["created"]})))), values=True)
cmp("list filters bad", lambda c: c.req("GET", "/containers/json?filters=" + urllib.parse.quote(json.dumps({"bogus": ["x"]}))))
cmp("list filters badjson", lambda c: c.req("GET", "/containers/json?filters=notjson"))
cmp("list filters bad status", lambda c: c.req("GET", "/containers/json?filters=" + urllib.parse.quote(json.dumps({"status": ["nope"]}))))
cmp("list filters label", lambda c: (lambda r: (r[0], r[1], len(r[2]), b""))(c.req("GET", "/containers/json?all=1&filters=" + urllib.parse.quote(json.dumps({"label": ["l=v"]})))), values=True)
cmp("restart", lambda c: c.req("POST", "/containers/%s/restart?t=1" % cid(c, "a")))
cmp("kill", lambda c: c.req("POST", "/containers/%s/kill?signal=SIGKILL" % cid(c, "a")))
time.sleep(1)
cmp("kill stopped (409)", lambda c: c.req("POST", "/containers/%s/kill" % cid(c, "a")))
cmp("kill bad signal", lambda c: c.req("POST", "/containers/%s/kill?signal=BOGUS" % cid(c, "n")))
cmp("stop stopped (304)", lambda c: c.req("POST", "/containers/%s/stop" % cid(c, "a")))
cmp("inspect exited", lambda c: c.req("GET", "/containers/%s/json" % cid(c, "a")))
cmp("wait not-running on exited", lambda c: c.req("POST", "/containers/%s/wait" % cid(c, "a")), values=True)
cmp("wait bad condition", lambda c: c.req("POST", "/containers/%s/wait?condition=bogus" % cid(c, "a")))
cmp("wait missing", lambda c: c.req("POST", "/containers/nosuch/wait"))
mk(E, "w", {"Cmd": ["sh", "-c", "exit 3"]}); mk(D, "w", {"Cmd": ["sh", "-c", "exit 3"]})
cmp("start w", lambda c: c.req("POST", "/containers/%s/start" % cid(c, "w")))
cmp("wait next-exit?", lambda c: c.req("POST", "/containers/%s/wait?condition=not-running" % cid(c, "w")), values=True)
cmp("stop with t", lambda c: (mk(c, "s", start=True), c.req("POST", "/containers/%s/stop?t=1" % cid(c, "s")))[1])
cmp("stop bad t", lambda c: c.req("POST", "/containers/%s/stop?t=abc" % cid(c, "s")))
cmp("delete running (409)", lambda c: (mk(c, "r", start=True), c.req("DELETE", "/containers/%s" % cid(c, "r")))[1])
cmp("delete force", lambda c: c.req("DELETE", "/containers/%s?force=1&v=1" % cid(c, "r")))
cmp("delete missing", lambda c: c.req("DELETE", "/containers/nosuch"), values=True)
cmp("delete again", lambda c: c.req("DELETE", "/containers/%s" % cid(c, "r")))
cmp("commit", lambda c: c.req("POST", "/commit?container=%s&repo=conf-commit&tag=v1&comment=hi&author=me" % cid(c, "a")))
cmp("commit changes", lambda c: c.req("POST", "/commit?" + urllib.parse.urlencode({"container": cid(c, "a"), "repo": "conf-commit2", "changes": "ENV X=1\nCMD [\"true\"]"}), {"Labels": {"x": "y"}}))
cmp("commit missing", lambda c: c.req("POST", "/commit?container=nosuch"))
cmp("inspect commit", lambda c: c.req("GET", "/images/conf-commit:v1/json"))
cmp("inspect commit2", lambda c: (lambda r: (r[0], r[1], [r[2]["Config"].get("Env"), r[2]["Config"].get("Cmd"), r[2]["Config"].get("Labels")], b""))(c.req("GET", "/images/conf-commit2/json")), values=True)

# images
cmp("images json", lambda c: c.req("GET", "/images/json"))
cmp("images json all", lambda c: c.req("GET", "/images/json?all=1"))
cmp("images json filter ref", lambda c: (lambda r: (r[0], r[1], len(r[2]), b""))(c.req("GET", "/images/json?filters=" + urllib.parse.quote(json.dumps({"reference": ["busybox"]})))), values=True)
cmp("images json filter dangling", lambda c: c.req("GET", "/images/json?filters=" + urllib.parse.quote(json.dumps({"dangling": ["true"]}))))
cmp("images json bad filter", lambda c: c.req("GET", "/images/json?filters=" + urllib.parse.quote(json.dumps({"bogus": ["true"]}))))
cmp("images json digests", lambda c: c.req("GET", "/images/json?digests=1"))
cmp("image inspect", lambda c: c.req("GET", "/images/busybox/json"))
cmp("image inspect missing", lambda c: c.req("GET", "/images/nosuch/json"), values=True)
cmp("image history", lambda c: c.req("GET", "/images/busybox/history"))
cmp("image history missing", lambda c: c.req("GET", "/images/nosuch/history"), values=True)
cmp("image tag", lambda c: c.req("POST", "/images/busybox/tag?repo=conf-tag&tag=t1"))
cmp("image tag no repo", lambda c: c.req("POST", "/images/busybox/tag"))
cmp("image tag missing", lambda c: c.req("POST", "/images/nosuch/tag?repo=x&tag=y"), values=True)
cmp("image tag bad repo", lambda c: c.req("POST", "/images/busybox/tag?repo=UPPER&tag=y"))
cmp("image delete tag", lambda c: c.req("DELETE", "/images/conf-tag:t1"))
cmp("image delete in use (409)", lambda c: c.req("DELETE", "/images/busybox"))
cmp("image delete missing", lambda c: c.req("DELETE", "/images/nosuch"), values=True)
cmp("image delete commit", lambda c: c.req("DELETE", "/images/conf-commit:v1"))
cmp("image search", lambda c: c.req("GET", "/images/search?term=busybox"))
cmp("image prune", lambda c: c.req("POST", "/images/prune"))
cmp("image prune dangling false", lambda c: c.req("POST", "/images/prune?filters=" + urllib.parse.quote(json.dumps({"dangling": ["false"]}))))
cmp("image get", lambda c: (lambda r: (r[0], r[1], None, b""))(c.req("GET", "/images/busybox/get", raw=True)))
cmp("image create fromSrc bad", lambda c: c.req("POST", "/images/create"))

cmp("container prune", lambda c: c.req("POST", "/containers/prune"))
cmp("container prune filter", lambda c: c.req("POST", "/containers/prune?filters=" + urllib.parse.quote(json.dumps({"until": ["1h"]}))))
now = int(time.time())
cmp("events since/until", lambda c: c.req("GET", "/events?since=%d&until=%d" % (now - 300, now)))
cmp("events filter", lambda c: c.req("GET", "/events?since=%d&until=%d&filters=%s" % (now - 300, now, urllib.parse.quote(json.dumps({"type": ["container"], "event": ["create"]})))))
cmp("events bad filter", lambda c: c.req("GET", "/events?since=%d&until=%d&filters=%s" % (now - 300, now, urllib.parse.quote(json.dumps({"bogus": ["x"]})))))
cmp("system df", lambda c: c.req("GET", "/system/df"))
cmp("volumes", lambda c: c.req("GET", "/volumes"))
cmp("networks", lambda c: c.req("GET", "/networks"))
cmp("build no body", lambda c: c.req("POST", "/build", b"", {"Content-Type": "application/x-tar"}))
cmp("info again", lambda c: c.req("GET", "/info"))
# cleanup
for c in (E, D):
    for k, v in S(c).items():
        if v: c.req("DELETE", "/containers/%s?force=1" % v)
