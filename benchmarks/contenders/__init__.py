"""One module per contender, each exposing the same names.

- ``NAME``: the label in the results.
- ``CONCURRENT``: whether many calls may run at once on one event loop.
- ``connect(base_url)``: an async context manager yielding ``call``, an async function
  that makes one signed deposit-history request (``limit=100``) and returns how many
  records it decoded.
- ``decode(body)`` (optional): what the contender does with a response body, alone.

All contenders use the same dummy credentials and sign every request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

API_KEY = "bench-api-key-0000"
SECRET_KEY = "bench-secret-key-0000"
PASSPHRASE = "bench-passphrase"
PATH = "/api/v5/asset/deposit-history"
LIMIT = 100

Call = Callable[[], Awaitable[int]]
