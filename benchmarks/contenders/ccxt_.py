"""ccxt's async okx exchange: implicit private endpoint, no rate limiting, no markets."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import ccxt.async_support as ccxt

from . import API_KEY, LIMIT, PASSPHRASE, SECRET_KEY, Call

NAME = "ccxt async"
CONCURRENT = True


@contextlib.asynccontextmanager
async def connect(base_url: str) -> AsyncIterator[Call]:
    config = {"apiKey": API_KEY, "secret": SECRET_KEY, "password": PASSPHRASE}
    exchange = ccxt.okx({**config, "enableRateLimit": False})
    exchange.urls["api"] = {"rest": base_url}  # sign() prefixes every path with this
    try:

        async def call() -> int:
            response = await exchange.privateGetAssetDepositHistory({"limit": str(LIMIT)})
            return len(response["data"])

        yield call
    finally:
        await exchange.close()
