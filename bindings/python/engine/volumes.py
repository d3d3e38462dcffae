"""Volumes: ``ctx.volumes.create("data")``, then ``volumes=["data:/data"]``
on a container; they outlive the containers that use them. See
include/engine/volume.h."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from . import capi

if TYPE_CHECKING:
    from .context import Context

Pairs = Union[None, Mapping[str, str], Iterable[str]]


def _items(pairs: Pairs) -> List[str]:
    if isinstance(pairs, Mapping):
        return [f"{k}={v}" for k, v in pairs.items()]
    return list(pairs or [])


def _filters(filters: Union[None, Mapping[str, Any], Iterable[str]]) -> Optional[List[str]]:
    """docker-py's ``filters={"dangling": True, "label": ["a=b"]}`` or "k=v" strings."""
    if filters is None:
        return None
    if not isinstance(filters, Mapping):
        return list(filters)
    out = []
    for k, v in filters.items():
        for one in (v if isinstance(v, (list, tuple)) else [v]):
            out.append(f"{k}={str(one).lower() if isinstance(one, bool) else one}")
    return out


class Volumes:
    """Volume operations of a :class:`~engine.Context` (``ctx.volumes``)."""

    def __init__(self, ctx: "Context") -> None:
        self._ctx = ctx

    def create(self, name: Optional[str] = None, *, driver: Optional[str] = None,
               driver_opts: Pairs = None, labels: Pairs = None) -> Dict[str, Any]:
        """Create a volume (no name: a random one) and return its inspect
        data; an existing name is kept as it is, as with Docker."""
        opts = capi.engine_volume_create_options()
        capi.engine_volume_create_options_init(opts, capi.ENGINE_VOLUME_CREATE_OPTIONS_VERSION)
        opts.name = name
        opts.driver = driver
        opts.set_labels(_items(labels))
        opts.set_options(_items(driver_opts))
        created = capi.engine_volume_create(self._ctx.handle, opts)
        return self.get(created)

    def get(self, name: str) -> Dict[str, Any]:
        """Inspect data of one volume (Name, Driver, Mountpoint, CreatedAt,
        Labels, Scope, Options); raises NotFound."""
        return json.loads(capi.engine_volume_inspect(self._ctx.handle, name))

    inspect = get

    def list(self, filters: Union[None, Mapping[str, Any], Iterable[str]] = None) -> List[Dict[str, Any]]:
        """The volumes the filters select (dangling, name, label, driver)."""
        return json.loads(capi.engine_volume_list(self._ctx.handle, _filters(filters)))

    def remove(self, name: str, force: bool = False) -> None:
        """Remove a volume (Busy while a container uses it, unless force)."""
        capi.engine_volume_remove(self._ctx.handle, name, int(bool(force)))

    def prune(self, filters: Union[None, Mapping[str, Any], Iterable[str]] = None) -> Dict[str, Any]:
        """Remove unused anonymous volumes (every unused one with
        ``{"all": True}``); docker-py's {"VolumesDeleted", "SpaceReclaimed"}."""
        result = capi.engine_volume_prune(self._ctx.handle, _filters(filters))
        names, reclaimed = _pair(result)
        return {"VolumesDeleted": names, "SpaceReclaimed": reclaimed}


def _pair(result: Any) -> Tuple[List[str], int]:
    # SWIG appends the byte count to the names' list when that came first:
    # [name, ..., bytes]; or [[names], bytes].
    if len(result) == 2 and isinstance(result[0], list):
        return list(result[0]), int(result[1])
    return [str(n) for n in result[:-1]], int(result[-1])
