"""The container lifecycle through Python: create/start/exec/stats/inspect/
logs/kill/wait/stop/pause/remove, and the handle's context manager."""

import os
import signal
import time

import pytest

import engine


def wait_for_log(c, text, limit=10.0):
    """The container's logs once they contain ``text`` (it writes them asynchronously)."""
    deadline = time.monotonic() + limit
    while text not in c.logs() and time.monotonic() < deadline:
        time.sleep(0.02)
    return c.logs()


def test_lifecycle(busybox_ctx):
    ctx = busybox_ctx
    with ctx.containers.create("busybox", ["sh", "-c", "echo started; exec sleep 60"],
                               env={"A": "1"}, memory="64m", name="lifecycle") as c:
        assert c.name == "lifecycle" and len(c.id) == 64
        assert c.status == "created"
        c.start()
        assert c.status == "running"
        assert b"started" in wait_for_log(c, b"started")
        assert c.id in ctx.containers.ids()
        assert ctx.containers.get("lifecycle").id == c.id
        assert ctx.containers.get(c.short_id).id == c.id

        res = c.exec(["sh", "-c", "echo $A $B; exit 4"], env={"B": "2"})
        assert (res.exit_code, res.stdout) == (4, b"1 2\n")

        stats = c.stats()
        assert stats.pids >= 1 and stats.memory_usage > 0
        assert stats.memory_limit == 64 << 20
        # The peak is read after the usage: never below it, 0 where unkept.
        assert stats.memory_max_usage == 0 or stats.memory_max_usage >= stats.memory_usage
        assert stats.oom_kills == 0
        # Ticks (v1) round the split: never far above the total.
        assert stats.cpu_user_ns + stats.cpu_system_ns <= stats.cpu_usage_ns + 50_000_000
        assert 0 <= stats.cpu_throttled_periods <= stats.cpu_periods
        assert stats.blkio_read_bytes >= 0 and stats.blkio_write_bytes >= 0
        assert stats.net_rx_bytes >= 0 and stats.net_tx_packets >= 0

        info = c.inspect()
        assert info["Id"] == c.id and info["State"]["Running"] is True

        with pytest.raises(engine.Timeout) as ei:
            c.wait(timeout=0.2)
        assert isinstance(ei.value, TimeoutError)

        c.pause()
        assert c.status == "paused"
        c.resume()
        assert c.status == "running"

        c.kill(signal.SIGKILL)
        assert c.wait(timeout=10) == 128 + signal.SIGKILL
        assert c.status == "exited"
        assert [x["Id"] for x in ctx.containers.list(all=True)] == [c.id]
    # the context manager removed it
    with pytest.raises(engine.ContainerNotFound):
        ctx.containers.get("lifecycle")
    assert ctx.containers.ids(all=True) == []


def test_stop_and_remove(busybox_ctx):
    c = busybox_ctx.containers.create("busybox", ["sleep", "60"])
    c.start()
    with pytest.raises(engine.Busy):
        busybox_ctx.containers.get(c.id).remove()
    c.stop(timeout=1)
    assert c.status == "exited"
    c.remove()
    c.close()  # idempotent after remove
    with pytest.raises(ValueError):
        c.status


def test_exec_needs_a_running_container(busybox_ctx):
    with busybox_ctx.containers.create("busybox", ["true"]) as c:
        with pytest.raises(engine.Busy):
            c.exec(["true"])


def test_create_errors(busybox_ctx):
    with pytest.raises(engine.ImageNotFound):
        busybox_ctx.containers.create("no-such-image", ["true"])
    with busybox_ctx.containers.create("busybox", ["true"], name="taken"):
        with pytest.raises(engine.AlreadyExists):
            busybox_ctx.containers.create("busybox", ["true"], name="taken")
    with pytest.raises(engine.ContainerNotFound):
        busybox_ctx.containers.get("nothing-by-this-name")


def test_detached_run(busybox_ctx):
    with busybox_ctx.containers.run("busybox", ["sh", "-c", "echo hi; sleep 60"], detach=True) as c:
        assert c.status == "running"
        wait_for_log(c, b"hi")
        c.kill()
        assert c.wait(10) == 137
        assert c.logs(stderr=False) == b"hi\n"
    assert busybox_ctx.containers.run("busybox", ["echo", "attached"]) == b"attached\n"


def test_attach(busybox_ctx):
    script = "echo out; echo err >&2; sleep 0.2; echo late"
    with busybox_ctx.containers.create("busybox", ["sh", "-c", script]) as c:
        chunks = c.attach(stderr=False, stream=True)  # before the start: nothing is missed
        c.start()
        assert b"".join(chunks) == b"out\nlate\n"
        assert c.wait(10) == 0
        # A stopped container is attached at its next start.
        att = c.attach(stdout=False, stream=True)
        c.start()
        assert b"".join(att) == b"err\n"
    with busybox_ctx.containers.run("busybox", ["sh", "-c", "sleep 0.3; echo done"], detach=True) as c:
        assert c.attach() == b"done\n"


def test_handle_unusable_after_its_context_closes(root, config):
    ctx = engine.Context(root=root, config=config)
    ctx.images.create_default()
    c = ctx.containers.create("busybox", ["true"])
    cid = c.id
    ctx.close()
    with pytest.raises(engine.Error, match="context is closed"):
        c.status
    c.close()
    with engine.Context(root=root, config=config) as again:
        again.containers.get(cid).remove()


def test_exec_instance_tty(busybox_ctx):
    """Exec instances through the C API binding: a TTY's pty master, resize,
    inspect (running, PID, exit code), wait; and a detached one."""
    from engine import capi
    with busybox_ctx.containers.create("busybox", ["sleep", "60"]) as c:
        c.start()
        cfg = capi.engine_exec_config()
        capi.engine_exec_config_init(cfg, capi.ENGINE_EXEC_CONFIG_VERSION)
        cfg.set_argv(["sh", "-c", "tty; stty size; read x; echo [$x]; exit 3"])
        cfg.tty = 1
        cfg.open_stdin = 1
        cfg.tty_rows, cfg.tty_cols = 24, 80
        x = capi.engine_exec_create(c.handle, cfg)
        try:
            capi.engine_exec_start(x, None)
            st = capi.engine_exec_inspect(x)
            assert (st.started, st.running, st.tty) == (1, 1, 1) and st.pid > 0
            fd = capi.engine_exec_fd(x, 1)
            assert fd >= 0 and capi.engine_exec_fd(x, 0) == fd and capi.engine_exec_fd(x, 2) == -1
            out = b""
            while b"24 80\r\n" not in out:
                out += os.read(fd, 4096)
            capi.engine_exec_resize(x, 30, 100)
            os.write(fd, b"hi\r")
            while True:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:  # EIO: the terminal's other side is closed
                    break
                if not chunk:
                    break
                out += chunk
            assert out == b"/dev/pts/0\r\n24 80\r\nhi\r\n[hi]\r\n"
            assert capi.engine_exec_wait(x, -1) == 3
            st = capi.engine_exec_inspect(x)
            assert (st.running, st.exit_code) == (0, 3)
            with pytest.raises(engine.Busy):
                capi.engine_exec_resize(x, 30, 100)
        finally:
            capi.engine_exec_free(x)

        cfg.set_argv(["sh", "-c", "echo bg > /tmp/bg"])
        cfg.tty = 0
        x = capi.engine_exec_create(c.handle, cfg)
        try:
            so = capi.engine_exec_start_options()
            capi.engine_exec_start_options_init(so, capi.ENGINE_EXEC_START_OPTIONS_VERSION)
            so.detach = 1
            capi.engine_exec_start(x, so)
            assert capi.engine_exec_fd(x, 1) == -1
            assert capi.engine_exec_wait(x, 60) == 0
        finally:
            capi.engine_exec_free(x)
        assert c.exec(["cat", "/tmp/bg"]).stdout == b"bg\n"
        c.remove(force=True)
