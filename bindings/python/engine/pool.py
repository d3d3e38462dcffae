"""Prepared sandboxes: :class:`Pool` (``engine_pool_*`` in the C API)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Optional, Union

from . import capi
from ._errors import InvalidArgument, NotFound
from ._units import env_list
from .containers import Command, RunResult, Spec, _command, _refine_missing_image

if TYPE_CHECKING:
    from .context import Context


class Pool:
    """Sandboxes of one container spec prepared ahead of time, for harnesses.

    The namespaces, the rootfs and the cgroup of each sandbox are made by a
    background thread, so :meth:`run` only hands over the command and
    waits. Each sandbox serves one run and is then torn down off the
    caller's path: nothing of one run reaches the next::

        with ctx.pool("busybox", memory="64m", size=2) as pool:
            res = pool.run(["sh", "-c", "echo $X"], env={"X": "1"})

    Keywords are :meth:`engine.Context.run`'s (except ``userns``); ``size``
    is the number of sandboxes kept ready (1..64). Closing the context
    closes its pools. The GIL is released while a sandbox runs.
    """

    def __init__(self, ctx: "Context", image: Optional[str], command: Command = None, *,
                 size: int = 2, spec: Optional[Spec] = None, **kwargs: Any) -> None:
        self._lock = threading.Lock()
        self._handle: Any = None
        own = spec is None
        if own:
            spec = Spec(image, command, **kwargs)
        elif image is not None or command is not None or kwargs:
            raise TypeError("Pool: pass either spec= or image/command/keywords, not both")
        try:
            opts = capi.engine_pool_options()
            capi.engine_pool_options_init(opts, capi.ENGINE_POOL_OPTIONS_VERSION)
            if size < 0:
                raise InvalidArgument(capi.ENGINE_EINVALID, 0, f"pool size {size}: negative")
            opts.size = size
            try:
                self._handle = capi.engine_pool_new(ctx.handle, spec.handle, opts)
            except NotFound as e:
                _refine_missing_image(ctx, spec, e)
                raise
        finally:
            if own:
                spec.close()

    @property
    def handle(self) -> Any:
        """The ``engine_pool *`` (raises InvalidArgument once closed)."""
        h = self._handle
        if h is None:
            raise InvalidArgument(capi.ENGINE_EINVALID, 0, "pool: closed")
        return h

    def run(self, command: Command = None, *,
            env: Union[None, Mapping[str, object], Iterable[str]] = None) -> RunResult:
        """Run ``command`` (None: the pool's) in a fresh sandbox and wait for it.

        ``env`` is added to the pool's environment (same keys replaced).
        Returns a :class:`RunResult` like :meth:`engine.Context.run`.
        """
        return RunResult._from_c(capi.engine_pool_run(self.handle, _command(command), env_list(env)))

    def close(self) -> None:
        """Remove every prepared sandbox. Idempotent."""
        with self._lock:
            h, self._handle = self._handle, None
        if h is not None:
            capi.engine_pool_free(h)

    def __enter__(self) -> "Pool":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()
