"""One module per contender, each exposing the same names.

- ``connect(base_url)``: an async context manager yielding ``call``, an async function
  that makes one signed deposit-history request (``limit=100``) and returns how many
  records it decoded.
- ``decode(body)`` (optional): what the contender does with a response body, alone.

:data:`CONTENDERS` lists them without importing them: the runner imports each one only
in its own worker process (importing ccxt alone changes how later allocations behave).
All contenders use the same dummy credentials and sign every request.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

API_KEY = "bench-api-key-0000"
SECRET_KEY = "bench-secret-key-0000"
PASSPHRASE = "bench-passphrase"
PATH = "/api/v5/asset/deposit-history"
LIMIT = 100

Call = Callable[[], Awaitable[int]]


@dataclass(frozen=True)
class Contender:
    key: str  # the module in this package
    label: str  # the name in the results
    requires: tuple[str, ...] = ()  # top-level imports beyond okxasync's own dependencies

    def missing(self) -> list[str]:
        """The required packages that are not importable here."""
        return [name for name in self.requires if importlib.util.find_spec(name) is None]


CONTENDERS = (
    Contender("okxasync_", "okxasync"),
    Contender("raw_aiohttp_msgspec", "raw aiohttp + msgspec"),
    Contender("raw_aiohttp_json", "raw aiohttp + json.loads"),
    Contender("ccxt_", "ccxt implicit method", ("ccxt",)),
    Contender("ccxt_unified", "ccxt fetch_deposits (unified)", ("ccxt",)),
    Contender("python_okx", "python-okx", ("okx",)),
)
BY_KEY = {c.key: c for c in CONTENDERS}
OURS, RAW = "okxasync_", "raw_aiohttp_msgspec"
