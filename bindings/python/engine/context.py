"""The Context: one store root and run directory, the entry point of the API."""

from __future__ import annotations

import os
import threading
from typing import Any, Iterator, Optional, Union

from typing import TYPE_CHECKING

from . import capi
from ._errors import Error

if TYPE_CHECKING:
    from .containers import RunResult
    from .pool import Pool

PathLike = Union[str, "os.PathLike[str]"]

_LOG_LEVELS = {
    "error": capi.ENGINE_LOG_ERROR,
    "warn": capi.ENGINE_LOG_WARN,
    "warning": capi.ENGINE_LOG_WARN,
    "info": capi.ENGINE_LOG_INFO,
    "debug": capi.ENGINE_LOG_DEBUG,
    "trace": capi.ENGINE_LOG_TRACE,
}


def _log_level(level: Union[int, str]) -> int:
    if isinstance(level, str):
        try:
            return _LOG_LEVELS[level.lower()]
        except KeyError:
            raise ValueError(f"log_level: unknown level {level!r} "
                             f"(one of {', '.join(_LOG_LEVELS)})") from None
    return int(level)


def _fd(f: Any) -> int:
    if f is None:
        return -1
    return f if isinstance(f, int) else f.fileno()


class Context:
    """An engine context: the store (images, layers) and container state under ``root``.

    Use it as a context manager, or call :meth:`close`::

        with engine.Context(root="/var/lib/engine") as ctx:
            res = ctx.run("busybox", ["echo", "hi"])

    Args:
        root: store and state directory (library default ``/var/lib/engine``).
        run_dir: runtime directory (default ``<root>/run`` when ``root`` is given).
        config: a daemon.json-style config file.
        log_level: "error", "warn", "info", "debug", "trace" or an int.
        log_fd: an fd or file object receiving log lines as JSON objects, one a
            line (the fd is borrowed: keep it open while the context lives).
    """

    def __init__(self, root: Optional[PathLike] = None, *, run_dir: Optional[PathLike] = None,
                 config: Optional[PathLike] = None, log_level: Union[int, str] = "warn",
                 log_fd: Any = None) -> None:
        self._handle = None
        self._lock = threading.Lock()
        opts = capi.engine_context_options()
        capi.engine_context_options_init(opts, capi.ENGINE_CONTEXT_OPTIONS_VERSION)
        if root is not None:
            opts.root = os.fspath(root)
        if run_dir is not None:
            opts.run_dir = os.fspath(run_dir)
        if config is not None:
            opts.config_path = os.fspath(config)
        opts.log_level = _log_level(log_level)
        opts.log_fd = _fd(log_fd)
        self._handle = capi.engine_context_new(opts)
        from .images import Images
        self.images = Images(self)
        """Image operations: load, import_, list, get, inspect, tag, remove, save, unpack."""
        self.store = Store(self)
        """Store maintenance: usage, prune, check."""
        from .containers import Containers
        self.containers = Containers(self)
        """Container lifecycle: create, get, list, ids, run."""
        from .networks import Networks
        self.networks = Networks(self)
        """Networks: create, list, inspect, remove, prune, connect, disconnect."""
        from .volumes import Volumes
        self.volumes = Volumes(self)
        """Volumes: create, get, list, remove, prune."""

    @property
    def handle(self) -> Any:
        """The low-level ``engine_context *`` (for engine.capi calls)."""
        h = self._handle
        if h is None:
            raise Error(capi.ENGINE_EINVALID, 0, "context is closed")
        return h

    @property
    def root(self) -> str:
        """The root directory of the store and state."""
        return capi.engine_context_root(self.handle)

    @property
    def run_dir(self) -> str:
        """The run directory."""
        return capi.engine_context_run_dir(self.handle)

    def run(self, image: Optional[str], command: Any = None, **kwargs: Any) -> "RunResult":
        """Run a container to completion and return its :class:`RunResult`.

        Creates the container, starts it, waits (killing it after ``timeout``
        seconds), captures stdout and stderr, and removes everything::

            res = ctx.run("busybox", ["sh", "-c", "echo $X"], env={"X": "1"},
                          memory="64m", timeout=5)
            res.exit_code, res.stdout   # 0, b"1\n"

        ``command`` is a list, or a string split like a shell would. Keywords
        (Docker's names and units): entrypoint, env (dict or "K=V" list),
        env_file, working_dir, user, hostname, name, volumes (docker-py dict
        ``{"/host": {"bind": "/data", "mode": "ro"}}`` or "SRC:DST[:ro]" list),
        tmpfs, files ({path: bytes}), read_only, network ("none"/"host"),
        memory ("64m" or bytes), cpus, cpu_shares, cpuset_cpus, pids_limit,
        cap_add, cap_drop, seccomp, no_new_privileges, ulimits, init, userns,
        stdio / stdin / stdout / stderr, timeout, rootfs (a directory instead
        of an image), or ``spec=`` a prebuilt :class:`engine.Spec`.

        Raises ImageNotFound for a missing image, NotFound when the command
        does not exist, InvalidArgument for a bad argument. The GIL is
        released while the container runs.
        """
        from .containers import run
        return run(self, image, command, **kwargs)

    def events(self, since: Any = None, until: Any = None, filters: Optional[dict] = None,
               decode: bool = True) -> Iterator[Any]:
        """docker-py's ``client.events()``: the engine's container events
        (create, start, die, kill, stop, pause, unpause, destroy) as dicts in
        Docker's shape (JSON bytes with ``decode=False``), from ``since``
        (default: now) and following the log until ``until`` (forever
        without). ``since``/``until``: a datetime, Unix seconds or a string
        as Docker takes it. ``filters``: {"type", "event", "container"
        (name or ID prefix), "image"}: a value or a list of alternatives.
        """
        import json
        import time

        from .containers import _time_ns

        since_ns = _time_ns(since) if since is not None else time.time_ns()
        until_ns = _time_ns(until)
        while True:
            _, text = capi.engine_events_read(self.handle, since_ns, until_ns)
            for line in text.splitlines():
                e = json.loads(line)
                since_ns = max(since_ns, e.get("timeNano", 0) + 1)
                if _event_matches(e, filters or {}):
                    yield e if decode else line.encode()
            if until_ns and time.time_ns() > until_ns:
                return
            time.sleep(0.2)

    def pool(self, image: Optional[str], command: Any = None, *, size: int = 2,
             **kwargs: Any) -> "Pool":
        """A :class:`engine.Pool` of ``size`` sandboxes prepared for this spec.

        Keywords are :meth:`run`'s. ``pool.run(command, env=...)`` then runs
        each command in a fresh sandbox, without the setup on its path.
        """
        from .pool import Pool
        return Pool(self, image, command, size=size, **kwargs)

    def login(self, registry: Optional[str], username: str, password: str) -> None:
        """Check credentials against ``registry`` ("host[:port]", None: Docker Hub) and store them."""
        capi.engine_registry_login(self.handle, registry, username, password)

    def logout(self, registry: Optional[str]) -> None:
        """Forget the stored credentials of ``registry`` (NotFound when there are none)."""
        capi.engine_registry_logout(self.handle, registry)

    def normalize_reference(self, ref: str) -> str:
        """Docker's full form of an image reference ("busybox" -> "docker.io/library/busybox:latest")."""
        return capi.engine_registry_reference_normalize(self.handle, ref)

    def has_feature(self, name: str) -> bool:
        """engine.has_feature() for this context (its cgroup root), probed once per context."""
        return capi.engine_context_has_feature(self.handle, name)

    def set_log_level(self, level: Union[int, str]) -> None:
        """Change the level below which log lines are dropped."""
        capi.engine_context_set_log_level(self.handle, _log_level(level))

    def set_log_fd(self, fd: Any) -> None:
        """Send log lines (JSON objects, one a line) to ``fd``; None turns it off."""
        capi.engine_context_set_log_fd(self.handle, _fd(fd))

    def close(self) -> None:
        """Release the context. Idempotent. Running containers keep running."""
        with self._lock:
            h, self._handle = self._handle, None
        if h is not None:
            capi.engine_context_free(h)

    def __enter__(self) -> "Context":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        if self._handle is None:
            return "<engine.Context closed>"
        return f"<engine.Context root={self.root!r}>"


class StoreUsage:
    """Disk usage of a store, like ``docker system df``."""

    __slots__ = ("images", "images_size", "layers", "blobs", "blobs_size",
                 "containers", "containers_size", "reclaimable")

    def __init__(self, u: Any) -> None:
        for k in self.__slots__:
            setattr(self, k, getattr(u, k))

    def __repr__(self) -> str:
        return "StoreUsage(" + ", ".join(f"{k}={getattr(self, k)}" for k in self.__slots__) + ")"


class Store:
    """Store maintenance of a context (``ctx.store``)."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def usage(self) -> StoreUsage:
        """Counts and bytes of images, layers, blobs and containers."""
        return StoreUsage(capi.engine_store_usage_get(self._ctx.handle))

    def prune(self, all_untagged: bool = False) -> int:
        """Remove unreferenced blobs, layers and temp files; returns bytes freed."""
        return capi.engine_store_prune(self._ctx.handle, int(all_untagged))

    def check(self) -> list:
        """Verify blobs, layers and images; returns one line per problem (empty: clean)."""
        return capi.engine_store_check(self._ctx.handle)


def _event_matches(e: dict, filters: dict) -> bool:
    """docker's event filters: values of one key are alternatives, keys all apply."""
    actor = e.get("Actor") or {}
    attrs = actor.get("Attributes") or {}
    for key, want in filters.items():
        values = [want] if isinstance(want, str) else list(want)
        if key == "type":
            ok = e.get("Type") in values
        elif key == "event":
            ok = e.get("Action") in values
        elif key == "container":
            ok = any(attrs.get("name") == v or actor.get("ID", "").startswith(v) for v in values)
        elif key == "image":
            ok = attrs.get("image") in values
        else:
            raise ValueError(f"events: unknown filter {key!r} (type, event, container, image)")
        if not ok:
            return False
    return True
