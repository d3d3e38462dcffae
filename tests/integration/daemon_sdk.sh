#!/bin/sh
# `engine daemon` driven by the Docker SDK for Python (Debian's
# python3-docker): run remove=True, run detach + logs(stream) + exec_run +
# stop + remove, attach, wait, images, errors as docker.errors exceptions;
# TTYs: exec_run(tty=True), exec inspect/resize, run(tty=True,
# stdin_open=True) through attach_socket.
set -u
. "$(dirname "$0")/daemon_common.inc"
/usr/bin/python3 -c 'import docker' 2>/dev/null || { echo "skip: no python3-docker"; exit 77; }
start_daemon
timeout 300 /usr/bin/python3 - "$DOCKER_HOST" <<'PY'
import sys, time
import docker

fails = 0
def check(name, want, got):
    global fails
    if want == got:
        print("ok   " + name)
    else:
        print("FAIL %s: expected [%r] got [%r]" % (name, want, got))
        fails += 1

def read_all(raw):
    """Everything an upgraded stream sends until the daemon closes it."""
    data = b""
    while True:
        chunk = raw.recv(4096)
        if not chunk:
            return data
        data += chunk

c = docker.DockerClient(base_url=sys.argv[1], version="auto")
check("api version", "1.41", c.version()["ApiVersion"])
check("ping", True, c.ping())
check("run remove=True", b"hello-sdk\n",
      c.containers.run("busybox", ["sh", "-c", "echo hello-sdk"], remove=True, network_mode="none"))
try:
    c.containers.run("busybox", ["sh", "-c", "echo bad >&2; exit 3"], remove=True, network_mode="none")
    check("ContainerError", True, False)
except docker.errors.ContainerError as e:
    check("ContainerError exit status", 3, e.exit_status)
check("nothing left", [], c.containers.list(all=True))

ct = c.containers.run("busybox", ["sh", "-c", "echo a; sleep 0.3; echo b; trap 'exit 0' TERM; while :; do sleep 0.1; done"],
                      detach=True, network_mode="none", labels={"suite": "sdk"})
it = ct.logs(stream=True)
check("logs(stream) line 1", b"a\n", next(it))
check("logs(stream) line 2", b"b\n", next(it))
r = ct.exec_run(["sh", "-c", "echo ex; exit 3"])
check("exec_run exit code", 3, r.exit_code)
check("exec_run output", b"ex\n", r.output)
ct.reload()
check("status running", "running", ct.status)
check("labels", {"suite": "sdk"}, ct.labels)
check("list by label", [ct.id], [x.id for x in c.containers.list(filters={"label": "suite=sdk"})])
top = ct.top()
check("top titles", True, "PID" in top["Titles"])
check("top lists the loop", True, any("sleep" in " ".join(p) or "while" in " ".join(p) for p in top["Processes"]))
st = ct.stats(stream=False)
check("stats(stream=False) pids", True, st["pids_stats"]["current"] >= 1)
check("stats(stream=False) has a CPU delta", True, st["precpu_stats"]["system_cpu_usage"] > 0)
import io, tarfile
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w") as tf:
    data = b"put-archive\n"
    ti = tarfile.TarInfo("sdk.txt")
    ti.size = len(data)
    tf.addfile(ti, io.BytesIO(data))
check("put_archive", True, ct.put_archive("/tmp", buf.getvalue()))
check("exec sees the file", b"put-archive\n", ct.exec_run(["cat", "/tmp/sdk.txt"]).output)
stream, stat = ct.get_archive("/tmp/sdk.txt")
tf = tarfile.open(fileobj=io.BytesIO(b"".join(stream)))
check("get_archive content", b"put-archive\n", tf.extractfile("sdk.txt").read())
check("get_archive stat", "sdk.txt", stat["name"])
ct.stop(timeout=5)
check("wait after stop", 0, ct.wait()["StatusCode"])
ct.remove()
try:
    c.containers.get(ct.id)
    check("NotFound after remove", True, False)
except docker.errors.NotFound:
    check("NotFound after remove", True, True)

# attach before start, as the CLI does
ct = c.containers.create("busybox", ["sh", "-c", "echo attached"], network_mode="none")
sock = c.api.attach_socket(ct.id, params={"stdout": 1, "stderr": 1, "stream": 1})
ct.start()
data = b""
raw = sock._sock if hasattr(sock, "_sock") else sock
while True:
    chunk = raw.recv(4096)
    if not chunk:
        break
    data += chunk
check("attach frame", b"\x01\x00\x00\x00\x00\x00\x00\x09attached\n", data)
check("wait exit", 0, ct.wait()["StatusCode"])
ct.remove()

# TTYs: exec_run(tty=True), exec create/start/inspect/resize, and a
# container run with tty=True, stdin_open=True through attach_socket
ct = c.containers.run("busybox", ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done"],
                      detach=True, network_mode="none")
r = ct.exec_run(["sh", "-c", "tty; echo out; exit 2"], tty=True)
check("exec_run(tty=True) exit code", 2, r.exit_code)
check("exec_run(tty=True) raw pty bytes", b"/dev/pts/0\r\nout\r\n", r.output)
r = ct.exec_run(["sh", "-c", "echo o; echo e >&2"], demux=True)
check("exec_run(demux=True) keeps the streams apart", (b"o\n", b"e\n"), r.output)
eid = c.api.exec_create(ct.id, ["sleep", "100"], tty=True)["Id"]
c.api.exec_start(eid, detach=True)
ins = c.api.exec_inspect(eid)
check("exec_inspect Running", True, ins["Running"])
check("exec_inspect Pid", "sleep", open("/proc/%d/comm" % ins["Pid"]).read().strip())
c.api.exec_resize(eid, height=10, width=20)
os_kill = __import__("os").kill
os_kill(ins["Pid"], 15)
for _ in range(100):
    ins = c.api.exec_inspect(eid)
    if not ins["Running"]:
        break
    time.sleep(0.1)
check("exec_inspect after the end", (False, 143, 0), (ins["Running"], ins["ExitCode"], ins["Pid"]))
# the daemon watches for the detach keys (ctrl-p ctrl-q) on an exec's stdin
eid = c.api.exec_create(ct.id, ["sh", "-c", "cat > /tmp/dk"], tty=True, stdin=True)["Id"]
s = c.api.exec_start(eid, tty=True, socket=True)
raw = s._sock if hasattr(s, "_sock") else s
raw.settimeout(60)
raw.sendall(b"a\x10b\n\x10\x11")
read_all(raw)
for _ in range(100):
    got = ct.exec_run(["cat", "/tmp/dk"]).output
    if got:
        break
    time.sleep(0.1)
check("exec detach keys: what came before, a lone ctrl-p included, went through", b"a\x10b\n", got)
ins = c.api.exec_inspect(eid)
check("exec detach keys: the shell runs on", True, ins["Running"])
os_kill(ins["Pid"], 9)
ct.stop(timeout=5)
ct.remove()

ct = c.containers.run("busybox", ["sh", "-c", "read x; echo got:$x; tty"], tty=True, stdin_open=True,
                      detach=True, network_mode="none")
s = c.api.attach_socket(ct.id, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
raw = s._sock if hasattr(s, "_sock") else s
raw.sendall(b"hi\n")
data = read_all(raw)
check("attach_socket with a TTY: raw pty bytes", b"hi\r\ngot:hi\r\n/dev/pts/0\r\n", data)
check("wait after the TTY run", 0, ct.wait()["StatusCode"])
ct.remove()

import os, tempfile
ctxdir = tempfile.mkdtemp()
with open(os.path.join(ctxdir, "Dockerfile"), "w") as f:
    f.write("FROM busybox\nRUN echo built > /b.txt\nCMD [\"cat\", \"/b.txt\"]\n")
img, logs = c.images.build(path=ctxdir, tag="sdkimg:1")
check("images.build", True, "sdkimg:1" in img.tags)
check("built image runs", b"built\n", c.containers.run("sdkimg:1", remove=True, network_mode="none"))
c.images.remove("sdkimg:1")
check("images list", True, any("busybox:latest" in i.tags for i in c.images.list()))
check("image get", True, c.images.get("busybox").id.startswith("sha256:"))
try:
    c.containers.create("busybox", ["true"], network_mode="container:x")
    check("bad network mode refused", True, False)
except docker.errors.APIError as e:
    check("bad network mode refused", 400, e.status_code)
sys.exit(1 if fails else 0)
PY
rc=$?
[ $rc -eq 0 ] || fails=$((fails + 1))
echo "$fails failed"
[ $fails -eq 0 ]
