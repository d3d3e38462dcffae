"""Docker-style argument conversions: env and label dicts, string lists."""

from __future__ import annotations

import os
from typing import Iterable, List, Mapping, Optional, Union

StrList = Union[str, Iterable[str]]


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
