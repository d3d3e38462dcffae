"""Images of a context: ``ctx.images``."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Mapping, Optional, Union

from . import capi
from ._errors import ImageNotFound, refine_not_found
from ._units import env_list, labels_list, str_list

if TYPE_CHECKING:
    from .context import Context, PathLike

_FORMATS = {
    "oci": capi.ENGINE_IMAGE_FORMAT_OCI,
    "docker-archive": capi.ENGINE_IMAGE_FORMAT_DOCKER_ARCHIVE,
    "docker": capi.ENGINE_IMAGE_FORMAT_DOCKER_ARCHIVE,
}


@dataclass(frozen=True)
class ImageSummary:
    """One image of a listing."""

    id: str
    tags: List[str]
    created: int
    """Unix seconds, 0 when unknown."""
    size: int
    """Bytes of its unpacked layers."""


@dataclass(frozen=True)
class Image:
    """An image's identity and config, as read by :meth:`Images.get`."""

    id: str
    tags: List[str] = field(default_factory=list)
    env: List[str] = field(default_factory=list)
    cmd: List[str] = field(default_factory=list)
    entrypoint: List[str] = field(default_factory=list)
    working_dir: Optional[str] = None
    user: Optional[str] = None
    layers: List[str] = field(default_factory=list)
    """Layer blob digests, lowest first."""
    diff_ids: List[str] = field(default_factory=list)
    """Uncompressed layer digests, lowest first."""

    @property
    def short_id(self) -> str:
        """The first 12 hex digits of the ID, as Docker shows it."""
        return self.id.split(":", 1)[-1][:12]


class Images:
    """Image operations of a :class:`~engine.Context`."""

    def __init__(self, ctx: "Context") -> None:
        self._ctx = ctx

    def load(self, path: "PathLike", *, tag: Optional[str] = None,
             platform: Optional[str] = None) -> List[str]:
        """Load every image of an OCI layout (dir or tar) or ``docker save`` archive.

        Returns one entry per image: its tag, or its ID when untagged.
        ``tag`` names images the archive leaves untagged; ``platform``
        ("os/arch[/variant]") picks from an index.
        """
        opts = capi.engine_image_load_options()
        capi.engine_image_load_options_init(opts, capi.ENGINE_IMAGE_LOAD_OPTIONS_VERSION)
        opts.tag = tag
        opts.platform = platform
        return capi.engine_image_load(self._ctx.handle, os.fspath(path), opts)

    def import_(self, source: Any, ref: Optional[str] = None, *,
                env: Union[None, Mapping[str, object], Iterable[str]] = None,
                cmd: Union[None, str, Iterable[str]] = None,
                entrypoint: Union[None, str, Iterable[str]] = None,
                labels: Union[None, Mapping[str, str], Iterable[str]] = None,
                exposed_ports: Optional[Iterable[str]] = None,
                volumes: Optional[Iterable[str]] = None,
                working_dir: Optional[str] = None, user: Optional[str] = None,
                comment: Optional[str] = None) -> str:
        """Make a one-layer image from a rootfs tarball (``docker import``).

        ``source`` is a path, or a file object / fd to read the tarball from.
        Returns the image ID.
        """
        opts = capi.engine_image_import_options()
        capi.engine_image_import_options_init(opts, capi.ENGINE_IMAGE_IMPORT_OPTIONS_VERSION)
        opts.ref = ref
        if env is not None:
            opts.set_env(env_list(env))
        if cmd is not None:
            opts.set_cmd(str_list(cmd, "cmd"))
        if entrypoint is not None:
            opts.set_entrypoint(str_list(entrypoint, "entrypoint"))
        if labels is not None:
            opts.set_labels(labels_list(labels))
        if exposed_ports is not None:
            opts.set_exposed_ports([str(p) if "/" in str(p) else f"{p}/tcp" for p in exposed_ports])
        if volumes is not None:
            opts.set_volumes(list(volumes))
        opts.working_dir = working_dir
        opts.user = user
        opts.comment = comment
        if isinstance(source, (str, bytes, os.PathLike)):
            return capi.engine_image_import(self._ctx.handle, os.fsdecode(source), -1, opts)
        fd = source if isinstance(source, int) else source.fileno()
        return capi.engine_image_import(self._ctx.handle, None, fd, opts)

    def create_default(self, busybox_path: Optional["PathLike"] = None) -> str:
        """Create the built-in ``busybox:latest`` from a static busybox (default /bin/busybox).

        Returns the image ID (the same for the same binary).
        """
        path = None if busybox_path is None else os.fspath(busybox_path)
        return capi.engine_image_create_default(self._ctx.handle, path)

    def list(self) -> List[ImageSummary]:
        """The stored images, newest first."""
        lst = capi.engine_image_list_new(self._ctx.handle)
        try:
            out = []
            for i in range(capi.engine_image_list_count(lst)):
                s = capi.engine_image_list_get(lst, i)
                out.append(ImageSummary(s.id, s.tags, s.created, s.size))
            return out
        finally:
            capi.engine_image_list_free(lst)

    def get(self, ref: str) -> Image:
        """Open an image by tag, full or short ID; raises ImageNotFound."""
        with refine_not_found(ImageNotFound):
            img = capi.engine_image_open(self._ctx.handle, ref)
        try:
            return Image(
                id=capi.engine_image_id(img),
                tags=capi.engine_image_tags(img),
                env=capi.engine_image_env(img),
                cmd=capi.engine_image_cmd(img),
                entrypoint=capi.engine_image_entrypoint(img),
                working_dir=capi.engine_image_working_dir(img),
                user=capi.engine_image_user(img),
                layers=capi.engine_image_layers(img),
                diff_ids=capi.engine_image_diff_ids(img),
            )
        finally:
            capi.engine_image_free(img)

    def exists(self, ref: str) -> bool:
        """Whether ``ref`` names a stored image."""
        try:
            self.get(ref)
        except ImageNotFound:
            return False
        return True

    def inspect(self, ref: str) -> Dict[str, Any]:
        """Docker-compatible inspect data (``docker image inspect``) as a dict."""
        with refine_not_found(ImageNotFound):
            return json.loads(capi.engine_image_inspect(self._ctx.handle, ref))

    def history(self, ref: str) -> List[Dict[str, Any]]:
        """``docker history`` as the Engine API gives it: newest first, each
        {Id, Created, CreatedBy, Tags, Size, Comment}."""
        with refine_not_found(ImageNotFound):
            return json.loads(capi.engine_image_history(self._ctx.handle, ref))

    def tag(self, src: str, dst: str) -> None:
        """Point tag ``dst`` at the image ``src`` names."""
        with refine_not_found(ImageNotFound):
            capi.engine_image_tag(self._ctx.handle, src, dst)

    def remove(self, ref: str, *, force: bool = False) -> List[str]:
        """Untag ``ref`` and delete the image once untagged (``docker rmi``).

        Returns Docker's report lines ("Untagged: ...", "Deleted: ...").
        """
        opts = capi.engine_image_remove_options()
        capi.engine_image_remove_options_init(opts, capi.ENGINE_IMAGE_REMOVE_OPTIONS_VERSION)
        opts.force = int(force)
        with refine_not_found(ImageNotFound):
            return capi.engine_image_remove(self._ctx.handle, ref, opts)

    def save(self, refs: Union[str, Iterable[str]], path: "PathLike", *,
             format: str = "oci") -> None:
        """Write images to a tar: ``format`` is "oci" or "docker-archive"."""
        try:
            fmt = _FORMATS[format]
        except KeyError:
            raise ValueError(f"format: {format!r} is not one of {', '.join(_FORMATS)}") from None
        with refine_not_found(ImageNotFound):
            capi.engine_image_save(self._ctx.handle, str_list(refs, "refs"), os.fspath(path), fmt)

    def unpack(self, ref: str, directory: "PathLike") -> None:
        """Write the image's flattened rootfs to ``directory`` (missing or empty)."""
        with refine_not_found(ImageNotFound):
            capi.engine_image_unpack(self._ctx.handle, ref, os.fspath(directory))

    # --- registries --------------------------------------------------------

    def pull(self, ref: str, tag: Optional[str] = None, *, platform: Optional[str] = None,
             progress_fd: Any = None, timeout: Optional[int] = None) -> str:
        """Pull ``ref`` from its registry (mirrors first); returns the image ID.
        ``tag`` as docker-py takes it: ``pull("busybox", "1.36")``.

        ``progress_fd`` (fd or file object) receives Docker-style JSON progress
        lines; ``timeout`` is the seconds a transfer may stall.
        """
        opts = capi.engine_registry_pull_options()
        capi.engine_registry_pull_options_init(opts, capi.ENGINE_REGISTRY_PULL_OPTIONS_VERSION)
        opts.platform = platform
        opts.progress_fd = _fd(progress_fd)
        if timeout is not None:
            opts.timeout = int(timeout)
        if tag:
            ref = f"{ref}@{tag}" if tag.startswith("sha256:") else f"{ref}:{tag}"
        return capi.engine_registry_pull(self._ctx.handle, ref, opts)

    def push(self, ref: str, *, progress_fd: Any = None, timeout: Optional[int] = None,
             chunk_size: Optional[int] = None) -> str:
        """Push the image tagged ``ref`` to its registry; returns the manifest digest."""
        opts = capi.engine_registry_push_options()
        capi.engine_registry_push_options_init(opts, capi.ENGINE_REGISTRY_PUSH_OPTIONS_VERSION)
        opts.progress_fd = _fd(progress_fd)
        if timeout is not None:
            opts.timeout = int(timeout)
        if chunk_size is not None:
            opts.chunk_size = int(chunk_size)
        with refine_not_found(ImageNotFound):
            return capi.engine_registry_push(self._ctx.handle, ref, opts)

    # --- builds ----------------------------------------------------------------

    def build(self, path: "PathLike", *, tag: Union[None, str, Iterable[str]] = None,
              dockerfile: Optional[str] = None,
              buildargs: Union[None, Mapping[str, object], Iterable[str]] = None,
              target: Optional[str] = None, nocache: bool = False,
              network_mode: Optional[str] = None, event_fd: Any = None) -> str:
        """Build the Dockerfile in the context directory ``path``; returns the image ID.

        docker-py's names: ``tag`` (one or a list), ``dockerfile`` (relative to
        ``path`` unless absolute), ``buildargs``, ``target``, ``nocache``,
        ``network_mode``; ``event_fd`` receives one JSON line per build event.
        """
        opts = capi.engine_build_options()
        capi.engine_build_options_init(opts, capi.ENGINE_BUILD_OPTIONS_VERSION)
        if tag is not None:
            opts.set_tags(str_list(tag, "tag"))
        if buildargs is not None:
            opts.set_build_args(env_list(buildargs))
        opts.dockerfile = dockerfile
        opts.target = target
        opts.no_cache = int(bool(nocache))
        opts.network = network_mode
        opts.event_fd = _fd(event_fd)
        return capi.engine_build(self._ctx.handle, os.fspath(path), opts)

    def prune_build_cache(self) -> int:
        """Drop build cache entries whose image is gone; returns how many."""
        return capi.engine_build_cache_prune(self._ctx.handle)


def _fd(f: Any) -> int:
    if f is None:
        return -1
    return f if isinstance(f, int) else f.fileno()
