"""Shared fixtures of the Python binding's tests.

The engine package comes from the build tree (run.sh sets PYTHONPATH); the
`engine_context` and `container` fixtures come from its pytest plugin.

Every context of the session puts its containers' cgroups under one parent
of the session's own ("engine-pytest-<pid>", through a config file), so
suites running side by side never share or remove each other's cgroups;
the parent is removed at the end.
"""

import glob
import os
import shutil
import tempfile

import pytest

import engine

pytest_plugins = ["engine.pytest_plugin"]

TOP_SRCDIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

CGROUP_PARENT = f"engine-pytest-{os.getpid()}"
_CONFIG_DIR = tempfile.mkdtemp(prefix="engine-pytest-config-")
CONFIG = os.path.join(_CONFIG_DIR, "config.json")
with open(CONFIG, "w") as _f:
    _f.write(f'{{"cgroup-parent": "{CGROUP_PARENT}"}}\n')


def pytest_configure(config):
    if config.getoption("--engine-config") is None:
        config.option.engine_config = CONFIG


def pytest_unconfigure(config):
    for d in glob.glob(f"/sys/fs/cgroup/*/{CGROUP_PARENT}") + glob.glob(f"/sys/fs/cgroup/{CGROUP_PARENT}"):
        try:
            os.rmdir(d)
        except OSError as e:
            print(f"cgroup parent {d} left: {e}")
    shutil.rmtree(_CONFIG_DIR, ignore_errors=True)


@pytest.fixture
def config():
    """The session's config file (its cgroup parent), for contexts a test opens itself."""
    return CONFIG


@pytest.fixture
def root():
    """A fresh, empty store root, removed after the test."""
    d = tempfile.mkdtemp(prefix="engine-pytest-root-")
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def ctx(root):
    """A Context on a fresh root."""
    with engine.Context(root=root, config=CONFIG) as c:
        yield c


@pytest.fixture
def busybox_ctx(ctx):
    """A Context on a fresh root holding the default busybox image."""
    ctx.images.create_default()
    return ctx
