"""ccxt's async okx exchange: the unified ``fetch_deposits`` (parsed into ccxt's dicts).

No rate limiting. ccxt loads markets and currencies once before the first unified call;
the loopback server answers those requests with the deposit page too, which ccxt turns
into empty tables, so that happens once, during the warm-up, and is not measured.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import ccxt.async_support as ccxt

from . import API_KEY, LIMIT, PASSPHRASE, SECRET_KEY, Call


@contextlib.asynccontextmanager
async def connect(base_url: str) -> AsyncIterator[Call]:
    config = {"apiKey": API_KEY, "secret": SECRET_KEY, "password": PASSPHRASE}
    exchange = ccxt.okx({**config, "enableRateLimit": False})
    exchange.urls["api"] = {"rest": base_url}  # sign() prefixes every path with this
    try:

        async def call() -> int:
            return len(await exchange.fetch_deposits(limit=LIMIT))

        yield call
    finally:
        await exchange.close()
