"""Raw aiohttp, signing by hand, ``json.loads`` into plain dicts: the untyped floor."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from . import Call, _raw


def decode(body: bytes) -> list[dict[str, Any]]:
    """The envelope's ``data``: dicts of strings, exactly as on the wire."""
    records: list[dict[str, Any]] = json.loads(body)["data"]
    return records


@contextlib.asynccontextmanager
async def connect(base_url: str) -> AsyncIterator[Call]:
    async with _raw.connect(base_url, decode) as call:
        yield call
