"""Typed exceptions for libengine's error codes.

Every library call that fails raises a subclass of :class:`Error`, built
from the library's thread-local last error right after the call, so the
exception carries the library's code, errno and message unchanged. The
classes also derive from the matching builtin exception where there is one
(``NotFound`` is a ``LookupError``, ``InvalidArgument`` a ``ValueError``...),
so code that does not know about libengine still catches them sensibly.
"""

from __future__ import annotations

import contextlib
from typing import Iterator, Type

from . import capi

__all__ = [
    "Error", "GenericError", "NotFound", "ImageNotFound", "ContainerNotFound",
    "AlreadyExists", "InvalidArgument", "PermissionDenied", "Busy",
    "NotSupported", "OutOfMemory", "Timeout", "IOFailure", "ContainerError",
    "APIError", "DockerException",
]


class Error(Exception):
    """A libengine failure.

    Attributes:
        code: the negative ``ENGINE_E*`` code (e.g. ``engine.capi.ENGINE_ENOTFOUND``).
        errno: the system errno behind it, 0 when none.
        message: the library's one-line message, naming what failed.
        name: the code's symbolic name, e.g. ``"ENGINE_ENOTFOUND"``.
    """

    code: int
    errno: int
    message: str

    def __new__(cls, code: int = capi.ENGINE_ERROR, errno: int = 0, message: str = ""):
        # OSError.__new__ interprets (errno, strerror, ...) arguments; give
        # it the message alone so the subclasses with OSError bases behave.
        return super().__new__(cls, message)

    def __init__(self, code: int = capi.ENGINE_ERROR, errno: int = 0, message: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.errno = errno
        self.message = message

    @property
    def name(self) -> str:
        """The code's symbolic name, e.g. "ENGINE_ENOTFOUND"."""
        return capi.engine_err_name(self.code)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name}, errno={self.errno}, {self.message!r})"

    def __reduce__(self):
        return (type(self), (self.code, self.errno, self.message))


class GenericError(Error):
    """ENGINE_ERROR: a failure with no more specific code."""


class NotFound(Error, LookupError):
    """ENGINE_ENOTFOUND: an image, container, file or key does not exist."""


class ImageNotFound(NotFound):
    """An image reference that names no stored image."""


class ContainerNotFound(NotFound):
    """A container ID or name that names no container."""


class AlreadyExists(Error):
    """ENGINE_EEXISTS: the object already exists."""


class InvalidArgument(Error, ValueError):
    """ENGINE_EINVALID: a bad argument or malformed input."""


class PermissionDenied(Error, PermissionError):
    """ENGINE_EPERM: permission denied, or unsafe input refused."""


class Busy(Error):
    """ENGINE_EBUSY: in use (a running container, a locked store)."""


class NotSupported(Error):
    """ENGINE_ENOTSUP: not supported by this host or build."""


class OutOfMemory(Error, MemoryError):
    """ENGINE_ENOMEM: out of memory."""


class Timeout(Error, TimeoutError):
    """ENGINE_ETIMEOUT: a deadline passed."""


class IOFailure(Error, OSError):
    """ENGINE_EIO: an I/O failure (full disk, short read, broken pipe)."""


class Cancelled(Error):
    """ENGINE_ECANCELED: the call was cancelled through its cancel fd."""


class ContainerError(Error):
    """A container exited with a non-zero status: docker-py's ContainerError,
    raised by ``containers.run()`` without ``detach`` and by
    ``run(check=True)`` (like ``subprocess.run(check=True)``).

    Attributes:
        container: the container (its ID when it is gone, as after a run).
        exit_status: its exit code (128+signal when killed).
        command: the command, as given.
        image: the image.
        stderr: what it wrote to stderr (bytes).
    """

    def __new__(cls, container: object = None, exit_status: int = 0, command: object = None,
                image: object = None, stderr: bytes = b""):
        return Exception.__new__(cls)

    def __init__(self, container: object = None, exit_status: int = 0, command: object = None,
                 image: object = None, stderr: bytes = b"") -> None:
        err = (stderr or b"").decode(errors="replace").strip()
        message = (f"Command '{command}' in image '{image}' returned non-zero exit status "
                   f"{exit_status}" + (f": {err}" if err else ""))
        Error.__init__(self, capi.ENGINE_ERROR, 0, message)
        self.container = container
        self.exit_status = exit_status
        self.command = command
        self.image = image
        self.stderr = stderr

    def __reduce__(self):
        return (type(self), (self.container, self.exit_status, self.command, self.image, self.stderr))


# docker-py's names for the bases: every libengine failure is one.
APIError = Error
DockerException = Error

_BY_CODE: dict = {
    capi.ENGINE_ERROR: GenericError,
    capi.ENGINE_ENOTFOUND: NotFound,
    capi.ENGINE_EEXISTS: AlreadyExists,
    capi.ENGINE_EINVALID: InvalidArgument,
    capi.ENGINE_EPERM: PermissionDenied,
    capi.ENGINE_EBUSY: Busy,
    capi.ENGINE_ENOTSUP: NotSupported,
    capi.ENGINE_ENOMEM: OutOfMemory,
    capi.ENGINE_ETIMEOUT: Timeout,
    capi.ENGINE_EIO: IOFailure,
    capi.ENGINE_ECANCELED: Cancelled,
    "default": GenericError,
}
capi._set_error_classes(_BY_CODE)


@contextlib.contextmanager
def refine_not_found(cls: Type[NotFound]) -> Iterator[None]:
    """Re-raise a plain NotFound as the more specific ``cls`` (same code/message)."""
    try:
        yield
    except NotFound as e:
        if type(e) is not NotFound:
            raise
        raise cls(e.code, e.errno, e.message).with_traceback(e.__traceback__) from None
