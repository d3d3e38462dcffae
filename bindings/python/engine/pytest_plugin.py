"""pytest fixtures for test harnesses that run containers.

Enable with ``-p engine.pytest_plugin`` or ``pytest_plugins = ["engine.pytest_plugin"]``
in a conftest.py. Fixtures:

``engine_context``
    A session-wide :class:`engine.Context` on a private temporary root (or
    ``--engine-root DIR``), with the default ``busybox:latest`` image created;
    the root is removed at the end of the session.
``container``
    A factory: ``container("busybox", ["sleep", "30"], env={...}, memory="64m")``
    returns a started :class:`engine.Container`. Every container it made is
    killed and removed after the test, whether the test passed or failed.
``engine_pool``
    A factory of prepared sandboxes: ``pool = engine_pool("busybox", memory="64m")``
    returns an :class:`engine.Pool` whose ``pool.run(["cmd"], env={...})``
    runs each command in a fresh sandbox made ahead of time, without the
    container setup on the test's path. ``--engine-pool-size N`` (default 2)
    sets how many are kept ready. Pools are closed after the test.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any, Callable, Iterator, List, Optional

import pytest

import engine


def pytest_addoption(parser: Any) -> None:
    """--engine-root and --engine-busybox."""
    group = parser.getgroup("engine")
    group.addoption("--engine-root", default=None,
                    help="libengine root for the engine_context fixture "
                         "(default: a temporary directory removed afterwards)")
    group.addoption("--engine-busybox", default=None,
                    help="static busybox for the default image (default: /bin/busybox)")
    group.addoption("--engine-pool-size", type=int, default=2,
                    help="sandboxes the engine_pool fixture keeps prepared (default: 2)")


@pytest.fixture(scope="session")
def engine_context(request: Any) -> Iterator[engine.Context]:
    """A Context on a private root holding the default busybox image."""
    root = request.config.getoption("--engine-root")
    tmp = None
    if root is None:
        tmp = root = tempfile.mkdtemp(prefix="engine-pytest-")
    ctx = engine.Context(root=root)
    try:
        ctx.images.create_default(request.config.getoption("--engine-busybox"))
        yield ctx
    finally:
        ctx.close()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def container(engine_context: engine.Context) -> Iterator[Callable[..., Any]]:
    """Factory of started containers, all removed after the test."""
    made: List[Any] = []

    def make(image: str = "busybox", command: Optional[List[str]] = None, *,
             start: bool = True, **kwargs: Any) -> Any:
        """A container of ``image`` (started unless ``start=False``); keywords as ctx.run's."""
        c = engine_context.containers.create(image, command, **kwargs)
        made.append(c)
        if start:
            c.start()
        return c

    yield make
    errors = []
    for c in reversed(made):
        try:
            c.remove(force=True)
        except engine.NotFound:
            pass
        except engine.Error as e:  # report, but keep cleaning up the others
            errors.append(e)
    if errors:
        raise errors[0]


@pytest.fixture
def engine_pool(engine_context: engine.Context, request: Any) -> Iterator[Callable[..., Any]]:
    """Factory of pools of prepared sandboxes, all closed after the test."""
    made: List[Any] = []
    default_size = request.config.getoption("--engine-pool-size")

    def make(image: str = "busybox", command: Optional[List[str]] = None, *,
             size: Optional[int] = None, **kwargs: Any) -> Any:
        """A pool for ``image``; keywords as ctx.run's."""
        pool = engine_context.pool(image, command, size=default_size if size is None else size,
                                   **kwargs)
        made.append(pool)
        return pool

    yield make
    for pool in made:
        pool.close()
