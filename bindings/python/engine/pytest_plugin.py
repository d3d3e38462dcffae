"""pytest fixtures for test harnesses that run containers.

Enable with ``-p engine.pytest_plugin`` or ``pytest_plugins = ["engine.pytest_plugin"]``
in a conftest.py. Fixtures:

``engine_context``
    A session-wide :class:`engine.Context` on a private temporary root (or
    ``--engine-root DIR``), with the default ``busybox:latest`` image created;
    the root is removed at the end of the session. ``--engine-config FILE``
    gives it a daemon.json-style config (e.g. ``{"cgroup-parent": "ci-42"}``
    to keep the session's cgroups apart from other runs').
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
    """--engine-root, --engine-config, --engine-busybox and --engine-pool-size."""
    group = parser.getgroup("engine")
    group.addoption("--engine-root", default=None,
                    help="libengine root for the engine_context fixture "
                         "(default: a temporary directory removed afterwards)")
    group.addoption("--engine-config", default=None,
                    help="daemon.json-style config file for the engine_context fixture "
                         "(e.g. its cgroup-parent; default: none)")
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
    ctx = engine.Context(root=root, config=request.config.getoption("--engine-config"))
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


class Service:
    """A running service container: ``host`` and ``port`` reach its published port."""

    def __init__(self, container: Any, host: str, port: int) -> None:
        self.container = container
        self.host = host
        self.port = port

    @property
    def address(self) -> str:
        """"host:port"."""
        return f"{self.host}:{self.port}"


def _ready(svc: Service, tcp: bool, log: Optional[str], command: Optional[List[str]]) -> bool:
    import socket
    if log is not None and log.encode() not in svc.container.logs():
        return False
    if command is not None and svc.container.exec(command).exit_code != 0:
        return False
    if tcp:
        try:
            with socket.create_connection((svc.host, svc.port), timeout=1):
                pass
        except OSError:
            return False
    return True


@pytest.fixture
def service(engine_context: engine.Context) -> Iterator[Callable[..., Service]]:
    """Start an image with a published port, wait until it is ready, hand back host:port.

    ``service("busybox", ["httpd", "-f", "-p", "80"], port=80)`` waits for a TCP
    connect to succeed (or ``wait_log="..."`` for a log line, ``wait_command=[...]``
    for a command that exits 0, within ``timeout`` seconds); every service is
    removed after the test. Keywords as ctx.run's (``network`` defaults to bridge).
    """
    import time
    made: List[Any] = []

    def start(image: str = "busybox", command: Optional[List[str]] = None, *, port: Any = 80,
              wait_log: Optional[str] = None, wait_command: Optional[List[str]] = None,
              wait_tcp: Optional[bool] = None, timeout: float = 30, **kwargs: Any) -> Service:
        kwargs.setdefault("network", "bridge")
        key = str(port) if "/" in str(port) else f"{port}/tcp"
        ports = dict(kwargs.pop("ports", None) or {})
        ports.setdefault(key, ("127.0.0.1", None))
        c = engine_context.containers.create(image, command, ports=ports, **kwargs)
        made.append(c)
        c.start()
        host, hport = c.port(key)
        svc = Service(c, "127.0.0.1" if host == "0.0.0.0" else host, hport)
        tcp = wait_tcp if wait_tcp is not None else (wait_log is None and wait_command is None)
        deadline = time.monotonic() + timeout
        while not _ready(svc, tcp, wait_log, wait_command):
            if c.status not in ("running", "paused"):
                raise engine.Error(engine.capi.ENGINE_ERROR, 0, f"service {image} exited before it was ready")
            if time.monotonic() > deadline:
                raise TimeoutError(f"service {image}: not ready after {timeout}s")
            time.sleep(0.05)
        return svc

    yield start
    for c in reversed(made):
        try:
            c.remove(force=True)
        except engine.Error:
            pass
