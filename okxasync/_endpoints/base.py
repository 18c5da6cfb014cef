"""What an endpoint is: one API call described as data.

Adding an endpoint is one :class:`Endpoint` in the module of its API area, a thin method
in ``okxasync._resources``, its behaviour in the emulator, and its tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

from .._http.encode import Param
from .._ratelimit.rules import DEFAULT_RATES, PUBLIC_RATES

__all__ = ["GROUPS", "Endpoint"]

R = TypeVar("R")

#: The rate-limit groups every endpoint must belong to: those with a default rate.
GROUPS = frozenset(DEFAULT_RATES) | frozenset(PUBLIC_RATES)


@dataclass(frozen=True, kw_only=True)
class Endpoint(Generic[R]):
    """One API call: how to send it, which rate group it spends, what it returns.

    ``retry_safe`` (required: no endpoint gets it by default) says whether sending it twice
    is harmless: true for reads and for quotes; false for withdrawals and trades, which
    are reconciled instead. ``signed`` is false for public endpoints, which are sent
    without the ``OK-ACCESS-*`` headers. ``params`` maps each keyword argument
    (snake_case) to its API name and encoder.
    """

    method: Literal["GET", "POST"]
    path: str
    group: str
    record: type[R]
    retry_safe: bool
    params: Mapping[str, Param] = field(default_factory=dict)
    signed: bool = True

    def __post_init__(self) -> None:
        if self.group not in GROUPS:
            raise ValueError(f"{self.path}: unknown rate-limit group {self.group!r}")
