"""The one-call ephemeral run through Python: output, exit codes, env,
limits, mounts, security options, namespace modes, errors and threads."""

import os
import signal
import threading

import pytest

import engine


def test_echo_env(busybox_ctx):
    res = busybox_ctx.run("busybox", ["sh", "-c", "echo $X"], env={"X": "1"}, memory="64m", timeout=5)
    assert isinstance(res, engine.RunResult)
    assert res.exit_code == 0 and res.ok
    assert res.stdout == b"1\n" and res.stderr == b""
    assert res.signal == 0 and not res.oom_killed and not res.timed_out
    assert res.duration > 0
    assert len(res.id) == 64


def test_exit_code_and_stderr(busybox_ctx):
    res = busybox_ctx.run("busybox", "sh -c 'echo out; echo err >&2; exit 3'")
    assert (res.exit_code, res.stdout, res.stderr) == (3, b"out\n", b"err\n")
    assert not res.ok


def test_binary_output_is_bytes(busybox_ctx):
    res = busybox_ctx.run("busybox", ["printf", "a\\000b\\377"])
    assert res.stdout == b"a\x00b\xff"


def test_image_env_and_cmd(busybox_ctx):
    res = busybox_ctx.run("busybox", ["sh", "-c", "echo $PATH"])
    assert res.stdout.strip().startswith(b"/")
    res = busybox_ctx.run("busybox", stdin=None, command=["true"])
    assert res.exit_code == 0


def test_timeout_kills(busybox_ctx):
    res = busybox_ctx.run("busybox", ["sleep", "30"], timeout=0.3)
    assert res.timed_out
    assert res.signal == signal.SIGKILL and res.exit_code == 128 + signal.SIGKILL


def test_limits_are_applied(busybox_ctx):
    res = busybox_ctx.run("busybox", ["sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 1 & done; wait"],
                          pids_limit=4, memory="32m", cpus=0.5, timeout=20)
    assert res.exit_code != 0
    assert b"fork" in res.stderr.lower()


def test_oom_killed(busybox_ctx):
    res = busybox_ctx.run("busybox", ["sh", "-c", "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo done"],
                          memory="32m", timeout=60)
    assert res.oom_killed or res.signal == signal.SIGKILL
    assert b"done" not in res.stdout


def test_volumes_files_and_options(busybox_ctx, tmp_path):
    (tmp_path / "in.txt").write_text("from the host\n")
    tmp_path.chmod(0o755)  # readable by the container's user 1000
    res = busybox_ctx.run(
        "busybox",
        ["sh", "-c", "cat /data/in.txt /etc/injected; touch /data/x 2>/dev/null || echo ro-data; "
                     "touch /x 2>/dev/null || echo ro-root; pwd; id -u; hostname; "
                     "grep -c : /proc/net/dev"],
        volumes={str(tmp_path): {"bind": "/data", "mode": "ro"}},
        files={"/etc/injected": b"injected\n"}, tmpfs={"/tmp": "size=1m"},
        read_only=True, working_dir="/tmp", user="1000:1000", hostname="box",
        network="none")
    assert res.exit_code == 0, res.stderr
    assert res.stdout.decode().split("\n") == [
        "from the host", "injected", "ro-data", "ro-root", "/tmp", "1000", "box", "1", ""]


def test_volume_strings_rw(busybox_ctx, tmp_path):
    res = busybox_ctx.run("busybox", ["sh", "-c", "echo hi > /out/f"], volumes=[f"{tmp_path}:/out"])
    assert res.exit_code == 0
    assert (tmp_path / "f").read_text() == "hi\n"


def test_cap_drop(busybox_ctx):
    script = "chown 1 /etc/passwd && echo chowned"
    assert busybox_ctx.run("busybox", ["sh", "-c", script]).stdout == b"chowned\n"
    res = busybox_ctx.run("busybox", ["sh", "-c", script], cap_drop=["CHOWN"])
    assert res.exit_code != 0 and res.stdout == b""


def test_missing_image(busybox_ctx):
    with pytest.raises(engine.ImageNotFound) as ei:
        busybox_ctx.run("no-such-image", ["true"])
    assert isinstance(ei.value, LookupError)
    assert ei.value.code == engine.capi.ENGINE_ENOTFOUND
    assert "no-such-image" in ei.value.message


def test_missing_command(busybox_ctx):
    with pytest.raises(engine.NotFound) as ei:
        busybox_ctx.run("busybox", ["no-such-command"])
    assert type(ei.value) is engine.NotFound
    assert "no-such-command" in ei.value.message


@pytest.mark.parametrize("kwargs, message", [
    ({"memory": "lots"}, 'memory limit: invalid size "lots"'),
    ({"name": "bad name!"}, 'invalid container name "bad name!"'),
    ({"cpus": -1}, "cpus -1"),
    ({"cap_add": ["NOT_A_CAP"]}, '"NOT_A_CAP"'),
    ({"volumes": ["not/a/name:/x"]}, "invalid volume name \"not/a/name\""),
    ({"working_dir": "not-absolute"}, "not-absolute"),
])
def test_bad_arguments(busybox_ctx, kwargs, message):
    with pytest.raises(engine.InvalidArgument) as ei:
        busybox_ctx.run("busybox", ["true"], **kwargs)
    assert isinstance(ei.value, ValueError)
    assert message in ei.value.message


def test_unknown_network(busybox_ctx):
    with pytest.raises(engine.NotFound, match="network bogus not found"):
        busybox_ctx.run("busybox", ["true"], network="bogus")


def test_python_side_argument_errors(busybox_ctx):
    with pytest.raises(ValueError, match="stdio"):
        busybox_ctx.run("busybox", ["true"], stdio="sideways")
    with pytest.raises(ValueError, match="mode"):
        busybox_ctx.run("busybox", ["true"], volumes={"/tmp": {"bind": "/t", "mode": "rx"}})
    with pytest.raises(TypeError):
        busybox_ctx.run("busybox", ["true"], not_an_option=1)


def test_namespace_modes(busybox_ctx):
    script = ["sh", "-c", "readlink /proc/self/ns/ipc; readlink /proc/self/ns/uts"]
    host = "".join(os.readlink(f"/proc/self/ns/{n}") + "\n" for n in ("ipc", "uts")).encode()
    assert busybox_ctx.run("busybox", script, ipc_mode="host", uts_mode="host").stdout == host
    own = busybox_ctx.run("busybox", script).stdout.split()
    assert not set(own) & set(host.split())
    with pytest.raises(engine.InvalidArgument, match="invalid PID mode: bogus"):
        busybox_ctx.run("busybox", ["true"], pid_mode="bogus")


def test_spec_is_reusable(busybox_ctx):
    with engine.Spec("busybox", ["sh", "-c", "echo $N"], env={"N": "7"}) as spec:
        outs = {busybox_ctx.run(None, spec=spec).stdout for _ in range(3)}
    assert outs == {b"7\n"}


def test_parse_size():
    assert engine.parse_size("64m") == 64 << 20
    with pytest.raises(engine.InvalidArgument):
        engine.parse_size("64q")


def test_parallel_runs_from_threads(busybox_ctx):
    results = {}

    def worker(i):
        results[i] = busybox_ctx.run("busybox", ["sh", "-c", "sleep 0.2; echo $I"], env={"I": str(i)})

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {i: r.stdout for i, r in results.items()} == {i: f"{i}\n".encode() for i in range(6)}


def test_gil_is_released_while_running(busybox_ctx):
    """The main thread keeps running Python while another thread is inside engine_run."""
    t = threading.Thread(target=busybox_ctx.run, args=("busybox", ["sleep", "1"]))
    spins = 0
    t.start()
    while t.is_alive():
        spins += 1
    t.join()
    assert spins > 1000
