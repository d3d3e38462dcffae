"""Volumes through the Python binding: ctx.volumes as docker-py's client.volumes."""

import os

import pytest

import engine


def test_volume_lifecycle(root):
    with engine.Context(root=root) as ctx:
        v = ctx.volumes.create("data", labels={"team": "web"})
        assert v["Name"] == "data"
        assert v["Driver"] == "local"
        assert v["Scope"] == "local"
        assert v["Labels"] == {"team": "web"}
        assert v["Mountpoint"] == os.path.join(root, "volumes", "data", "_data")
        assert os.path.isdir(v["Mountpoint"])
        assert ctx.volumes.create("data")["Labels"] == {"team": "web"}
        t = ctx.volumes.create("scratch", driver_opts={"type": "tmpfs", "o": "size=1m"})
        assert t["Options"] == {"type": "tmpfs", "o": "size=1m"}
        anon = ctx.volumes.create()
        assert len(anon["Name"]) == 64
        names = [x["Name"] for x in ctx.volumes.list()]
        assert names == sorted(names) and "data" in names and "scratch" in names
        assert [x["Name"] for x in ctx.volumes.list(filters={"label": "team=web"})] == ["data"]
        assert [x["Name"] for x in ctx.volumes.list(["name=scr"])] == ["scratch"]
        assert len(ctx.volumes.list(filters={"dangling": True})) == 3
        with pytest.raises(engine.InvalidArgument, match="invalid volume name"):
            ctx.volumes.create("/etc")
        with pytest.raises(engine.NotSupported, match="volume driver"):
            ctx.volumes.create("x2", driver="nfs")
        with pytest.raises(engine.InvalidArgument, match="invalid filter"):
            ctx.volumes.list(filters={"dangling": "maybe"})
        ctx.volumes.remove("scratch")
        with pytest.raises(engine.NotFound, match="no such volume: scratch"):
            ctx.volumes.get("scratch")
        ctx.volumes.remove("scratch", force=True)
        # prune: only the anonymous volumes containers made (none here), unless all=true;
        # a volume created without a name is not anonymous (as with Docker)
        assert ctx.volumes.prune() == {"VolumesDeleted": [], "SpaceReclaimed": 0}
        with open(os.path.join(v["Mountpoint"], "f"), "w") as f:
            f.write("x" * 10000)
        r = ctx.volumes.prune({"all": True})
        assert r["VolumesDeleted"] == sorted(["data", anon["Name"]]) and r["SpaceReclaimed"] >= 10000
        assert ctx.volumes.list() == []


def test_named_volume_in_containers(busybox_ctx):
    ctx = busybox_ctx
    res = ctx.run("busybox", ["sh", "-c", "echo hi > /data/f"], volumes=["pyv:/data"])
    assert res.exit_code == 0
    v = ctx.volumes.get("pyv")
    with open(os.path.join(v["Mountpoint"], "f")) as f:
        assert f.read() == "hi\n"
    # a new, empty volume gets the image's files at its destination
    ctx.run("busybox", ["true"], volumes=["etcv:/etc"])
    assert os.path.isfile(os.path.join(ctx.volumes.get("etcv")["Mountpoint"], "passwd"))
    # an anonymous one lives as long as the run
    before = {x["Name"] for x in ctx.volumes.list()}
    ctx.run("busybox", ["true"], volumes=["/scratch"])
    assert {x["Name"] for x in ctx.volumes.list()} == before
    c = ctx.containers.create("busybox", ["sleep", "60"], volumes=["pyv:/data"])
    try:
        with pytest.raises(engine.Busy, match="in use"):
            ctx.volumes.remove("pyv")
        assert [x["Name"] for x in ctx.volumes.list({"dangling": False})] == ["pyv"]
    finally:
        c.remove(force=True)
    ctx.volumes.remove("pyv")
    ctx.volumes.remove("etcv")
