"""Networks: ``ctx.networks.create("appnet")``, then ``network="appnet"`` on a
container; containers there reach each other by name and alias. See
include/engine/network.h."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Mapping, Optional, Union

from . import capi

if TYPE_CHECKING:
    from .context import Context


class Networks:
    """Network operations of a :class:`~engine.Context` (``ctx.networks``)."""

    def __init__(self, ctx: "Context") -> None:
        self._ctx = ctx

    def create(self, name: str, *, subnet: Optional[str] = None, gateway: Optional[str] = None,
               internal: bool = False,
               labels: Union[None, Mapping[str, str], Iterable[str]] = None) -> str:
        """Create a bridge network; returns its ID."""
        opts = capi.engine_network_create_options()
        capi.engine_network_create_options_init(opts, capi.ENGINE_NETWORK_CREATE_OPTIONS_VERSION)
        opts.name = name
        opts.subnet = subnet
        opts.gateway = gateway
        opts.internal = int(bool(internal))
        items = [f"{k}={v}" for k, v in labels.items()] if isinstance(labels, Mapping) else list(labels or [])
        opts.set_labels(items)
        return capi.engine_network_create(self._ctx.handle, opts)

    def inspect(self, name: str) -> Dict[str, Any]:
        """Docker-like inspect data of one network."""
        return json.loads(capi.engine_network_inspect(self._ctx.handle, name))

    def list(self) -> List[Dict[str, Any]]:
        """Every network ("bridge", "host" and "none" included)."""
        return json.loads(capi.engine_network_list(self._ctx.handle))

    def remove(self, name: str) -> None:
        """Remove a network (Busy while containers use it)."""
        capi.engine_network_remove(self._ctx.handle, name)

    def prune(self) -> List[str]:
        """Remove the unused user-defined networks; their names."""
        return list(capi.engine_network_prune(self._ctx.handle))

    def connect(self, network: str, container: Any, *, aliases: Optional[Iterable[str]] = None,
                ip: Optional[str] = None) -> None:
        """Connect a container (object, ID or name) to a network."""
        opts = capi.engine_network_connect_options()
        capi.engine_network_connect_options_init(opts, capi.ENGINE_NETWORK_CONNECT_OPTIONS_VERSION)
        opts.set_aliases(list(aliases or []))
        opts.ip = ip
        capi.engine_network_connect(self._ctx.handle, network, _key(container), opts)

    def disconnect(self, network: str, container: Any) -> None:
        """Undo :meth:`connect`."""
        capi.engine_network_disconnect(self._ctx.handle, network, _key(container))


def _key(container: Any) -> str:
    return container if isinstance(container, str) else container.id
