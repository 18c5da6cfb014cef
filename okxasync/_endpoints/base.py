"""What an endpoint is: one API call described as data.

Adding an endpoint is one :class:`Endpoint` in the module of its API area, a thin method
in ``okxasync._resources``, its behaviour in the emulator, and its tests.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

from .._http.encode import ArgsEncoder, Param, compile_encoder
from .._ratelimit.rules import Bucket, Claim

__all__ = ["Endpoint"]

R = TypeVar("R")


@dataclass(frozen=True, kw_only=True)
class Endpoint(Generic[R]):
    """One API call: how to send it, which rate-limit buckets it spends, what it returns.

    ``buckets`` lists every bucket one call consumes (see ``okxasync._ratelimit.rules``),
    its group bucket first (``funding``, ``otc``, ``public``); a keyed bucket's key
    fields must be API names of ``params``.

    ``retry_safe`` (required: no endpoint gets it by default) says whether sending it twice
    is harmless: true for reads and for quotes; false for withdrawals and trades, which
    are reconciled instead. ``signed`` is false for public endpoints, which are sent
    without the ``OK-ACCESS-*`` headers. ``params`` maps each keyword argument
    (snake_case) to its API name and encoder.
    """

    method: Literal["GET", "POST"]
    path: str
    buckets: tuple[Bucket, ...]
    record: type[R]
    retry_safe: bool
    params: Mapping[str, Param] = field(default_factory=dict)
    signed: bool = True
    _fixed_claims: tuple[Claim, ...] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if not self.buckets or not all(isinstance(b, Bucket) for b in self.buckets):
            raise ValueError(f"{self.path}: buckets must be a non-empty tuple of Bucket")
        api_names = {param.api for param in self.params.values()}
        if not all(name.isascii() and name.isalnum() for name in api_names):
            raise ValueError(f"{self.path}: an API parameter name is not plain ASCII: {api_names}")
        for bucket in self.buckets:
            unknown = set(bucket.key) - api_names
            if unknown:
                raise ValueError(
                    f"{self.path}: bucket {bucket.name!r} is keyed by {unknown}, not a parameter"
                )
        # Without a keyed bucket every call claims the same windows: built once.
        keyless = not any(b.key for b in self.buckets)
        fixed = tuple(b.claim() for b in self.buckets) if keyless else None
        object.__setattr__(self, "_fixed_claims", fixed)

    @functools.cached_property
    def encode(self) -> ArgsEncoder:
        """The call's wire parameters for its keyword arguments, as ``encode(params,
        args)`` gives them: a function written for this endpoint's parameters on first
        use (``endpoint.encode(args)``), then kept."""
        return compile_encoder(self.params)

    @property
    def group(self) -> str:
        """The name of the endpoint's group bucket (its first)."""
        return self.buckets[0].name

    def claims(self, wire: Mapping[str, str]) -> tuple[Claim, ...]:
        """The windows one call with the encoded parameters ``wire`` consumes (a key
        field the call leaves out counts as ``""``)."""
        if self._fixed_claims is not None:
            return self._fixed_claims
        return tuple(b.claim(*(wire.get(f, "") for f in b.key)) for b in self.buckets)
