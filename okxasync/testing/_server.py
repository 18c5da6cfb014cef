"""``FakeExchange``: the emulator as a real HTTP server on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TypedDict

from aiohttp import web
from aiohttp.typedefs import Middleware

from okxasync._ratelimit import Bucket, Rate
from okxasync._ratelimit.rules import WS_CONNECT
from okxasync.testing._activity import Activity, ActivityDriver
from okxasync.testing._backend import Backend, RecordedRequest
from okxasync.testing._checks import Secrets
from okxasync.testing._data import make_credentials
from okxasync.testing._faults import FaultInjector, Faults
from okxasync.testing._latency import simulated_latency
from okxasync.testing._limits import ArrivalLimits
from okxasync.testing._routes import Handler, make_app
from okxasync.testing._state import DEFAULT_ARCHIVE_SIZE, DEFAULT_QUOTE_TTL_MS, ExchangeState
from okxasync.testing._ws import WS_PATH, BusinessSocket
from okxasync.testing._ws_faults import WsFaultDraws, WsFaults

__all__ = ["FakeCredentials", "FakeExchange"]


class FakeCredentials(TypedDict):
    """The emulator's API key, secret and passphrase, typed so that
    ``Client(**fake.credentials)`` type-checks."""

    api_key: str
    secret_key: str
    passphrase: str


class FakeExchange:
    """An in-process emulator of the OKLink / OKX V5 API, a real HTTP server on loopback.

    `async with FakeExchange(seed=0) as fake` serves on `fake.url` (127.0.0.1, a free port);
    `Client(base_url=fake.url, **fake.credentials)` authenticates. `fake.state` is the
    ground truth the server answers from ([`ExchangeState`][okxasync.testing.ExchangeState]);
    `fake.requests` records every request in arrival order
    ([`RecordedRequest`][okxasync.testing.RecordedRequest]). It checks signatures, keys,
    passphrases and timestamps like the real API, validates parameters, and answers with
    the API's error codes (listed in `okxasync.testing._checks`). Transfers, withdrawal
    cancels and Convert are served too (`fake.state.moves`, `fake.state.convert`).
    The seeded histories lie in the ~90 days before `now_ms`, by default the fixed
    [`ANCHOR_MS`][okxasync.testing.ANCHOR_MS] (2026-01-01T00:00:00Z), so a seed gives the same
    records on every run; what happens while serving (and the signature window) uses the
    server clock, real time plus `clock_skew_ms`.

    Rate limits are enforced like a strict server: for every bucket of an endpoint (and
    every key of a keyed one, e.g. `transfer` per currency), at most `count` accepted
    arrivals in any `period` seconds, else HTTP 429 with the bucket's code (`50011`, or
    `58102`). The buckets and their figures come from the client's own endpoint table.
    WebSocket connections count in `ws-connect` (3 per second; the API states this limit
    but not its answer: here an upgrade over it is answered HTTP 429 with `50011`).

    Args:
        seed: Seeds the generated account: the same seed, the same data.
        host: The interface to listen on.
        port: The port; `0` picks a free one.
        now_ms: The base time of the seeded histories, Unix milliseconds (default:
            `ANCHOR_MS`, fixed; `int(time.time() * 1000)` makes them end now).
        quote_ttl_ms: How long an RFQ quote can be traded, in milliseconds.
        rate_limits: Enforce only the buckets named here, at these rates (default: every
            bucket at the API's rate).
        enforce_limits: `False` turns the rate-limit check off.
        jitter: Delays each request by a random `0..jitter` seconds before it "arrives".
        retry_after: Adds a `Retry-After` header to 429 answers.
        latency: Delays every answer by a simulated network round trip, in seconds.
        history_size: Serve that many generated deposits, withdrawals and bills each,
            computed on demand (e.g. 1,000,000 without holding them in memory).
        archive_size: How many bills older than those make the bills archive, back to
            2021-02-01 (`/asset/bills-history`).
        faults: Network and server faults to inject ([`Faults`][okxasync.testing.Faults]).
        clock_skew_ms: The server clock runs this far from real time, so that an unsynced
            client's timestamps are refused (50102).
        activity: Deposits that arrive and records that move through their states over
            time ([`Activity`][okxasync.testing.Activity]); every change, including
            withdrawals made over REST, is pushed on the business WebSocket.
        ws_idle_limit: Seconds of client silence after which a WebSocket connection is
            closed with 4004.
        ws_faults: WebSocket faults to inject ([`WsFaults`][okxasync.testing.WsFaults];
            assign `fake.ws_faults` to change them while serving).
        buckets: Replace the buckets of some `(method, path)` routes, e.g.
            `{("GET", "/api/v5/asset/bills"): (FUNDING, my_keyed_bucket)}`.

    The business WebSocket is served at `fake.ws_url`; `fake.ws` is its `BusinessSocket`
    (counters, `close_all(code)`, `refused_channels`).
    """

    def __init__(
        self,
        seed: int = 0,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        now_ms: int | None = None,
        quote_ttl_ms: int = DEFAULT_QUOTE_TTL_MS,
        rate_limits: Mapping[str, Rate] | None = None,
        enforce_limits: bool = True,
        jitter: float = 0.0,
        retry_after: bool = False,
        latency: float = 0.0,
        history_size: int | None = None,
        archive_size: int = DEFAULT_ARCHIVE_SIZE,
        faults: Faults | None = None,
        clock_skew_ms: int = 0,
        activity: Activity | None = None,
        ws_idle_limit: float = 30.0,
        ws_faults: WsFaults | None = None,
        buckets: Mapping[tuple[str, str], Sequence[Bucket]] | None = None,
    ) -> None:
        self.seed = seed
        self.host = host
        self.port = port
        self.latency = latency
        self._outer = [simulated_latency(latency)] if latency else []
        self.clock_skew_ms = clock_skew_ms
        self.state = ExchangeState(
            seed,
            now_ms=now_ms,
            quote_ttl_ms=quote_ttl_ms,
            history_size=history_size,
            archive_size=archive_size,
        )
        self._injector = FaultInjector(faults)
        self.requests: list[RecordedRequest] = []
        self.limits = ArrivalLimits(
            rate_limits,
            enforce=enforce_limits,
            jitter=jitter,
            retry_after=retry_after,
            seed=seed,
            buckets={("GET", WS_PATH): (WS_CONNECT,), **(buckets or {})},
        )
        self._credentials = make_credentials(seed)
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self.ws = BusinessSocket(
            Secrets(**self._credentials),
            self._now_ms,
            uid=str(random.Random(f"{seed}:uid").randrange(10**15, 10**16)),
            idle_limit=ws_idle_limit,
            faults=WsFaultDraws(ws_faults),
        )
        self.state.listeners.append(self.ws.on_change)
        self.activity = None if activity is None else ActivityDriver(self.state, activity)
        self._activity_task: asyncio.Task[None] | None = None

    @property
    def credentials(self) -> FakeCredentials:
        """``{"api_key", "secret_key", "passphrase"}``: keyword arguments for ``Client``."""
        creds = self._credentials
        return FakeCredentials(
            api_key=creds["api_key"], secret_key=creds["secret_key"], passphrase=creds["passphrase"]
        )

    @property
    def rejections(self) -> int:
        """How many requests were answered 429 (all buckets; per bucket:
        `fake.limits.rejections`)."""
        return sum(self.limits.rejections.values())

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``; only while started."""
        if self._url is None:
            raise RuntimeError("FakeExchange is not started")
        return self._url

    @property
    def faults(self) -> Faults:
        """The faults being injected; assigning new ones restarts the draws from their seed."""
        return self._injector.faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        self._injector.faults = faults

    @property
    def ws_url(self) -> str:
        """``ws://127.0.0.1:<port>/ws/v5/business``; only while started."""
        return self.url.replace("http://", "ws://", 1) + WS_PATH

    @property
    def ws_faults(self) -> WsFaults:
        """The WebSocket faults being injected; assigning restarts the draws."""
        return self.ws.faults.faults

    @ws_faults.setter
    def ws_faults(self, faults: WsFaults) -> None:
        self.ws.faults.faults = faults

    def settle(self) -> None:
        """Stop the activity and move every unsettled record to its final state now
        (each change pushed); the records' states are final from then on."""
        if self.activity is not None:
            self._stop_activity()
            self.activity.settle(self._now_ms())

    def start_activity(self) -> None:
        """Start the activity loop (when ``Activity(paused=True)`` held it back)."""
        if self.activity is not None and self._activity_task is None and self._url:
            self._activity_task = asyncio.create_task(self._run_activity(self.activity))

    async def _run_activity(self, driver: ActivityDriver) -> None:
        while True:
            await asyncio.sleep(driver.activity.tick)
            driver.step(self._now_ms())

    def _stop_activity(self) -> None:
        if self._activity_task is not None:
            self._activity_task.cancel()

    def _ws_route(self) -> Middleware:
        """Serves the WebSocket path before the REST middlewares see the request."""

        @web.middleware
        async def business(request: web.Request, handler: Handler) -> web.StreamResponse:
            if request.path == WS_PATH:
                refused = await self.limits.refused(request)  # the connection limit
                return await self.ws.handle(request) if refused is None else refused
            return await handler(request)

        return business

    @property
    def injected(self) -> Counter[str]:
        """How many faults were injected so far, by kind (see ``Faults``)."""
        return self._injector.injected

    def _now_ms(self) -> int:
        """The server clock, epoch milliseconds (the one place time is read)."""
        return int(time.time() * 1000) + self.clock_skew_ms

    def _backend(self) -> Backend:
        secrets = Secrets(**self._credentials)
        return Backend(self.state, secrets, clock=self._now_ms, requests=self.requests)

    async def start(self) -> None:
        """Start serving; does nothing if already started (`async with` calls it).

        Raises:
            OSError: The port cannot be bound (e.g. already in use).
        """
        if self._runner is not None:
            return
        outer, inner = self.limits.middlewares()
        inner = [*inner, self._injector.middleware()]  # a refused request is not faulted
        app = make_app(self._backend(), [self._ws_route(), *self._outer, *outer], inner)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self._url = f"http://{host}:{port}"
        if self.activity is not None and not self.activity.activity.paused:
            self.start_activity()

    async def close(self) -> None:
        """Stop serving and release the socket; safe to call more than once."""
        runner, self._runner, self._url = self._runner, None, None
        task, self._activity_task = self._activity_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.ws.abort_all()
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
