"""Every endpoint okxasync calls, described as data, one module per API area.

:data:`ALL` lists them; the emulator (``okxasync.testing``) serves its routes from it, so a
path, method, rate-limit buckets or retry-safety is written once, here.
"""

from __future__ import annotations

from . import convert, funding, otc, public
from .base import Endpoint

__all__ = ["ALL", "Endpoint", "find"]

#: Every endpoint of every API area.
ALL: tuple[Endpoint[object], ...] = tuple(
    value
    for module in (public, funding, otc, convert)
    for value in vars(module).values()
    if isinstance(value, Endpoint)
)


def find(method: str, path: str) -> Endpoint[object] | None:
    """The endpoint sent as ``method path`` (``path`` without its query), if any."""
    return _BY_ROUTE.get((method, path))


_BY_ROUTE: dict[tuple[str, str], Endpoint[object]] = {(e.method, e.path): e for e in ALL}
