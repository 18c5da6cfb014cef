"""``RedisLimiter``: rate-limit windows shared by every process and host of one account.

Each group's window is a Redis sorted set ``okxasync:<account>:<group>`` whose members are
slots scored by the moment they free (microseconds on the Redis server's clock, so hosts
with different clocks agree). Admission is one atomic Lua script: drop freed slots, then
add one if fewer than ``count`` remain, else answer how long until the next one frees.
Settling a slot (its response arrived) lowers its score to ``now + period`` with
``ZADD XX LT``. Needs Redis >= 6.2 and the ``redis`` extra (``pip install
"okxasync[redis]"``).

If Redis cannot be reached, the request is not sent and ``LimiterUnavailableError``
is raised: without the shared window no process can know the account's remaining budget.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .._errors import LimiterUnavailableError, ValidationError
from .local import Slot
from .rules import DEFAULT_MARGIN, Rate, check_margin

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["RedisLimiter"]

_TAKE = """
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local key, count = KEYS[1], tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
local held = redis.call('ZCARD', key)
if held < count then
  local expires = now + tonumber(ARGV[2])
  redis.call('ZADD', key, expires, ARGV[3])
  redis.call('PEXPIREAT', key, math.floor(expires / 1000) + 1000)
  return {1, 0}
end
local next = redis.call('ZRANGE', key, held - count, held - count, 'WITHSCORES')
return {0, tonumber(next[2]) - now}
"""

_SETTLE = """
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
return redis.call('ZADD', KEYS[1], 'XX', 'LT', now + tonumber(ARGV[1]), ARGV[2])
"""

_MICROS = 1_000_000


class RedisLimiter:
    """Keeps each rate group's window in Redis, so that several processes share one budget.

    `RedisLimiter("redis://127.0.0.1:6379/0", account="main")`: every client of the same
    OKX account (UserID), in any process on any host, must use the same `url` and
    `account`. Each window is a sorted set updated by an atomic Lua script, timed by the
    Redis server's clock (Redis >= 6.2). Needs the `redis` extra.

    Args:
        url: The Redis URL, e.g. `"redis://10.0.0.5:6379/0"` (its password never shows in
            reprs or errors).
        account: The account's name: the same for every client of one account.
        margin: The safety margin in seconds, as in [`LocalLimiter`][okxasync.LocalLimiter].
        timeout: Seconds each Redis call may take (two quick reconnects are tried).
        prefix: The prefix of the Redis keys.

    Raises:
        ValidationError: `account` is empty, `timeout` not positive, or `margin` invalid.
        ImportError: The `redis` package is not installed (`pip install "okxasync[redis]"`).
    """

    def __init__(
        self,
        url: str,
        *,
        account: str,
        margin: float = DEFAULT_MARGIN,
        timeout: float = 1.0,
        prefix: str = "okxasync",
    ) -> None:
        _require_redis()
        if not isinstance(account, str) or not account:
            raise ValidationError("RedisLimiter needs a non-empty account name")
        if not timeout > 0:
            raise ValidationError(f"timeout must be positive seconds, got {timeout!r}")
        self.url = url
        self.account = account
        self.margin = check_margin(margin)
        self.timeout = timeout
        self._prefix = f"{prefix}:{account}:"
        self._redis: Redis | None = None
        self._pending: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:
        return f"RedisLimiter({_safe_url(self.url)!r}, account={self.account!r})"

    async def take(self, group: str, rate: Rate) -> Slot | float:
        """Admit a request of `group` now, or say how long to wait (see `Limiter.take`).

        A caller cancelled during the call takes no slot: one the script took is given back.

        Args:
            group: The rate group.
            rate: The group's rate.

        Returns:
            The request's [`Slot`][okxasync.Slot] when admitted, else the seconds until a slot
            may free.

        Raises:
            LimiterUnavailableError: Redis cannot be reached; the request must not be sent.
        """
        slot = Slot(group, rate.period, expires=0.0)
        call = asyncio.ensure_future(self._take(slot, rate))
        try:
            # Shielded: if our caller is cancelled mid-call, the script may still have
            # taken the slot; give it back so a cancelled caller consumes nothing.
            return await asyncio.shield(call)
        except asyncio.CancelledError:
            call.add_done_callback(self._give_back)
            raise

    async def _take(self, slot: Slot, rate: Rate) -> Slot | float:
        span = round((rate.period + self.margin) * _MICROS)
        reply = await self._eval(_TAKE, slot.group, rate.count, span, slot.token)
        taken, wait_us = int(reply[0]), int(reply[1])
        return slot if taken else wait_us / _MICROS

    async def settle(self, slot: Slot) -> None:
        """Say that the slot's response arrived: it frees `period` seconds from now, or sooner.

        Args:
            slot: A slot `take` returned.

        Raises:
            LimiterUnavailableError: Redis cannot be reached.
        """
        await self._eval(_SETTLE, slot.group, round(slot.period * _MICROS), slot.token)

    async def aclose(self) -> None:
        """Close the connection pool; the next call reconnects."""
        client, self._redis = self._redis, None
        if client is not None:
            await client.aclose()

    async def _eval(self, script: str, group: str, *args: int | str) -> Any:
        from redis.exceptions import ConnectionError, TimeoutError

        try:
            return await self._client().eval(script, 1, self._prefix + group, *args)
        except (ConnectionError, TimeoutError, OSError) as exc:
            raise LimiterUnavailableError(
                f"rate limiter at {_safe_url(self.url)} is unreachable "
                f"({type(exc).__name__}); the request was not sent"
            ) from exc

    def _client(self) -> Redis:
        if self._redis is None:
            from redis.asyncio import Redis
            from redis.asyncio.retry import Retry
            from redis.backoff import ExponentialBackoff

            self._redis = Redis.from_url(
                self.url,
                socket_timeout=self.timeout,
                socket_connect_timeout=self.timeout,
                retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), retries=2),
            )
        return self._redis

    def _give_back(self, call: asyncio.Future[Slot | float]) -> None:
        if call.cancelled() or call.exception() is not None:
            return
        slot = call.result()
        if isinstance(slot, Slot):
            task = asyncio.ensure_future(self._release(slot))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def _release(self, slot: Slot) -> None:
        try:
            await self._client().zrem(self._prefix + slot.group, slot.token)
        except Exception:  # best effort: the slot then frees at its normal time
            return


def _require_redis() -> None:
    try:
        import redis.asyncio  # noqa: F401
    except ImportError:
        raise ImportError('RedisLimiter needs redis-py: pip install "okxasync[redis]"') from None


def _safe_url(url: str) -> str:
    """``url`` without its password (``redis://:secret@host`` -> ``redis://***@host``)."""
    parts = urlsplit(url)
    if parts.password is None and parts.username is None:
        return url
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return parts._replace(netloc=f"***@{host}{port}").geturl()
