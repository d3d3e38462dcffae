"""Images through the Python binding: default image, list/get/inspect, tag,
remove, save/load round trip, import, unpack, and the typed errors."""

import io
import os
import tarfile

import pytest

import engine


def test_create_default_is_reproducible(ctx):
    first = ctx.images.create_default()
    assert first.startswith("sha256:") and len(first) == 71
    assert ctx.images.create_default() == first


def test_list_get_inspect(busybox_ctx):
    ctx = busybox_ctx
    listing = ctx.images.list()
    assert len(listing) == 1
    s = listing[0]
    assert "busybox:latest" in s.tags
    assert s.size > 0
    img = ctx.images.get("busybox")
    assert img.id == s.id
    assert img.cmd == ["sh"]
    assert any(e.startswith("PATH=") for e in img.env)
    assert len(img.layers) == 1 and len(img.diff_ids) == 1
    assert img.short_id == img.id[7:19]
    assert ctx.images.get(img.short_id).id == img.id
    data = ctx.images.inspect("busybox:latest")
    assert data["Id"] == img.id
    assert "busybox:latest" in data["RepoTags"]
    assert data["Config"]["Cmd"] == ["sh"]
    assert ctx.images.exists("busybox") and not ctx.images.exists("nope")
    hist = ctx.images.history("busybox")
    assert hist[0]["Id"] == img.id and "busybox:latest" in hist[0]["Tags"]
    assert sum(h["Size"] for h in hist) == data["Size"] > 0


def test_missing_image_raises_image_not_found(busybox_ctx):
    with pytest.raises(engine.ImageNotFound) as ei:
        busybox_ctx.images.get("no-such-image:1")
    e = ei.value
    assert isinstance(e, LookupError) and isinstance(e, engine.NotFound)
    assert e.code == engine.capi.ENGINE_ENOTFOUND
    assert "no-such-image" in e.message
    for call in (lambda: busybox_ctx.images.inspect("no-such-image"),
                 lambda: busybox_ctx.images.history("no-such-image"),
                 lambda: busybox_ctx.images.tag("no-such-image", "x:1"),
                 lambda: busybox_ctx.images.remove("no-such-image")):
        with pytest.raises(engine.ImageNotFound, match="no-such-image"):
            call()


def test_tag_and_remove(busybox_ctx):
    ctx = busybox_ctx
    ctx.images.tag("busybox", "mine:1")
    assert ctx.images.get("mine:1").id == ctx.images.get("busybox").id
    report = ctx.images.remove("mine:1")
    assert report == ["Untagged: mine:1"]
    assert ctx.images.exists("busybox")
    report = ctx.images.remove("busybox:latest")
    assert report[0] == "Untagged: busybox:latest"
    assert any(line.startswith("Deleted: sha256:") for line in report)
    assert ctx.images.list() == []


def test_bad_arguments(busybox_ctx):
    with pytest.raises(engine.InvalidArgument):
        busybox_ctx.images.tag("busybox", "Not A Valid Ref!")
    with pytest.raises(ValueError, match="format"):
        busybox_ctx.images.save("busybox", "/nonexistent/x.tar", format="zip")


@pytest.mark.parametrize("fmt", ["oci", "docker-archive"])
def test_save_load_round_trip(busybox_ctx, tmp_path, fmt):
    src_id = busybox_ctx.images.get("busybox").id
    archive = tmp_path / "busybox.tar"
    busybox_ctx.images.save(["busybox:latest"], archive, format=fmt)
    assert archive.stat().st_size > 0
    with engine.Context(root=str(tmp_path / "other")) as other:
        loaded = other.images.load(archive)
        assert loaded == ["busybox:latest"]
        assert other.images.get("busybox").id == src_id


def test_load_missing_path(ctx, tmp_path):
    with pytest.raises(engine.NotFound) as ei:
        ctx.images.load(tmp_path / "missing.tar")
    assert "missing.tar" in ei.value.message


def _rootfs_tar():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        data = b"hello from a tarball\n"
        info = tarfile.TarInfo("etc/greeting")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_import_with_config_and_unpack(ctx, tmp_path):
    tarball = tmp_path / "rootfs.tar"
    tarball.write_bytes(_rootfs_tar())
    image_id = ctx.images.import_(tarball, "imported:1", env={"A": "1", "B": "two"},
                                  cmd=["/bin/true"], labels={"k": "v"}, working_dir="/etc",
                                  user="1000", exposed_ports=[80])
    img = ctx.images.get("imported:1")
    assert img.id == image_id
    assert img.env == ["A=1", "B=two"]
    assert img.cmd == ["/bin/true"]
    assert img.working_dir == "/etc" and img.user == "1000"
    labels = ctx.images.inspect("imported:1")["Config"]["Labels"]
    assert labels == {"k": "v"}
    out = tmp_path / "unpacked"
    ctx.images.unpack("imported:1", out)
    assert (out / "etc" / "greeting").read_bytes() == b"hello from a tarball\n"


def test_import_from_file_object(ctx, tmp_path):
    tarball = tmp_path / "rootfs.tar"
    tarball.write_bytes(_rootfs_tar())
    with open(tarball, "rb") as f:
        image_id = ctx.images.import_(f, "fromfd:1")
    assert ctx.images.get("fromfd:1").id == image_id


def test_store_usage_check_prune(busybox_ctx):
    usage = busybox_ctx.store.usage()
    assert usage.images == 1 and usage.layers >= 1 and usage.blobs >= 1
    assert usage.images_size > 0
    assert busybox_ctx.store.check() == []
    assert busybox_ctx.store.prune() == 0  # a clean store: nothing unreferenced
    assert busybox_ctx.images.exists("busybox")
