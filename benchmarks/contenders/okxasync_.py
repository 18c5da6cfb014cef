"""okxasync through its public API, with the rate-limit scheduler set out of the way."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import okxasync
from okxasync._http.decode import decode as _decode  # the pipeline's own decode step

from . import API_KEY, LIMIT, PASSPHRASE, SECRET_KEY, Call


def decode(body: bytes) -> list[okxasync.Deposit]:
    """Typed records (``Decimal`` amounts, enums, raw ``ts_ms``), as the client decodes."""
    return _decode(okxasync.Deposit, body, 200)


def decode_with_datetimes(body: bytes) -> list[okxasync.Deposit]:
    """:func:`decode`, then read every record's ``ts`` (builds each aware datetime)."""
    records = decode(body)
    for record in records:
        record.ts  # noqa: B018 - reading the property is the work measured
    return records


@contextlib.asynccontextmanager
async def connect(base_url: str) -> AsyncIterator[Call]:
    rates = {"funding": okxasync.Rate(10**9, 1.0)}
    async with okxasync.Client(
        API_KEY, SECRET_KEY, PASSPHRASE, base_url=base_url, rate_limits=rates
    ) as client:

        async def call() -> int:
            return len(await client.funding.deposit_history(limit=LIMIT))

        yield call
