"""The one request pipeline: encode -> schedule -> sign -> send -> decode, with retries.

:class:`Pipeline` is what resources and iterators call (``request(endpoint, args)``); it
owns no network code (a :class:`~okxasync._http.transport.Transport` sends) and no
configuration checks (the ``Client`` does those).
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
import re
import time
from collections.abc import Mapping
from typing import TypeVar
from urllib.parse import quote_plus

import msgspec

from .._endpoints.base import Endpoint
from .._endpoints.public import SERVER_TIME
from .._errors import APIError, OkxError, ResponseError
from .._ratelimit import Priority, Scheduler
from .._ratelimit.rules import Claim
from .clock import ServerClock
from .connector import Request
from .decode import decode
from .retry import RetryPolicy, clock_rejected, retry_after
from .signing import Credentials
from .transport import Transport

__all__ = ["Pipeline"]

logger = logging.getLogger("okxasync")
R = TypeVar("R")


class Pipeline:
    """Sends calls of :class:`Endpoint` s: validated, rate-limited, signed, retried, decoded."""

    def __init__(
        self,
        credentials: Credentials,
        transport: Transport,
        scheduler: Scheduler,
        retry: RetryPolicy,
        clock: ServerClock,
    ) -> None:
        self.credentials = credentials
        self.transport = transport
        self.scheduler = scheduler
        self.retry = retry
        self.clock = clock

    async def server_time_ms(self) -> int:
        """The server's clock now, epoch ms (``GET /api/v5/public/time``)."""
        records = await self.request(SERVER_TIME, {})
        if not records or records[0].ts_ms is None:
            raise ResponseError("server time: the answer has no ts", 200, b"")
        return records[0].ts_ms

    async def sync_clock(self) -> int:
        """Learn the offset to the server's clock now; returns it in ms."""
        return await self.clock.sync(self.server_time_ms)

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
        timestamp (50102 / 50112) makes the client sync its clock and re-sign once. The
        retry deadline counts from now: a proactive clock sync and the first wait in the
        rate-limit queue are part of it.
        """
        wire = endpoint.encode(args)
        method, path, body = _prepare(endpoint, wire)
        claims = endpoint.claims(wire)
        started = time.monotonic()
        clock = self.clock
        if endpoint.signed and clock.sync_every is not None and clock.due():
            await self._sync_before(endpoint)
        resyncs = 0  # the one re-signed try after a clock sync is not a retry
        for attempt in itertools.count(1):
            signed_at = time.monotonic()
            try:
                return await self._attempt(
                    endpoint, claims, (method, path, body), priority, attempt
                )
            except OkxError as error:
                if resyncs == 0 and endpoint.signed and clock_rejected(error):
                    resyncs = 1
                    await self._resync(error, signed_at)
                    continue
                delay = self._retry_delay(error, endpoint, claims, attempt - resyncs, started)
                if delay is None:
                    raise
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _sync_before(self, endpoint: Endpoint[R]) -> None:
        """The proactive clock sync: a failure is logged, and the call goes on with the
        offset known (were it off, the refusal would sync again). So a withdrawal is never
        failed, nor its outcome called unknown, by a request it did not send."""
        try:
            await self.clock.sync_if_due(self.server_time_ms)
        except OkxError as error:
            logger.warning("clock sync before %s failed: %s", endpoint.path, error)

    async def _resync(self, error: OkxError, since: float) -> None:
        """Sync the clock after ``error`` refused a timestamp; raise ``error`` if that fails."""
        logger.warning("timestamp refused (%s); syncing the clock with the server", error)
        try:
            await self.clock.sync(self.server_time_ms, unless_since=since)
        except OkxError as sync_error:
            logger.warning("clock sync failed: %s", sync_error)
            raise error from sync_error

    def _retry_delay(
        self,
        error: OkxError,
        endpoint: Endpoint[R],
        claims: tuple[Claim, ...],
        attempt: int,
        started: float,
    ) -> float | None:
        delay = self.retry.delay(
            error,
            attempt,
            retry_safe=endpoint.retry_safe,
            window=self.scheduler.window(claims),
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
        endpoint: Endpoint[R],
        claims: tuple[Claim, ...],
        wire: tuple[str, str, str],
        priority: Priority,
        attempt: int,
    ) -> list[R]:
        """One attempt: a slot, the request signed now (after any wait for the slot), sent
        and decoded.

        The signed headers are an ``AuthHeaders``: no mapping, with a masked repr, so no
        frame shows the signature or passphrase (tracebacks, debuggers, error trackers).
        A withdrawal or trade (not ``retry_safe``) asks for a new connection: a kept-alive
        one the server closed while it sat idle would make its outcome unknown. The
        request's ``on_sent`` tells the scheduler when it was written.
        """
        scheduler = self.scheduler
        # As ``async with scheduler.slot(...)``, without its two coroutines: the slot is
        # taken at once when there is room (no await: nothing can cancel in between), and
        # finish() is told how the attempt ended, decoding included (a rejection raised
        # there frees the slot as such).
        slot = scheduler.take_at_once(claims, priority)
        if slot is None:
            queued = time.monotonic()
            slot = await scheduler.queue_for(claims, priority)
            rate_wait = time.monotonic() - queued
        else:
            rate_wait = 0.0
        try:
            method, path, body = wire
            auth = None
            if endpoint.signed:
                auth = self.credentials.headers(self.clock.now_ms(), method, path, body)
            on_sent = functools.partial(scheduler.sent, slot)
            request = Request(
                method, path, body, auth, not endpoint.retry_safe, attempt, rate_wait, on_sent
            )
            exchange = await self.transport.send(request)
            try:
                records = decode(endpoint.record, exchange.body, exchange.status)
            except APIError as error:
                error.retry_after = retry_after(exchange.headers.get("Retry-After"))
                raise
        except BaseException as error:
            scheduler.finish(slot, error)
            raise
        scheduler.finish(slot, None)
        return records


def _prepare(endpoint: Endpoint[R], wire: Mapping[str, str]) -> tuple[str, str, str]:
    """``(method, path with query, body)`` exactly as they are signed and sent."""
    if endpoint.method == "GET":
        if not wire:
            return "GET", endpoint.path, ""
        return "GET", endpoint.path + "?" + query_string(wire), ""
    return endpoint.method, endpoint.path, msgspec.json.encode(wire).decode()


#: Characters ``urlencode(..., safe=",")`` leaves as they are.
_PLAIN = re.compile(r"[A-Za-z0-9_.~,-]*")


def query_string(wire: Mapping[str, str]) -> str:
    """``urlencode(wire, safe=",")``, without quoting what needs none (most values: codes,
    numbers, ids), which is most of its cost."""
    return "&".join([f"{_quote(key)}={_quote(value)}" for key, value in wire.items()])


def _quote(text: str) -> str:
    if (text.isascii() and text.isalnum()) or _PLAIN.fullmatch(text):
        return text
    return quote_plus(text, safe=",")
