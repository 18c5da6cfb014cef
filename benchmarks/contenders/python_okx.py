"""python-okx (the official SDK): its synchronous Funding API on an httpx client."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from okx.Funding import FundingAPI

from . import API_KEY, LIMIT, PASSPHRASE, SECRET_KEY, Call


@contextlib.asynccontextmanager
async def connect(base_url: str) -> AsyncIterator[Call]:
    # flag="0" is live trading; ``domain`` is the base URL its httpx client uses.
    api = FundingAPI(API_KEY, SECRET_KEY, PASSPHRASE, flag="0", domain=base_url, debug=False)
    try:

        async def call() -> int:
            return len(api.get_deposit_history(limit=str(LIMIT))["data"])

        yield call
    finally:
        api.close()
