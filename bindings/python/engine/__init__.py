"""libengine for Python: run containers from Python without a daemon.

    import engine
    with engine.Context(root="/tmp/engine-root") as ctx:
        ctx.images.create_default()
        res = ctx.run("busybox", ["sh", "-c", "echo $X"], env={"X": "1"}, memory="64m", timeout=5)
        print(res.exit_code, res.stdout)

``engine.capi`` is the SWIG-generated low-level module (the C API one to one);
this package adds keyword arguments, context managers and typed exceptions.
"""

from __future__ import annotations

from . import capi
from ._errors import (AlreadyExists, APIError, Busy, Cancelled, ContainerError, ContainerNotFound,
                      DockerException, Error, GenericError, ImageNotFound, InvalidArgument,
                      IOFailure, NotFound, NotSupported, OutOfMemory, PermissionDenied, Timeout)
from .containers import (Container, Containers, ContainerStats, ExecResult, RunResult, Spec,
                         WaitResult)
from .context import Context, Store, StoreUsage
from .images import Image, Images, ImageSummary
from .networks import Networks
from .pool import Pool
from .volumes import Volumes

__version__: str = capi.engine_version()


def version() -> str:
    """The version of the loaded libengine."""
    return capi.engine_version()


def parse_size(size: str) -> int:
    """Bytes of a Docker-style size ("64m", "1g", "512k", "1.5g"), parsed by the library."""
    return capi.engine_parse_size(size)


def has_feature(name: str) -> bool:
    """Whether libengine can use ``name`` on this host ("seccomp", "overlay", "cgroup-v1",
    "cgroup-v2", "user-namespaces", "gzip", "zstd", "registry", "build", "rootless"), probed once."""
    return capi.engine_has_feature(name)


__all__ = [
    "capi", "Context", "Store", "StoreUsage", "Images", "Image", "ImageSummary",
    "Error", "GenericError", "NotFound", "ImageNotFound", "ContainerNotFound",
    "AlreadyExists", "InvalidArgument", "PermissionDenied", "Busy", "NotSupported",
    "OutOfMemory", "Timeout", "IOFailure", "Cancelled", "version", "has_feature", "parse_size",
    "Container", "Containers", "ContainerStats", "RunResult", "Spec", "Networks", "Volumes",
    "ContainerError", "APIError", "DockerException", "ExecResult", "WaitResult",
]
