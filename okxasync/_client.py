"""The client and its one request pipeline: encode -> schedule -> sign -> send -> decode."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from types import TracebackType
from typing import TypeVar
from urllib.parse import urlencode, urlsplit

import aiohttp
import msgspec
from yarl import URL

from . import _endpoints as ep
from ._clock import ServerClock
from ._decoding import decode
from ._endpoints import Endpoint
from ._errors import APIError, OkxError, ResponseError, TransportError, ValidationError
from ._params import encode
from ._ratelimit import Limiter, Priority, Rate, RateLimitStats, Scheduler, check_rates
from ._resources import FundingApi, OtcApi
from ._retry import RetryPolicy, clock_rejected
from ._signing import Credentials, mask

__all__ = ["OKLINK", "OKX", "Client"]

OKLINK = "https://www.oklink.com"
OKX = "https://www.okx.com"
_LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}

logger = logging.getLogger("okxasync")
R = TypeVar("R")


class Client:
    """An async client for the OKLink/OKX V5 funding and OTC RFQ API.

    Use it as ``async with Client(...) as client:``; it owns one aiohttp session
    (created on first use, inside the running loop) and one rate-limit scheduler.
    ``rate_limits`` overrides or adds group rates; ``limiter`` is where the windows
    live (default: this process; ``RedisLimiter`` shares one budget between processes).
    Credentials default to ``OKX_API_KEY``, ``OKX_SECRET_KEY``, ``OKX_PASSPHRASE``.
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
        base_url: str = OKLINK,
        demo: bool = False,
        timeout: float = 10.0,
        rate_limits: Mapping[str, Rate] | None = None,
        limiter: Limiter | None = None,
        retry: RetryPolicy | None = None,
        clock_sync: float | None = None,
    ) -> None:
        self._credentials = _credentials(api_key, secret_key, passphrase)
        self.base_url = _check_base_url(base_url)
        self.demo = demo
        if not timeout > 0:
            raise ValidationError(f"timeout must be positive seconds, got {timeout!r}")
        self.timeout = timeout
        if limiter is not None and not isinstance(limiter, Limiter):
            raise ValidationError(f"limiter must implement okxasync.Limiter, got {limiter!r}")
        self._scheduler = Scheduler(check_rates(rate_limits), limiter)
        self.retry = retry or RetryPolicy()
        self._clock = ServerClock(clock_sync)
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    def __repr__(self) -> str:
        return (
            f"Client(api_key={mask(self._credentials.api_key)!r}, base_url={self.base_url!r}, "
            f"demo={self.demo!r})"
        )

    @cached_property
    def funding(self) -> FundingApi:
        """Deposits, withdrawals, balances and bills (rate group ``funding``)."""
        return FundingApi(self)

    @cached_property
    def otc(self) -> OtcApi:
        """OTC RFQ quotes and trades (rate group ``otc``)."""
        return OtcApi(self)

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
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()
        await self._scheduler.limiter.aclose()

    @property
    def rate_limits(self) -> Mapping[str, Rate]:
        """The rate of every group this client schedules (defaults plus ``rate_limits=``)."""
        return self._scheduler.rates

    def rate_limit_stats(self) -> dict[str, RateLimitStats]:
        """Per-group counters: requests sent, server rejections, time spent waiting."""
        return self._scheduler.stats()

    def _http(self) -> aiohttp.ClientSession:
        if self._closed:
            raise OkxError("this Client is closed")
        if self._session is None:
            headers = {"Content-Type": "application/json", "Accept": "application/json"}
            if self.demo:
                headers["x-simulated-trading"] = "1"
            session = aiohttp.ClientSession(
                headers=headers, timeout=aiohttp.ClientTimeout(total=self.timeout)
            )
            # aiohttp silently resends a GET once when a kept-alive connection turns out
            # closed; that resend would bypass the rate-limit scheduler, so our own retry
            # loop handles it instead. (No public switch exists; aiohttp's test client
            # sets the same attribute.)
            session._retry_connection = False
            self._session = session
        return self._session

    @property
    def clock_offset_ms(self) -> int:
        """Milliseconds added to the local clock when signing (server time minus local)."""
        return self._clock.offset_ms

    async def sync_clock(self) -> int:
        """Learn the offset to the server's clock now (``GET /api/v5/public/time``).

        Returns the offset in milliseconds. The client also does this by itself when the
        server refuses a timestamp, and periodically with ``clock_sync=``.
        """
        return await self._clock.sync(self._server_time_ms)

    async def _server_time_ms(self) -> int:
        records = await self.request(ep.SERVER_TIME, {})
        if not records or records[0].ts_ms is None:
            raise ResponseError("server time: the answer has no ts", 200, b"")
        return records[0].ts_ms

    def _now_ms(self) -> int:
        """The time to sign with, epoch ms: the local clock plus the server offset."""
        return self._clock.now_ms()

    async def request(
        self,
        endpoint: Endpoint[R],
        args: Mapping[str, object],
        *,
        priority: Priority = Priority.DIRECT,
    ) -> list[R]:
        """Send one call of ``endpoint`` with ``args`` (snake_case) and decode its records.

        Raises :class:`ValidationError` before sending anything for a bad argument, and
        otherwise retries as :class:`RetryPolicy` decides before raising. A refused
        timestamp (50102 / 50112) makes the client sync its clock and re-sign once.
        """
        prepared = _prepare(endpoint, encode(endpoint.params, args))
        session = self._http()
        if endpoint.signed:
            await self._clock.sync_if_due(self._server_time_ms)
        started = time.monotonic()
        resyncs = 0  # the one re-signed try after a clock sync is not a retry
        for attempt in itertools.count(1):
            signed_at = time.monotonic()
            try:
                return await self._attempt(session, endpoint, prepared, priority, attempt)
            except OkxError as error:
                if resyncs == 0 and endpoint.signed and clock_rejected(error):
                    resyncs = 1
                    await self._resync(error, signed_at)
                    continue
                delay = self._retry_delay(error, endpoint, attempt - resyncs, started)
                if delay is None:
                    raise
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _resync(self, error: OkxError, since: float) -> None:
        """Sync the clock after ``error`` refused a timestamp; raise ``error`` if that fails."""
        logger.warning("timestamp refused (%s); syncing the clock with the server", error)
        try:
            await self._clock.sync(self._server_time_ms, unless_since=since)
        except OkxError as sync_error:
            logger.warning("clock sync failed: %s", sync_error)
            raise error from sync_error

    def _retry_delay(
        self, error: OkxError, endpoint: Endpoint[R], attempt: int, started: float
    ) -> float | None:
        delay = self.retry.delay(
            error,
            attempt,
            retry_safe=endpoint.retry_safe,
            window=self._scheduler.window(endpoint.group),
            elapsed=time.monotonic() - started,
        )
        if delay is not None:
            logger.info(
                "retrying %s %s in %.2f s after attempt %d: %s",
                endpoint.method,
                endpoint.path,
                delay,
                attempt,
                error,
            )
        return delay

    async def _attempt(
        self,
        session: aiohttp.ClientSession,
        endpoint: Endpoint[R],
        prepared: _Prepared,
        priority: Priority,
        attempt: int,
    ) -> list[R]:
        queued = time.monotonic()
        # The slot's block covers the decoding: a rejection raised there frees it as such.
        async with self._scheduler.slot(endpoint.group, priority):
            trace = _Trace(attempt, time.monotonic() - queued)
            status, headers, data = await self._send(session, endpoint.signed, prepared, trace)
            try:
                return decode(endpoint.record, data, status)
            except APIError as error:
                error.retry_after = _retry_after(headers.get("Retry-After"))
                raise

    async def _send(
        self, session: aiohttp.ClientSession, signed: bool, prepared: _Prepared, trace: _Trace
    ) -> tuple[int, Mapping[str, str], bytes]:
        """One HTTP exchange. Raises :class:`TransportError` (``maybe_sent`` as documented)."""
        method, path, body = prepared.method, prepared.path, prepared.body
        # AuthHeaders masks the passphrase and signature in its repr (tracebacks, debuggers).
        headers = self._credentials.headers(self._now_ms(), method, path, body) if signed else {}
        started = time.monotonic()
        try:
            async with session.request(
                method,
                URL(self.base_url + path, encoded=True),
                data=body.encode() if body else None,
                headers=headers,
            ) as response:
                data = await response.read()
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            # The connection was never established: nothing reached the server.
            trace.log(method, path, f"not connected ({type(exc).__name__})", started)
            raise TransportError(
                f"{method} {_bare(path)} could not connect: {exc}", maybe_sent=False
            ) from None
        except asyncio.TimeoutError:
            trace.log(method, path, "timed out", started)
            raise TransportError(
                f"{method} {_bare(path)} timed out after {self.timeout} s"
            ) from None
        except aiohttp.ClientError as exc:
            trace.log(method, path, f"failed ({type(exc).__name__})", started)
            raise TransportError(
                f"{method} {_bare(path)} failed: {type(exc).__name__}: {exc}"
            ) from None
        trace.log(method, path, response.status, started)
        return response.status, response.headers, data


@dataclass(frozen=True)
class _Trace:
    """What one attempt's log line reports besides the request: its number and the
    seconds it waited in the rate-limit scheduler."""

    attempt: int
    rate_wait: float

    def log(self, method: str, path: str, outcome: int | str, started: float) -> None:
        """One line per HTTP attempt: method, path, status (or failure), latency, attempt,
        rate-limit wait; also as ``okx_*`` attributes of the log record. Never headers."""
        latency_ms = (time.monotonic() - started) * 1000
        status = f"HTTP {outcome}" if isinstance(outcome, int) else outcome
        logger.log(
            logging.DEBUG if isinstance(outcome, int) and outcome < 400 else logging.INFO,
            "%s %s -> %s in %.1f ms (attempt %d, rate-limit wait %.3f s)",
            method,
            _bare(path),
            status,
            latency_ms,
            self.attempt,
            self.rate_wait,
            extra={
                "okx_method": method,
                "okx_path": _bare(path),
                "okx_status": outcome if isinstance(outcome, int) else None,
                "okx_latency_ms": latency_ms,
                "okx_attempt": self.attempt,
                "okx_rate_wait_s": self.rate_wait,
            },
        )


@dataclass(frozen=True)
class _Prepared:
    """A request ready to sign: ``path`` includes the query string exactly as sent."""

    method: str
    path: str
    body: str


def _prepare(endpoint: Endpoint[R], wire: Mapping[str, str]) -> _Prepared:
    if endpoint.method == "GET":
        query = urlencode(wire, safe=",")
        return _Prepared("GET", endpoint.path + ("?" + query if query else ""), "")
    return _Prepared(endpoint.method, endpoint.path, msgspec.json.encode(wire).decode())


def _retry_after(value: str | None) -> float | None:
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and 0 <= seconds < 3600 else None


def _bare(path: str) -> str:
    return path.split("?", 1)[0]


def _credentials(
    api_key: str | None, secret_key: str | None, passphrase: str | None
) -> Credentials:
    given = {"OKX_API_KEY": api_key, "OKX_SECRET_KEY": secret_key, "OKX_PASSPHRASE": passphrase}
    values = {name: value or os.environ.get(name, "") for name, value in given.items()}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise ValidationError(
            "missing credentials: pass them to Client() or set " + ", ".join(missing)
        )
    return Credentials(values["OKX_API_KEY"], values["OKX_SECRET_KEY"], values["OKX_PASSPHRASE"])


def _check_base_url(base_url: str) -> str:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(f"base_url must be an http(s) URL, got {base_url!r}")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise ValidationError(
            "base_url must use https (plain http is allowed only for "
            f"loopback test servers), got {base_url!r}"
        )
    return base_url.rstrip("/")
