"""Shared fixtures of the Python binding's tests.

The engine package comes from the build tree (run.sh sets PYTHONPATH); the
`engine_context` and `container` fixtures come from its pytest plugin.
"""

import os
import shutil
import tempfile

import pytest

import engine

pytest_plugins = ["engine.pytest_plugin"]

TOP_SRCDIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


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
    with engine.Context(root=root) as c:
        yield c


@pytest.fixture
def busybox_ctx(ctx):
    """A Context on a fresh root holding the default busybox image."""
    ctx.images.create_default()
    return ctx
