"""The client: configuration, the namespaces (``funding``, ``otc``, ``convert``) and the
lifecycle."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from types import TracebackType

from ._config import Given, credentials, seconds
from ._config import base_url as resolve_base_url
from ._errors import ValidationError
from ._http.clock import ServerClock
from ._http.pipeline import Pipeline
from ._http.retry import RetryPolicy
from ._http.signing import mask
from ._http.transport import DEFAULT_MAX_BODY, AiohttpTransport
from ._ratelimit import Limiter, Rate, RateLimitStats, Scheduler, check_rates
from ._resources import ConvertApi, FundingApi, OtcApi
from ._ws.events import Events
from ._ws.timing import WatchTiming
from ._ws.urls import business_url, check_ws_url

__all__ = ["Client"]


class Client:
    """An async client for the OKLink / OKX V5 REST API.

    Use it as `async with Client() as client:` (or call `await client.aclose()`). It owns
    one HTTP session (opened on first use, inside the running loop), one rate-limit scheduler
    and one server-clock offset: create one per account and share it between tasks. Its
    calls are in the namespaces [`funding`][okxasync.Client.funding] and
    [`otc`][okxasync.Client.otc]. `repr(client)`, logs and exceptions never show the secret
    key or the passphrase.

    Args:
        api_key: The API key; by default the `OKX_API_KEY` environment variable.
        secret_key: The secret key; by default `OKX_SECRET_KEY`.
        passphrase: The API key's passphrase; by default `OKX_PASSPHRASE`.
        base_url: The host: [`OKLINK`][okxasync.OKLINK], [`OKX`][okxasync.OKX], or a
            loopback emulator's URL; by default `OKX_BASE_URL`, else `OKLINK`. Plain `http`
            is refused except to loopback, and so is a port outside 1-65535.
        demo: Send `x-simulated-trading: 1` (OKX demo trading).
        timeout: Seconds each HTTP attempt may take.
        rate_limits: Rates that override the defaults, by bucket name, e.g.
            `{"otc": Rate(1, 2.0), "transfer": Rate(1, 1.0)}`; an unknown name raises
            `ValidationError`.
        limiter: Where the rate windows live: by default this process
            ([`LocalLimiter`][okxasync.LocalLimiter]); a
            [`RedisLimiter`][okxasync.RedisLimiter] shares one budget between processes.
        retry: How reads are retried and ambiguous withdrawals and trades are looked up
            (default: `RetryPolicy()`).
        clock_sync: Seconds between proactive clock syncs (before the first signed request
            and whenever the last sync is older; a failed one is logged and the call goes
            on); by default the client syncs only when the server refuses a timestamp.
        max_response_bytes: The largest response body read (default 16 MiB; a compressed
            body counts decompressed); a larger one raises
            [`ResponseError`][okxasync.ResponseError].
        ws_url: The private business WebSocket of the event streams
            (`funding.watch_deposits()` ...); by default derived from `base_url` (OKX hosts:
            their `..._WS`, with `demo` their `..._DEMO_WS`; a loopback emulator: its own;
            OKLink: none, so streams poll over REST). `wss://`, or `ws://` to loopback only.
        watch_timing: Heartbeat, reconnect backoff and gap-filling intervals of the event
            streams ([`WatchTiming`][okxasync.WatchTiming]).

    Raises:
        ValidationError: A credential is missing (each missing variable is named), or
            `base_url`, `timeout`, `limiter`, `ws_url` or `watch_timing` is not acceptable.
    """

    def __init__(
        self,
        api_key: str | None = None,
        secret_key: str | None = None,
        passphrase: str | None = None,
        *,
        base_url: str | None = None,
        demo: bool = False,
        timeout: float = 10.0,
        rate_limits: Mapping[str, Rate] | None = None,
        limiter: Limiter | None = None,
        retry: RetryPolicy | None = None,
        clock_sync: float | None = None,
        max_response_bytes: int = DEFAULT_MAX_BODY,
        ws_url: str | None = None,
        watch_timing: WatchTiming | None = None,
    ) -> None:
        # First, before anything can raise: no frame of an error keeps a secret.
        given = Given(api_key, secret_key, passphrase)
        del api_key, secret_key, passphrase
        creds = credentials(given)
        self.base_url = resolve_base_url(base_url)
        if not isinstance(demo, bool):
            raise ValidationError(f"demo must be True or False, got {demo!r}")
        self.demo = demo
        self.timeout = timeout = seconds("timeout", timeout)
        if not (
            isinstance(max_response_bytes, int)
            and not isinstance(max_response_bytes, bool)
            and max_response_bytes > 0
        ):
            raise ValidationError(
                f"max_response_bytes must be a positive int: {max_response_bytes!r}"
            )
        if limiter is not None and not isinstance(limiter, Limiter):
            raise ValidationError(f"limiter must implement okxasync.Limiter, got {limiter!r}")
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise ValidationError(f"retry must be a RetryPolicy, got {retry!r}")
        self._pipeline = Pipeline(
            creds,
            AiohttpTransport(
                self.base_url, timeout=timeout, demo=demo, max_body=max_response_bytes
            ),
            Scheduler(check_rates(rate_limits), limiter, hold=timeout),
            retry or RetryPolicy(),
            ServerClock(None if clock_sync is None else seconds("clock_sync", clock_sync)),
        )
        if watch_timing is not None and not isinstance(watch_timing, WatchTiming):
            raise ValidationError(f"watch_timing must be a WatchTiming, got {watch_timing!r}")
        self._events = Events(
            self._pipeline,
            business_url(self.base_url, demo) if ws_url is None else check_ws_url(ws_url),
            watch_timing or WatchTiming(),
        )

    def __repr__(self) -> str:
        pipeline = getattr(self, "_pipeline", None)  # None: __init__ raised (a traceback)
        api_key = mask(pipeline.credentials.api_key) if pipeline is not None else None
        base, demo = getattr(self, "base_url", None), getattr(self, "demo", None)
        return f"Client(api_key={api_key!r}, base_url={base!r}, demo={demo!r})"

    @cached_property
    def funding(self) -> FundingApi:
        """The funding account: balances, deposits, withdrawals, bills
        ([`FundingApi`][okxasync._resources.FundingApi]).
        """
        return FundingApi(self._pipeline, self._events)

    @cached_property
    def otc(self) -> OtcApi:
        """OTC RFQ quotes and trades ([`OtcApi`][okxasync._resources.OtcApi])."""
        return OtcApi(self._pipeline)

    @cached_property
    def convert(self) -> ConvertApi:
        """OKX Convert: quotes and trades between currencies (rate group ``funding``)."""
        return ConvertApi(self._pipeline)

    @property
    def ws_url(self) -> str | None:
        """The private business WebSocket the event streams use; ``None`` when the host
        has none (OKLink): streams then poll over REST."""
        return self._events.ws_url

    @property
    def retry(self) -> RetryPolicy:
        """The retry policy every call of this client follows."""
        return self._pipeline.retry

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP session and the limiter's connections. Safe to call more than once.

        Calls waiting for a rate-limit slot, calls in flight and later calls raise
        [`ClientClosedError`][okxasync.ClientClosedError] (a withdrawal or trade in flight:
        `OutcomeUnknownError`); none of them is retried or takes a slot of the limiter.

        A limiter shared with other clients reconnects by itself when they next use it.
        Cancelled, it still closes what comes after the step it was cancelled in (each
        step runs whatever happened to the one before); a cancelled step is finished by
        the next `aclose()`.
        """
        self._pipeline.scheduler.close()  # calls waiting for a slot fail now, sending nothing
        try:
            await self._events.aclose()
        finally:
            try:
                await self._pipeline.transport.aclose()
            finally:
                await self._pipeline.scheduler.limiter.aclose()

    @property
    def rate_limits(self) -> Mapping[str, Rate]:
        """The rate of every bucket this client knows, by name (defaults plus
        ``rate_limits=``)."""
        return self._pipeline.scheduler.rates

    def rate_limit_stats(self) -> dict[str, RateLimitStats]:
        """Counters of the rate-limit scheduler, per bucket (and per key of a keyed one).

        Returns:
            A snapshot per bucket name: [`RateLimitStats`][okxasync.RateLimitStats] (calls
            sent, server rejections, time spent waiting, tasks waiting now, peak units in
            one window; `.keys` per key of a keyed bucket such as `transfer`).
        """
        return self._pipeline.scheduler.stats()

    @property
    def clock_offset_ms(self) -> int:
        """Milliseconds added to the local clock when signing (server time minus local)."""
        return self._pipeline.clock.offset_ms

    async def sync_clock(self) -> int:
        """Learn the offset to the server's clock now.

        `GET /api/v5/public/time` · rate bucket `public` · Permission: none (public)

        The client also does this by itself when the server refuses a timestamp (50102, 50112),
        and periodically with `clock_sync=`.

        Returns:
            The offset, in milliseconds (server time minus local time), also in
            [`clock_offset_ms`][okxasync.Client.clock_offset_ms].

        Raises:
            TransportError: The network failed, after retries.
            ResponseError: The answer is not a valid envelope or time, after retries.
            APIError: The server refused the call.
        """
        return await self._pipeline.sync_clock()
