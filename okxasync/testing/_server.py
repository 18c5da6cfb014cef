"""``FakeExchange``: the emulator as a real HTTP server on loopback."""

from __future__ import annotations

import time
from types import TracebackType
from typing import TypedDict

from aiohttp import web

from okxasync.testing._checks import Secrets
from okxasync.testing._data import make_credentials
from okxasync.testing._routes import Backend, RecordedRequest, make_app
from okxasync.testing._state import DEFAULT_QUOTE_TTL_MS, ExchangeState

__all__ = ["Credentials", "FakeExchange"]


class Credentials(TypedDict):
    """The emulator's API key, secret and passphrase, typed so that
    ``Client(**fake.credentials)`` type-checks."""

    api_key: str
    secret_key: str
    passphrase: str


class FakeExchange:
    """An in-process emulator of the OKLink/OKX V5 funding and OTC RFQ API.

    ``async with FakeExchange(seed=0) as fake`` serves on ``fake.url``
    (127.0.0.1, a free port unless ``port`` is given); ``Client(**fake.credentials)``
    authenticates. ``fake.state`` is the ground truth the server answers from
    (see ``ExchangeState``); ``fake.requests`` records every request in arrival
    order. ``now_ms`` fixes the base time of the seeded histories (default: the
    real clock); the server clock itself is always real time (``_now_ms``).
    Error codes are listed in ``okxasync.testing._checks``.
    """

    def __init__(
        self,
        seed: int = 0,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        now_ms: int | None = None,
        quote_ttl_ms: int = DEFAULT_QUOTE_TTL_MS,
    ) -> None:
        self.seed = seed
        self.host = host
        self.port = port
        self.state = ExchangeState(seed, now_ms=now_ms, quote_ttl_ms=quote_ttl_ms)
        self.requests: list[RecordedRequest] = []
        self._credentials = make_credentials(seed)
        self._runner: web.AppRunner | None = None
        self._url: str | None = None

    @property
    def credentials(self) -> Credentials:
        """``{"api_key", "secret_key", "passphrase"}``: keyword arguments for ``Client``."""
        creds = self._credentials
        return Credentials(
            api_key=creds["api_key"], secret_key=creds["secret_key"], passphrase=creds["passphrase"]
        )

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``; only while started."""
        if self._url is None:
            raise RuntimeError("FakeExchange is not started")
        return self._url

    def _now_ms(self) -> int:
        """The server clock, epoch milliseconds (the one place time is read)."""
        return int(time.time() * 1000)

    def _backend(self) -> Backend:
        secrets = Secrets(**self._credentials)
        return Backend(self.state, secrets, clock=self._now_ms, requests=self.requests)

    async def start(self) -> None:
        """Start serving; does nothing if already started."""
        if self._runner is not None:
            return
        runner = web.AppRunner(make_app(self._backend()), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self._url = f"http://{host}:{port}"

    async def close(self) -> None:
        """Stop serving and release the socket; safe to call more than once."""
        runner, self._runner, self._url = self._runner, None, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> FakeExchange:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        where = self._url or "not started"
        return f"<FakeExchange seed={self.seed} {where}>"
