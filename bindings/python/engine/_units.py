"""Docker-style argument conversions: sizes ("64m"), CPU counts, env dicts."""

from __future__ import annotations

import os
import re
from typing import Iterable, List, Mapping, Optional, Union

_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([bkmgtp]?)i?b?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}

Size = Union[int, str]
StrList = Union[str, Iterable[str]]


def parse_size(value: Optional[Size], what: str = "size") -> int:
    """Bytes from an int or a Docker size string ("64m", "1.5g", "512k", "100").

    Units are binary, as in Docker: "1k" is 1024 bytes. None gives 0 (unset).
    """
    if value is None:
        return 0
    if isinstance(value, bool):
        raise TypeError(f"{what}: expected an int or a size string, not bool")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{what}: must not be negative: {value}")
        return value
    if isinstance(value, str):
        m = _SIZE_RE.match(value)
        if not m:
            raise ValueError(f"{what}: invalid size {value!r} (e.g. 64m, 1g, 512k)")
        return int(float(m.group(1)) * _SIZE_UNITS[m.group(2).lower()])
    raise TypeError(f"{what}: expected an int or a size string, not {type(value).__name__}")


def env_list(env: Union[None, Mapping[str, object], Iterable[str]]) -> List[str]:
    """["K=V", ...] from a dict (values str()-ed; None means "K" alone) or a list."""
    if env is None:
        return []
    if isinstance(env, Mapping):
        out = []
        for k, v in env.items():
            if not isinstance(k, str) or not k or "=" in k:
                raise ValueError(f"env: invalid variable name {k!r}")
            out.append(k if v is None else f"{k}={v}")
        return out
    if isinstance(env, (str, bytes)):
        raise TypeError("env: expected a dict or a list of 'K=V' strings")
    return [str(e) for e in env]


def str_list(value: Optional[StrList], what: str) -> Optional[List[str]]:
    """A list of str from a list, or a lone str as a one-element list."""
    if value is None:
        return None
    if isinstance(value, (str, os.PathLike)):
        return [os.fspath(value)]
    if isinstance(value, bytes):
        raise TypeError(f"{what}: expected str or a list of str, not bytes")
    return [os.fspath(v) for v in value]


def labels_list(labels: Union[None, Mapping[str, str], Iterable[str]]) -> List[str]:
    """["k=v", ...] from a dict or a list."""
    if labels is None:
        return []
    if isinstance(labels, Mapping):
        return [f"{k}={v}" for k, v in labels.items()]
    return [str(x) for x in labels]
