"""The client: configuration, the namespaces (``funding``, ``otc``, ``convert``) and the
lifecycle."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from types import TracebackType

from ._config import base_url as resolve_base_url
from ._config import credentials
from ._errors import ValidationError
from ._http.clock import ServerClock
from ._http.pipeline import Pipeline
from ._http.retry import RetryPolicy
from ._http.signing import mask
from ._http.transport import DEFAULT_MAX_BODY, AiohttpTransport
from ._ratelimit import Limiter, Rate, RateLimitStats, Scheduler, check_rates
from ._resources import ConvertApi, FundingApi, OtcApi

__all__ = ["Client"]


class Client:
    """An async client for the OKLink/OKX V5 funding and OTC RFQ API.

    Use it as ``async with Client(...) as client:``; it owns one aiohttp session
    (created on first use, inside the running loop) and one rate-limit scheduler.
    ``rate_limits`` overrides or adds group rates; ``limiter`` is where the windows
    live (default: this process; ``RedisLimiter`` shares one budget between processes).
    Credentials default to ``OKX_API_KEY``, ``OKX_SECRET_KEY``, ``OKX_PASSPHRASE``, and
    ``base_url`` to ``OKX_BASE_URL``, else ``OKLINK``; a bad ``base_url`` (not https except
    to loopback, a bad port) raises :class:`ValidationError` here.
    ``max_response_bytes`` caps a response body (default 16 MiB): a larger one raises
    :class:`ResponseError`.
    ``retry`` bounds retries (see :class:`RetryPolicy`); ``clock_sync`` (seconds) turns on
    proactive clock syncing: before the first signed request and then whenever the
    last sync is older than that. Without it the client syncs only when the server
    refuses a timestamp.
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
    ) -> None:
        creds = credentials(api_key, secret_key, passphrase)
        self.base_url = resolve_base_url(base_url)
        self.demo = demo
        if not timeout > 0:
            raise ValidationError(f"timeout must be positive seconds, got {timeout!r}")
        self.timeout = timeout
        if not (isinstance(max_response_bytes, int) and max_response_bytes > 0):
            raise ValidationError(
                f"max_response_bytes must be a positive int: {max_response_bytes!r}"
            )
        if limiter is not None and not isinstance(limiter, Limiter):
            raise ValidationError(f"limiter must implement okxasync.Limiter, got {limiter!r}")
        self._pipeline = Pipeline(
            creds,
            AiohttpTransport(
                self.base_url, timeout=timeout, demo=demo, max_body=max_response_bytes
            ),
            Scheduler(check_rates(rate_limits), limiter),
            retry or RetryPolicy(),
            ServerClock(clock_sync),
        )

    def __repr__(self) -> str:
        return (
            f"Client(api_key={mask(self._pipeline.credentials.api_key)!r}, "
            f"base_url={self.base_url!r}, demo={self.demo!r})"
        )

    @cached_property
    def funding(self) -> FundingApi:
        """Deposits, withdrawals, balances and bills (rate group ``funding``)."""
        return FundingApi(self._pipeline)

    @cached_property
    def otc(self) -> OtcApi:
        """OTC RFQ quotes and trades (rate group ``otc``)."""
        return OtcApi(self._pipeline)

    @cached_property
    def convert(self) -> ConvertApi:
        """OKX Convert: quotes and trades between currencies (rate group ``funding``)."""
        return ConvertApi(self._pipeline)

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

        A limiter shared with other clients reconnects by itself when they next use it.
        """
        await self._pipeline.transport.aclose()
        await self._pipeline.scheduler.limiter.aclose()

    @property
    def rate_limits(self) -> Mapping[str, Rate]:
        """The rate of every group this client schedules (defaults plus ``rate_limits=``)."""
        return self._pipeline.scheduler.rates

    def rate_limit_stats(self) -> dict[str, RateLimitStats]:
        """Per-group counters: requests sent, server rejections, time spent waiting."""
        return self._pipeline.scheduler.stats()

    @property
    def clock_offset_ms(self) -> int:
        """Milliseconds added to the local clock when signing (server time minus local)."""
        return self._pipeline.clock.offset_ms

    async def sync_clock(self) -> int:
        """Learn the offset to the server's clock now (``GET /api/v5/public/time``).

        Returns the offset in milliseconds. The client also does this by itself when the
        server refuses a timestamp, and periodically with ``clock_sync=``.
        """
        return await self._pipeline.sync_clock()
