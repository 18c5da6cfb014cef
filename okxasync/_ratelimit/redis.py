"""``RedisLimiter``: rate-limit windows shared by every process and host of one account.

Each window (a bucket, and one value of its key) is a Redis sorted set whose members are
admitted units scored by the moment they free (microseconds on the Redis server's clock,
so hosts with different clocks agree): ``okxasync:<account>:<bucket>[:<key>]`` for the
account's buckets, ``okxasync:ip:<ip>:<bucket>`` for per-IP ones. Admission is one atomic
Lua script over every window of the call: drop freed units, then add the call's units
to all of them if each has room, else add nothing and answer how long each full window
needs. Settling (the response arrived) lowers the call's scores to ``now + period`` with
``ZADD XX LT``, in the background. A request written after a short delay (a new
connection) raises them to ``now + period + margin (+ hold)`` with ``ZADD GT``, in the
background too. A request written late (half a period after admission or more: its units
may free before a background update lands, e.g. behind a slow connect) first asks Redis
in one script, and waits: its units are extended, or taken again only if their windows
have room, else it is not written. Needs Redis >= 6.2 and the
``redis`` extra (``pip install "okxasync[redis]"``).

Failures: if Redis cannot be reached (or answers like something that is not Redis)
when a call asks for its slot, nothing is sent and :class:`LimiterUnavailableError` is
raised. Once a call was admitted, a failure to settle or give back its slot is logged and
counted (``settle_failures``), never raised: the units then free at their admission
time plus ``period + margin``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .._errors import LimiterUnavailableError, ValidationError
from .local import Full, Need, Slot
from .rules import DEFAULT_MARGIN, Claim, Rate, check_margin

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["RedisLimiter"]

logger = logging.getLogger("okxasync.ratelimit")

# KEYS: one sorted set per window. ARGV: cost, token, then per window: count, span (us).
_TAKE = """
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local cost, token = tonumber(ARGV[1]), ARGV[2]
local waits, full = {}, false
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  local excess = redis.call('ZCARD', key) + cost - tonumber(ARGV[1 + 2 * i])
  waits[i] = -1
  if excess > 0 then
    local nxt = redis.call('ZRANGE', key, excess - 1, excess - 1, 'WITHSCORES')
    waits[i] = math.max(tonumber(nxt[2]) - now, 0)
    full = true
  end
end
if full then return {0, unpack(waits)} end
for i, key in ipairs(KEYS) do
  local expires = now + tonumber(ARGV[2 + 2 * i])
  for u = 1, cost do redis.call('ZADD', key, expires, token .. ':' .. u) end
  redis.call('PEXPIREAT', key, math.floor(expires / 1000) + 1000)
end
return {1}
"""

# KEYS: the call's windows. ARGV: LT (settle: lower) or GT (sent: raise, or add again a
# unit that freed meanwhile), cost, token, then per window: the span (us) from now after
# which the units free.
_MOVE = """
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local how, cost, token = ARGV[1], tonumber(ARGV[2]), ARGV[3]
for i, key in ipairs(KEYS) do
  local free = now + tonumber(ARGV[3 + i])
  for u = 1, cost do
    if how == 'GT' then  -- sent: the request went, so it counts even if its unit was gone
      redis.call('ZADD', key, 'GT', free, token .. ':' .. u)
    else
      redis.call('ZADD', key, 'XX', 'LT', free, token .. ':' .. u)
    end
  end
  local at, ttl = math.floor(free / 1000) + 1000, redis.call('PTTL', key)
  if how == 'GT' and (ttl < 0 or math.floor(now / 1000) + ttl < at) then
    redis.call('PEXPIREAT', key, at)
  end
end
return 1
"""

# A request written late, half a period or more after admission (its units may free
# before a background update would reach Redis). KEYS: the call's windows. ARGV: cost,
# token, then per window: count, span (us). Every window still holding the call's units,
# or with room to take them again, gets them (freeing ``span`` from now, or later if
# already so): 1. Else nothing changes: 0 (the slot lapsed).
_SENT_CHECKED = """
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local cost, token = tonumber(ARGV[1]), ARGV[2]
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if not redis.call('ZSCORE', key, token .. ':1') then
    if redis.call('ZCARD', key) + cost > tonumber(ARGV[1 + 2 * i]) then return 0 end
  end
end
for i, key in ipairs(KEYS) do
  local free = now + tonumber(ARGV[2 + 2 * i])
  for u = 1, cost do redis.call('ZADD', key, 'GT', free, token .. ':' .. u) end
  local at, ttl = math.floor(free / 1000) + 1000, redis.call('PTTL', key)
  if ttl < 0 or math.floor(now / 1000) + ttl < at then redis.call('PEXPIREAT', key, at) end
end
return 1
"""

_MICROS = 1_000_000


class RedisLimiter:
    """Keeps every rate-limit window in Redis so several processes share one budget.

    `RedisLimiter("redis://127.0.0.1:6379/0", account="main")`: every client of the same
    OKX account (UserID), in any process on any host, must use the same `url` and
    `account`. A call raises [`LimiterUnavailableError`][okxasync.LimiterUnavailableError]
    when Redis is unreachable as it asks for its slot (the request is then not sent).
    `settle_failures` counts slots whose update failed after admission (logged; the
    call's outcome is unaffected).

    Args:
        url: The Redis URL (`redis://`, `rediss://` or `unix://`).
        account: Names the account's budget; the same for every process of the account.
        margin: The safety margin in seconds (default 0.05).
        timeout: Seconds each Redis call may take.
        prefix: The first part of every key.
        ip: Names this host's IP for per-IP buckets (default: the host name).

    Raises:
        ValidationError: An empty `account`, a bad `url`, `margin` or `timeout`.
        ImportError: redis-py is not installed (the `redis` extra).
    """

    def __init__(
        self,
        url: str,
        *,
        account: str,
        margin: float = DEFAULT_MARGIN,
        timeout: float = 1.0,
        prefix: str = "okxasync",
        ip: str | None = None,
    ) -> None:
        _require_redis()
        if not isinstance(account, str) or not account:
            raise ValidationError("RedisLimiter needs a non-empty account name")
        if not timeout > 0:
            raise ValidationError(f"timeout must be positive seconds, got {timeout!r}")
        _check_url(url)
        self.url = url
        self.account = account
        self.margin = check_margin(margin)
        self.timeout = timeout
        self.ip = ip or socket.gethostname()
        self.settle_failures = 0
        self._prefix = prefix
        self._redis: Redis | None = None
        self._closing: list[Redis] = []  # pools aclose() is closing (or a cancel left)
        self._pending: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:
        return f"RedisLimiter({_safe_url(self.url)!r}, account={self.account!r})"

    async def take(self, needs: Sequence[Need], cost: int) -> Slot | Full:
        """As [`Limiter.take`][okxasync.Limiter.take], in one Lua script on the server.

        Args:
            needs: The call's windows and the rate in force for each.
            cost: Units the call takes in each window.

        Returns:
            The call's slot, or `Full`.

        Raises:
            LimiterUnavailableError: Redis cannot be asked (nothing admitted or sent).
        """
        slot = Slot(needs, cost)
        call = asyncio.ensure_future(self._take(slot))
        try:
            # Shielded: if our caller is cancelled mid-call, the script may still have
            # taken the slot; give it back so a cancelled caller consumes nothing.
            return await asyncio.shield(call)
        except asyncio.CancelledError:
            call.add_done_callback(self._give_back_taken)
            raise

    async def _take(self, slot: Slot) -> Slot | Full:
        args = _counts_and_spans(slot, self.margin)
        reply = await self._eval(_TAKE, slot, slot.cost, slot.token, *args)
        if int(reply[0]) == 1:
            return slot
        return Full([None if int(w) < 0 else int(w) / _MICROS for w in reply[1:]])

    def sent(self, slot: Slot, hold: float = 0.0) -> bool | Awaitable[bool]:
        """As [`Limiter.sent`][okxasync.Limiter.sent]. While the slot's units have at
        least `period / 2 + margin` to live (less than `period / 2` since admission, by
        this host's clock, which started counting before Redis did), they are extended in
        the background (added again should they free first) and the answer is `True` at
        once: a request is never delayed by Redis then. A request written later waits
        for one script in Redis: its units are extended if they still hold, taken again
        if they freed and their windows have room; else the slot lapsed (`False`), as it
        does when Redis cannot be asked.

        Args:
            slot: A slot `take` returned.
            hold: Extra seconds to keep the units.

        Returns:
            `True`, or an awaitable of whether the slot still holds.
        """
        since = time.monotonic() - slot.admitted
        if since >= min(rate.period for _, rate in slot.needs) / 2:
            # Asked and awaited: an extension in the background could reach Redis after
            # the units freed and another host took them (both requests would count).
            return self._sent_checked(slot, hold)
        # One more round trip only when it matters (a hold, or a request written late):
        # a small delay since admission is what ``margin`` is there for.
        if hold or since >= self.margin / 5:
            self._move("sent", slot, "GT", self.margin + hold)
        return True

    async def _sent_checked(self, slot: Slot, hold: float) -> bool:
        args = _counts_and_spans(slot, self.margin + hold)
        try:
            reply = await self._eval(_SENT_CHECKED, slot, slot.cost, slot.token, *args)
        except LimiterUnavailableError as exc:
            logger.warning(
                "rate limiter: a slot could not be confirmed before its request (%s); not sent",
                type(exc.__cause__).__name__,
            )
            return False
        return int(reply) == 1

    def settle(self, slot: Slot, answered: bool = True) -> None:
        """As [`Limiter.settle`][okxasync.Limiter.settle], in the background.

        Args:
            slot: A slot `take` returned.
            answered: Whether a response arrived.
        """
        self._move("settle", slot, "LT", 0.0 if answered else self.margin)

    def _move(self, what: str, slot: Slot, how: str, extra: float) -> None:
        """Set the slot's units to free ``period + extra`` from now on the server's
        clock, if that is later (``GT``) or earlier (``LT``) than now set."""
        spans = [_span(rate, extra) for _, rate in slot.needs]
        args: list[int | str] = [how, slot.cost, slot.token, *spans]
        self._background(what, lambda redis: self._eval(_MOVE, slot, *args, on=redis), slot)

    def release(self, slot: Slot) -> None:
        """As [`Limiter.release`][okxasync.Limiter.release], in the background.

        Args:
            slot: A slot `take` returned.
        """
        members = [f"{slot.token}:{u}" for u in range(1, slot.cost + 1)]
        keys = [self._key(claim) for claim, _ in slot.needs]
        self._background("give back", lambda redis: self._zrem(keys, members, redis), slot)

    async def aclose(self) -> None:
        """Finish pending updates (settle, give back), then close the connection pool;
        the next call reconnects. An update of a call still in flight then (its client
        closed) runs on a connection of its own, closed right after: it does not open the
        pool again. Cancelled, `aclose()` leaves the updates running (an update cancelled
        could free units early) and the next `aclose()` finishes the job."""
        while self._pending:
            await asyncio.wait(set(self._pending))  # not gather: a cancel would reach them
        if self._redis is not None:
            self._closing.append(self._redis)  # from now on, updates do not use it
            self._redis = None
        while self._closing:
            await self._closing[0].aclose()
            del self._closing[0]  # only once closed: a cancelled close is finished next time

    def _key(self, claim: Claim) -> str:
        bucket = claim.bucket
        owner = f"ip:{self.ip}" if bucket.scope == "ip" else self.account
        return ":".join([self._prefix, owner, bucket.name, *claim.key])

    async def _eval(
        self, script: str, slot: Slot, *args: int | str, on: Redis | None = None
    ) -> Any:
        """Run ``script`` over ``slot``'s windows, on ``on`` (by default the pool)."""
        from redis.exceptions import RedisError

        keys = [self._key(claim) for claim, _ in slot.needs]
        try:
            return await (on or self._client()).eval(script, len(keys), *keys, *args)
        except (RedisError, OSError) as exc:
            raise LimiterUnavailableError(
                f"rate limiter at {_safe_url(self.url)} is unavailable "
                f"({type(exc).__name__}); the request was not sent"
            ) from exc

    async def _zrem(self, keys: list[str], members: list[str], on: Redis) -> None:
        from redis.exceptions import RedisError

        try:
            async with on.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.zrem(key, *members)
                await pipe.execute()
        except (RedisError, OSError) as exc:
            raise LimiterUnavailableError(f"give back failed ({type(exc).__name__})") from exc

    def _background(self, what: str, update: _Update, slot: Slot) -> None:
        task = asyncio.ensure_future(self._quietly(what, update, slot))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _quietly(self, what: str, update: _Update, slot: Slot) -> None:
        """Run ``update`` on the pool, or after :meth:`aclose` on a connection of its own;
        a failure is logged and counted, never raised: the slot then frees at its
        admission time plus ``period + margin``. Then ``slot.changed()``."""
        try:
            if self._redis is not None:
                await update(self._redis)
            else:
                await _on_own_connection(self._connect(), update)
        except LimiterUnavailableError as exc:
            self.settle_failures += 1
            logger.warning(
                "rate limiter: %s of a slot failed (%s); it frees at its full window",
                what,
                type(exc.__cause__).__name__,
            )
        finally:
            if slot.changed is not None:
                slot.changed()

    def _client(self) -> Redis:
        """The pool, opened on first use (again after :meth:`aclose`)."""
        if self._redis is None:
            self._redis = self._connect()
        return self._redis

    def _connect(self) -> Redis:
        from redis.asyncio import Redis
        from redis.asyncio.retry import Retry
        from redis.backoff import ExponentialBackoff

        return Redis.from_url(
            self.url,
            socket_timeout=self.timeout,
            socket_connect_timeout=self.timeout,
            retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), retries=2),
        )

    def _give_back_taken(self, call: asyncio.Future[Slot | Full]) -> None:
        if call.cancelled() or call.exception() is not None:
            return
        slot = call.result()
        if isinstance(slot, Slot):
            self.release(slot)


#: A background update of a slot, run on the Redis client given.
_Update = Callable[["Redis"], Awaitable[object]]


async def _on_own_connection(redis: Redis, update: _Update) -> None:
    """``update`` on ``redis``, closed right after (a failure to close is dropped: the
    connection goes anyway)."""
    from redis.exceptions import RedisError

    try:
        await update(redis)
    finally:
        with contextlib.suppress(RedisError, OSError):
            await redis.aclose()


def _span(rate: Rate, extra: float) -> int:
    """``period + extra`` seconds in microseconds (the scripts' unit)."""
    return round((rate.period + extra) * _MICROS)


def _counts_and_spans(slot: Slot, extra: float) -> list[int]:
    """Per window of ``slot``: its count, then ``period + extra`` in microseconds."""
    return [arg for _, rate in slot.needs for arg in (rate.count, _span(rate, extra))]


def _require_redis() -> None:
    try:
        import redis.asyncio  # noqa: F401
    except ImportError:
        raise ImportError('RedisLimiter needs redis-py: pip install "okxasync[redis]"') from None


def _check_url(url: str) -> None:
    from redis.asyncio.connection import parse_url

    try:
        parse_url(url)
    except (ValueError, TypeError) as exc:
        raise ValidationError(f"RedisLimiter: bad url {_safe_url(str(url))!r}: {exc}") from None


def _safe_url(url: str) -> str:
    """``url`` without its password (``redis://:secret@host`` -> ``redis://***@host``)."""
    parts = urlsplit(url)
    if parts.password is None and parts.username is None:
        return url
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return parts._replace(netloc=f"***@{host}{port}").geturl()
