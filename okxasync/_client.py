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

from ._decoding import decode
from ._endpoints import Endpoint
from ._errors import APIError, OkxError, TransportError, ValidationError
from ._params import encode
from ._ratelimit import Limiter, Priority, Rate, RateLimitStats, Scheduler, check_rates
from ._resources import FundingApi, OtcApi
from ._retry import RetryPolicy
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
            self._session = aiohttp.ClientSession(
                headers=headers, timeout=aiohttp.ClientTimeout(total=self.timeout)
            )
        return self._session

    def _now_ms(self) -> int:
        return time.time_ns() // 1_000_000

    async def request(
        self,
        endpoint: Endpoint[R],
        args: Mapping[str, object],
        *,
        priority: Priority = Priority.DIRECT,
    ) -> list[R]:
        """Send one call of ``endpoint`` with ``args`` (snake_case) and decode its records.

        Raises :class:`ValidationError` before sending anything for a bad argument, and
        otherwise retries as :class:`RetryPolicy` decides before raising.
        """
        prepared = _prepare(endpoint, encode(endpoint.params, args))
        session = self._http()
        for attempt in itertools.count(1):
            try:
                async with self._scheduler.slot(endpoint.group, priority):
                    return await self._attempt(session, endpoint, prepared)
            except OkxError as error:
                delay = self.retry.delay(
                    error,
                    attempt,
                    retry_safe=endpoint.retry_safe,
                    window=self._scheduler.window(endpoint.group),
                )
                if delay is None:
                    raise
                logger.info(
                    "retrying %s %s in %.2f s after attempt %d: %s",
                    endpoint.method,
                    endpoint.path,
                    delay,
                    attempt,
                    error,
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _attempt(
        self, session: aiohttp.ClientSession, endpoint: Endpoint[R], prepared: _Prepared
    ) -> list[R]:
        status, headers, data = await self._send(session, prepared)
        try:
            return decode(endpoint.record, data, status)
        except APIError as error:
            error.retry_after = _retry_after(headers.get("Retry-After"))
            raise

    async def _send(
        self, session: aiohttp.ClientSession, prepared: _Prepared
    ) -> tuple[int, Mapping[str, str], bytes]:
        method, path, body = prepared.method, prepared.path, prepared.body
        headers = self._credentials.headers(self._now_ms(), method, path, body)
        started = time.monotonic()
        try:
            async with session.request(
                method,
                URL(self.base_url + path, encoded=True),
                data=body.encode() if body else None,
                headers=headers,
            ) as response:
                data = await response.read()
        except asyncio.TimeoutError:
            raise TransportError(
                f"{method} {_bare(path)} timed out after {self.timeout} s"
            ) from None
        except aiohttp.ClientError as exc:
            raise TransportError(
                f"{method} {_bare(path)} failed: {type(exc).__name__}: {exc}"
            ) from None
        logger.debug(
            "%s %s -> HTTP %d in %.1f ms",
            method,
            _bare(path),
            response.status,
            (time.monotonic() - started) * 1000,
        )
        return response.status, response.headers, data


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
