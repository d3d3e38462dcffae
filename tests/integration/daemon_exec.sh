#!/bin/sh
# `engine daemon`'s exec records, as dockerd keeps them: removing the
# container (docker rm -f, also with an exec still streaming and one never
# started) drops them (inspect 404); many short execs on one container keep
# only the newest finished ones, so the record count stays bounded.
set -u
. "$(dirname "$0")/daemon_common.inc"
start_daemon
"$DOCKER" run -d --name exrec busybox sleep 1000 >/dev/null
check "container up" running "$("$DOCKER" inspect -f '{{.State.Status}}' exrec 2>&1)"
out=$(SOCK="$sock" DOCKER="$DOCKER" timeout 500 /usr/bin/python3 - <<'PY'
import http.client, json, os, socket, subprocess, threading

class U(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(120)
        self.sock.connect(os.environ["SOCK"])

def req(method, path, body=None):
    c = U("localhost")
    c.request(method, "/v1.41" + path, body=json.dumps(body) if body is not None else None,
              headers={"Content-Type": "application/json"} if body is not None else {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, json.loads(data) if data.strip().startswith(b"{") else data

def check(name, want, got):
    print(("ok   %s" if want == got else "FAIL %s: expected %r got %r") % ((name,) if want == got else (name, want, got)))

def exec_create(cmd):
    s, j = req("POST", "/containers/exrec/exec", {"Cmd": cmd, "AttachStdout": True, "AttachStderr": True})
    return j["Id"] if s == 201 else None

# 200 short execs, each run to its end (the start's stream ends with it).
ids = []
for i in range(200):
    x = exec_create(["true"])
    s, _ = req("POST", "/exec/%s/start" % x, {"Detach": False})
    ids.append((x, s))
check("200 execs created and run", [200] * 200, [s for _, s in ids])
kept = [x for x, _ in ids if req("GET", "/exec/%s/json" % x)[0] == 200]
check("finished records kept per container are bounded", True, 0 < len(kept) <= 32)
check("the newest are the ones kept", [x for x, _ in ids[-len(kept):]], kept)
s, j = req("GET", "/exec/%s/json" % ids[-1][0])
check("the newest still inspects with its exit code", [200, False, 0], [s, j.get("Running"), j.get("ExitCode")])
check("the oldest is gone", 404, req("GET", "/exec/%s/json" % ids[0][0])[0])

# Removal with a record never started, one running detached and one whose
# start is still streaming.
idle = exec_create(["true"])
det = exec_create(["sleep", "1000"])
check("detached start", 200, req("POST", "/exec/%s/start" % det, {"Detach": True})[0])
live = exec_create(["sh", "-c", "echo up; sleep 1000"])
res = {}
def stream():
    c = U("localhost")
    c.request("POST", "/v1.41/exec/%s/start" % live, body=json.dumps({"Detach": False}),
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    res["status"] = r.status
    res["first"] = r.read(14)
    r.read()
th = threading.Thread(target=stream)
th.start()
while True:  # until the streaming exec's process is up
    s, j = req("GET", "/exec/%s/json" % live)
    if s != 200 or j.get("Running"):
        break
check("streaming exec running", [200, True], [s, j.get("Running")])
s, j = req("GET", "/containers/exrec/json")
check("ExecIDs lists the running ones", True, det in j.get("ExecIDs") and live in j.get("ExecIDs"))
rm = subprocess.run([os.environ["DOCKER"], "rm", "-f", "exrec"], capture_output=True, text=True)
check("docker rm -f", [0, "exrec"], [rm.returncode, rm.stdout.strip()])
th.join(120)
check("the streaming start ended", [False, 200], [th.is_alive(), res.get("status")])
for name, x in (("never started", idle), ("detached", det), ("streaming", live), ("newest finished", kept[-1])):
    s, j = req("GET", "/exec/%s/json" % x)
    check("after rm -f: inspect of the %s exec is 404" % name,
          [404, "No such exec instance: %s" % x], [s, j.get("message") if isinstance(j, dict) else j])
check("after rm -f: start of the never started one is 404", 404,
      req("POST", "/exec/%s/start" % idle, {"Detach": True})[0])
PY
)
echo "$out"
n=$(printf '%s\n' "$out" | grep -c '^ok')
bad=$(printf '%s\n' "$out" | grep -c '^FAIL')
fails=$((fails + bad))
[ "$n" -ge 15 ] || { echo "FAIL: only $n checks ran"; fails=$((fails + 1)); }
[ $fails -eq 0 ]
