"""The request half shared by the two raw aiohttp contenders: sign, send, read."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
from collections.abc import AsyncIterator, Callable, Sized
from datetime import datetime, timezone

import aiohttp

from . import API_KEY, LIMIT, PASSPHRASE, PATH, SECRET_KEY, Call

_SECRET = SECRET_KEY.encode()
_REQUEST_PATH = f"{PATH}?limit={LIMIT}"


def signed_headers(method: str, request_path: str) -> dict[str, str]:
    """The ``OK-ACCESS-*`` headers, computed the way a hand-written client would."""
    timestamp = datetime.now(timezone.utc).isoformat(timespec="milliseconds")[:-6] + "Z"
    message = (timestamp + method + request_path).encode()
    signature = base64.b64encode(hmac.new(_SECRET, message, hashlib.sha256).digest()).decode()
    return {
        "OK-ACCESS-KEY": API_KEY,
        "OK-ACCESS-SIGN": signature,
        "OK-ACCESS-TIMESTAMP": timestamp,
        "OK-ACCESS-PASSPHRASE": PASSPHRASE,
    }


@contextlib.asynccontextmanager
async def connect(base_url: str, decode: Callable[[bytes], Sized]) -> AsyncIterator[Call]:
    """Yields a ``call`` that GETs one page and returns ``len(decode(body))``."""
    url = base_url + _REQUEST_PATH
    async with aiohttp.ClientSession() as session:

        async def call() -> int:
            headers = signed_headers("GET", _REQUEST_PATH)
            async with session.get(url, headers=headers) as response:
                response.raise_for_status()
                body = await response.read()
            return len(decode(body))

        yield call
