"""Context, version/features and the error mapping of the Python binding."""

import os
import pickle
import threading

import pytest

import engine
from engine import capi


def _cgroup_mounts():
    """The cgroup filesystem types mounted under /sys/fs/cgroup, from mountinfo."""
    types = set()
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields, _, rest = line.partition(" - ")
            mnt, fstype = fields.split()[4], rest.split()[0]
            if fstype == "cgroup2" and mnt in ("/sys/fs/cgroup", "/sys/fs/cgroup/unified"):
                types.add("cgroup-v2")
            elif fstype == "cgroup" and mnt.startswith("/sys/fs/cgroup/") and "name=systemd" not in rest:
                types.add("cgroup-v1")
    return types


def test_version_and_features(root, config):
    assert engine.version() == capi.engine_version()
    assert engine.version().count(".") == 2
    with open("/proc/self/status") as f:
        seccomp = any(line.startswith("Seccomp:") for line in f)
    assert engine.has_feature("seccomp") is seccomp
    assert engine.has_feature("build") is True
    assert engine.has_feature("no-such-feature") is False
    mounted = _cgroup_mounts()
    # The session's config: probing a context's cgroup root makes its parent.
    with engine.Context(root=root, config=config) as ctx:
        for name in ("cgroup-v1", "cgroup-v2"):
            assert engine.has_feature(name) is (name in mounted)
            assert ctx.has_feature(name) is (name in mounted)


def test_context_dirs(root):
    with engine.Context(root=root) as ctx:
        assert ctx.root == root
        assert ctx.run_dir == os.path.join(root, "run")
        assert os.path.isdir(ctx.run_dir)
        assert repr(ctx) == f"<engine.Context root={root!r}>"
    assert repr(ctx) == "<engine.Context closed>"


def test_context_run_dir_and_trailing_slash(root):
    run = os.path.join(root, "elsewhere")
    with engine.Context(root=root + "//", run_dir=run, log_level="debug") as ctx:
        assert ctx.root == root
        assert ctx.run_dir == run
        ctx.set_log_level("trace")
        ctx.set_log_level(engine.capi.ENGINE_LOG_ERROR)


def test_close_is_idempotent_and_final(root):
    ctx = engine.Context(root=root)
    ctx.close()
    ctx.close()
    with pytest.raises(engine.Error, match="context is closed"):
        ctx.root


def test_relative_root_is_invalid_argument():
    with pytest.raises(engine.InvalidArgument) as ei:
        engine.Context(root="not/absolute")
    e = ei.value
    assert isinstance(e, ValueError) and isinstance(e, engine.Error)
    assert e.code == capi.ENGINE_EINVALID
    assert e.name == "ENGINE_EINVALID"
    assert e.errno == 0
    assert e.message == 'context root "not/absolute": must be an absolute path'
    assert str(e) == e.message


def test_errno_is_kept(root):
    blocker = os.path.join(root, "file")
    open(blocker, "w").close()
    with pytest.raises(engine.Error) as ei:
        engine.Context(root=os.path.join(blocker, "sub"))
    assert ei.value.errno != 0
    assert "context" in ei.value.message


def test_bad_config_file(root):
    cfg = os.path.join(root, "daemon.json")
    with open(cfg, "w") as f:
        f.write("[1, 2]")
    with pytest.raises(engine.InvalidArgument, match="expected a JSON object"):
        engine.Context(root=os.path.join(root, "r"), config=cfg)


def test_bad_log_level():
    with pytest.raises(ValueError, match="unknown level 'loud'"):
        engine.Context(root="/nonexistent", log_level="loud")


def test_exception_hierarchy():
    assert issubclass(engine.NotFound, LookupError)
    assert issubclass(engine.ImageNotFound, engine.NotFound)
    assert issubclass(engine.ContainerNotFound, engine.NotFound)
    assert issubclass(engine.InvalidArgument, ValueError)
    assert issubclass(engine.PermissionDenied, PermissionError)
    assert issubclass(engine.Timeout, TimeoutError)
    for cls in (engine.AlreadyExists, engine.Busy, engine.NotSupported, engine.IOFailure,
                engine.OutOfMemory, engine.GenericError):
        assert issubclass(cls, engine.Error)


def test_exception_with_oserror_base_keeps_fields():
    e = engine.PermissionDenied(capi.ENGINE_EPERM, 13, "layer x: entry escapes the root")
    assert e.errno == 13 and e.code == capi.ENGINE_EPERM
    assert str(e) == "layer x: entry escapes the root"
    assert "ENGINE_EPERM" in repr(e)
    again = pickle.loads(pickle.dumps(e))
    assert type(again) is engine.PermissionDenied
    assert (again.code, again.errno, again.message) == (e.code, e.errno, e.message)


def test_errors_are_per_thread():
    """Each thread's exception carries its own call's message, read right after it."""
    results = {}

    def worker(i):
        for _ in range(50):
            try:
                engine.Context(root=f"relative-{i}")
            except engine.InvalidArgument as e:
                results.setdefault(i, set()).add(e.message)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(4):
        assert results[i] == {f'context root "relative-{i}": must be an absolute path'}


def test_lowlevel_lists_reject_a_lone_string(ctx):
    with pytest.raises(TypeError, match="expected a list of strings"):
        capi.engine_image_save(ctx.handle, "busybox", "/nonexistent.tar", 0)


def test_log_fd_receives_json_lines(root, config):
    import json
    r, w = os.pipe()
    try:
        os.set_blocking(r, False)
        with engine.Context(root=root, config=config, log_level="trace", log_fd=w) as ctx:
            ctx.images.create_default()
            ctx.run("busybox", ["true"])
        lines = os.read(r, 1 << 20).decode().splitlines()
    finally:
        os.close(r)
        os.close(w)
    assert lines
    for line in lines:
        entry = json.loads(line)
        assert {"level", "msg", "time"} <= set(entry)


def test_int_struct_members_read_back_as_ints():
    """int members are plain values, not error codes (even when negative)."""
    o = capi.engine_exec_options()
    capi.engine_exec_options_init(o, capi.ENGINE_EXEC_OPTIONS_VERSION)
    assert (o.in_fd, o.out_fd, o.err_fd, o.stdio) == (-1, -1, -1, capi.ENGINE_STDIO_CAPTURE)
    c = capi.engine_context_options()
    capi.engine_context_options_init(c, capi.ENGINE_CONTEXT_OPTIONS_VERSION)
    assert (c.log_fd, c.log_level) == (-1, capi.ENGINE_LOG_WARN)
    r = capi.engine_run_result()
    assert (r.exit_code, r.signal, r.oom_killed, r.timed_out) == (0, 0, 0, 0)
    assert r.stdout_bytes() == b"" and r.id is None
    e = capi.engine_error_last()
    assert isinstance(e.code, int) and isinstance(e.sys_errno, int)


def test_every_int_struct_member_is_read_as_a_value():
    """python.i must list every int member of a public struct (else it reads as an error code)."""
    import glob
    import re
    from conftest import TOP_SRCDIR
    members = set()
    for h in glob.glob(os.path.join(TOP_SRCDIR, "include", "engine", "*.h")):
        text = re.sub(r"/\*.*?\*/", "", open(h).read(), flags=re.S)
        for body in re.findall(r"typedef struct \w+ \{(.*?)\}", text, flags=re.S):
            for decl in body.split(";"):
                m = re.fullmatch(r"\s*int\s+([\w\s,]+)", decl)
                if m:
                    members.update(n.strip() for n in m.group(1).split(","))
    iface = open(os.path.join(TOP_SRCDIR, "bindings", "swig", "python.i")).read()
    listed = re.search(r"%apply int ENGINE_PLAIN_INT \{(.*?)\};", iface, flags=re.S).group(1)
    listed = {d.split()[-1] for d in listed.split(",")}
    assert members and members <= listed, sorted(members - listed)
