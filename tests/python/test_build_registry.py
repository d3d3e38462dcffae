"""Dockerfile builds and registry calls through the Python binding."""

import json
import os
import socket

import pytest

import engine


def test_build_and_run(busybox_ctx, tmp_path):
    (tmp_path / "Dockerfile").write_text(
        "FROM busybox\nARG WHO=nobody\nRUN echo hello $WHO > /greeting\nCMD [\"cat\", \"/greeting\"]\n")
    r, w = os.pipe()
    try:
        os.set_blocking(r, False)
        image_id = busybox_ctx.images.build(tmp_path, tag=["built:1", "built:2"],
                                            buildargs={"WHO": "python"}, event_fd=w)
        events = [json.loads(line) for line in os.read(r, 1 << 20).decode().splitlines()]
    finally:
        os.close(r)
        os.close(w)
    assert image_id.startswith("sha256:")
    assert busybox_ctx.images.get("built:2").id == image_id
    assert busybox_ctx.run("built:1").stdout == b"hello python\n"
    assert any(e.get("event") == "step" for e in events)
    again = busybox_ctx.images.build(tmp_path, tag="built:3", buildargs={"WHO": "python"})
    assert again == image_id  # every step from the cache


def test_build_cache_prune(busybox_ctx, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN echo cached > /f\n")
    busybox_ctx.images.build(tmp_path, tag="cached:1")
    assert busybox_ctx.images.prune_build_cache() == 0  # every entry's image is there
    busybox_ctx.images.remove("cached:1")
    assert busybox_ctx.images.prune_build_cache() == 1  # the RUN step's image is gone
    assert busybox_ctx.images.prune_build_cache() == 0


def test_build_errors(busybox_ctx, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUNN echo\n")
    with pytest.raises(engine.InvalidArgument, match="unknown instruction"):
        busybox_ctx.images.build(tmp_path)
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN exit 3\n")
    with pytest.raises(engine.Error, match="returned a non-zero code: 3"):
        busybox_ctx.images.build(tmp_path, tag="never:1")
    assert not busybox_ctx.images.exists("never:1")


def test_reference_normalize(ctx):
    assert ctx.normalize_reference("busybox") == "docker.io/library/busybox:latest"
    assert ctx.normalize_reference("reg:5000/a/b") == "reg:5000/a/b:latest"
    with pytest.raises(engine.InvalidArgument):
        ctx.normalize_reference("UPPER/Case")


def _closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_pull_from_an_unreachable_registry(ctx):
    ref = f"127.0.0.1:{_closed_port()}/nothing/here:1"
    with pytest.raises(engine.Error) as ei:
        ctx.images.pull(ref, timeout=5)
    assert "127.0.0.1" in ei.value.message


def test_push_of_a_missing_image(ctx):
    with pytest.raises(engine.ImageNotFound):
        ctx.images.push(f"127.0.0.1:{_closed_port()}/missing:1")
