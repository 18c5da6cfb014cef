"""Raw aiohttp, signing by hand, msgspec into Structs: the typed floor.

The Struct carries the same typed content as ``okxasync.Deposit`` (``Decimal`` amount,
``int`` milliseconds and confirmations) but plain ``str`` state, and nothing checks the
envelope's ``code``: the least work that still yields typed records.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from decimal import Decimal

import msgspec

from . import Call, _raw


class Deposit(msgspec.Struct, rename="camel"):
    ccy: str = ""
    chain: str = ""
    amt: Decimal | None = None
    from_: str = msgspec.field(default="", name="from")
    to: str = ""
    tx_id: str = ""
    state: str = ""
    dep_id: str = ""
    actual_dep_blk_confirm: int | None = None
    ts: int | None = None


class Envelope(msgspec.Struct):
    code: str
    msg: str = ""
    data: list[Deposit] = msgspec.field(default_factory=list)


class StrDeposit(msgspec.Struct, rename="camel"):
    """Every field left a ``str``, as on the wire: what typing the values costs, by contrast."""

    ccy: str = ""
    chain: str = ""
    amt: str = ""
    from_: str = msgspec.field(default="", name="from")
    to: str = ""
    tx_id: str = ""
    state: str = ""
    dep_id: str = ""
    actual_dep_blk_confirm: str = ""
    ts: str = ""


class StrEnvelope(msgspec.Struct):
    code: str
    msg: str = ""
    data: list[StrDeposit] = msgspec.field(default_factory=list)


_decoder = msgspec.json.Decoder(Envelope, strict=False)
_str_decoder = msgspec.json.Decoder(StrEnvelope)


def decode(body: bytes) -> list[Deposit]:
    return _decoder.decode(body).data


def decode_untyped(body: bytes) -> list[StrDeposit]:
    return _str_decoder.decode(body).data


@contextlib.asynccontextmanager
async def connect(base_url: str) -> AsyncIterator[Call]:
    async with _raw.connect(base_url, decode) as call:
        yield call
