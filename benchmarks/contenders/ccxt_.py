"""ccxt's async okx exchange: the implicit private endpoint method (orjson into untyped
dicts), no rate limiting, no markets."""

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
            response = await exchange.privateGetAssetDepositHistory({"limit": str(LIMIT)})
            return len(response["data"])

        yield call
    finally:
        await exchange.close()
