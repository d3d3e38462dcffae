"""Code written the way docker-py users write it runs on engine: the
keyword names, return values and exception classes of docker-py's
``client.containers.run`` / ``Container`` / ``client.images``."""

import pytest

import engine


def test_run_returns_output_bytes(busybox_ctx):
    out = busybox_ctx.containers.run("busybox", "sh -c 'echo $GREETING from $(pwd) as $(id -u)'",
                                     environment={"GREETING": "hello"}, working_dir="/tmp",
                                     user="1000", network_mode="none", mem_limit="64m")
    assert out == b"hello from /tmp as 1000\n"


def test_run_stdout_stderr_flags_choose_what_comes_back(busybox_ctx):
    cmd = ["sh", "-c", "echo out; echo err >&2"]
    assert busybox_ctx.containers.run("busybox", cmd, network="none") == b"out\n"
    assert busybox_ctx.containers.run("busybox", cmd, network="none", stderr=True) == b"out\nerr\n"
    assert busybox_ctx.containers.run("busybox", cmd, network="none", stdout=False,
                                      stderr=True) == b"err\n"


def test_run_nonzero_exit_raises_container_error(busybox_ctx):
    with pytest.raises(engine.ContainerError) as info:
        busybox_ctx.containers.run("busybox", ["sh", "-c", "echo boom >&2; exit 3"], network="none")
    e = info.value
    assert e.exit_status == 3
    assert e.stderr == b"boom\n"
    assert e.image == "busybox"
    assert e.command == ["sh", "-c", "echo boom >&2; exit 3"]
    assert "returned non-zero exit status 3" in str(e)
    assert isinstance(e, engine.APIError) and isinstance(e, engine.DockerException)


def test_run_check_like_subprocess(busybox_ctx):
    with pytest.raises(engine.ContainerError) as info:
        busybox_ctx.run("busybox", ["false"], network="none", check=True)
    assert info.value.exit_status == 1
    assert busybox_ctx.run("busybox", ["true"], network="none", check=True).exit_code == 0


def test_missing_image_is_image_not_found(busybox_ctx):
    with pytest.raises(engine.ImageNotFound):
        busybox_ctx.containers.run("no-such-image:1", ["true"], network="none")
    with pytest.raises(engine.ImageNotFound):
        busybox_ctx.images.get("no-such-image:1")
    assert issubclass(engine.ImageNotFound, engine.NotFound)
    assert issubclass(engine.NotFound, engine.APIError)


def test_detached_container_api(busybox_ctx):
    c = busybox_ctx.containers.run("busybox", ["sh", "-c", "echo started; sleep 60"], detach=True,
                                   name="dpy", labels={"app": "web"}, network="none",
                                   entrypoint=None, stop_signal="SIGKILL")
    try:
        assert isinstance(c, engine.Container)
        assert c.name == "dpy"
        assert c.inspect()["Config"]["Labels"] == {"app": "web"}
        for _ in range(100):
            if c.logs() == b"started\n":
                break
            import time
            time.sleep(0.1)
        assert c.logs() == b"started\n"
        exit_code, output = c.exec_run("sh -c 'echo in; echo oops >&2'")
        assert (exit_code, output) == (0, b"in\noops\n")
        assert c.exec_run(["sh", "-c", "exit 4"]).exit_code == 4
        assert c.exec_run("sh -c 'echo x; echo y >&2'", stderr=False).output == b"x\n"
        c.stop(timeout=5)
        result = c.wait()
        assert result["StatusCode"] == 137 and result == 137 and result["Error"] is None
    finally:
        c.remove(force=True)
    with pytest.raises(engine.ContainerNotFound):
        busybox_ctx.containers.get("dpy")


def test_detached_remove_true_is_auto_remove(busybox_ctx):
    c = busybox_ctx.containers.run("busybox", ["true"], detach=True, remove=True, network="none")
    cid = c.id
    c.close()
    import time
    for _ in range(100):
        if cid not in busybox_ctx.containers.ids(all=True):
            break
        time.sleep(0.1)
    assert cid not in busybox_ctx.containers.ids(all=True)


def test_images_like_docker_py(busybox_ctx):
    busybox_ctx.images.tag("busybox", "mine:1")
    tags = [t for i in busybox_ctx.images.list() for t in i.tags]
    assert "busybox:latest" in tags and "mine:1" in tags
    assert busybox_ctx.images.get("mine:1").id == busybox_ctx.images.get("busybox").id
    busybox_ctx.images.remove("mine:1")
    with pytest.raises(engine.ImageNotFound):
        busybox_ctx.images.get("mine:1")


def test_environment_and_env_are_one_thing(busybox_ctx):
    with pytest.raises(TypeError, match="env= or environment="):
        busybox_ctx.run("busybox", ["true"], env={"A": "1"}, environment={"B": "2"})


def test_logs_stream_follow(busybox_ctx):
    c = busybox_ctx.containers.run("busybox", ["sh", "-c", "for i in 1 2 3; do echo line$i; sleep 0.2; done"],
                                   detach=True, network="none")
    try:
        chunks = list(c.logs(stream=True, follow=True))
        assert b"".join(chunks) == b"line1\nline2\nline3\n"
        assert all(isinstance(x, bytes) for x in chunks)
        assert c.wait() == 0
        assert c.logs() == b"line1\nline2\nline3\n"
    finally:
        c.remove(force=True)


def test_events_like_docker_py(busybox_ctx):
    import time
    t0 = time.time() - 1
    c = busybox_ctx.containers.run("busybox", ["sh", "-c", "exit 2"], detach=True, name="evpy", network="none")
    assert c.wait() == 2
    c.remove()
    got = list(busybox_ctx.events(since=t0, until=time.time() + 1, filters={"container": "evpy"}))
    assert [e["Action"] for e in got] == ["create", "start", "die", "destroy"]
    die = [e for e in got if e["Action"] == "die"][0]
    assert die["Actor"]["Attributes"]["exitCode"] == "2" and die["Type"] == "container"
    raw = list(busybox_ctx.events(since=t0, until=time.time() + 1, filters={"event": "die", "container": "evpy"},
                                  decode=False))
    assert len(raw) == 1 and raw[0].startswith(b"{")
