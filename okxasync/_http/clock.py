"""The client's view of the server's clock.

The API refuses a request whose ``OK-ACCESS-TIMESTAMP`` is more than 30 s off its own
clock (code 50102 / 50112). :class:`ServerClock` keeps the offset between the server's
clock and the local one, learned from ``GET /api/v5/public/time``, and adds it to every
timestamp the client signs. The offset is measured as ``server ts - local time when the
answer arrived``, so it is accurate to within the answer's one-way network latency, and
waiting in the rate-limit queue or retrying the time request does not distort it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from .._errors import ValidationError

__all__ = ["ServerClock"]

logger = logging.getLogger("okxasync")


def _local_ms() -> int:
    return time.time_ns() // 1_000_000


class ServerClock:
    """The offset to the server's clock, and when it was last learned.

    ``sync_every`` (seconds, or ``None``) makes :meth:`due` true when the offset was never
    learned or is older than that; ``None`` means "only when the server refuses a timestamp".
    """

    def __init__(self, sync_every: float | None = None) -> None:
        if sync_every is not None and not sync_every > 0:
            raise ValidationError(f"clock_sync must be positive seconds or None: {sync_every!r}")
        self.sync_every = sync_every
        self.offset_ms = 0
        self.synced_at: float | None = None  # time.monotonic() of the last sync
        self._lock: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None

    def now_ms(self) -> int:
        """The server's current time as best known, epoch milliseconds."""
        return time.time_ns() // 1_000_000 + self.offset_ms  # _local_ms(), inlined

    def due(self) -> bool:
        """Whether a proactive sync is due (never true without ``sync_every``: callers on
        the hot path test that first)."""
        if self.sync_every is None:
            return False
        return self.synced_at is None or time.monotonic() - self.synced_at >= self.sync_every

    async def sync_if_due(self, fetch: Callable[[], Awaitable[int]]) -> None:
        """:meth:`sync` when :meth:`due`; callers arriving together share one fetch."""
        if self.sync_every is not None and self.due():
            await self.sync(fetch, unless_since=time.monotonic() - self.sync_every)

    async def sync(
        self, fetch: Callable[[], Awaitable[int]], *, unless_since: float | None = None
    ) -> int:
        """Learn the offset from ``fetch()`` (the server's epoch ms); returns it in ms.

        Concurrent callers share one fetch: with ``unless_since`` (a ``time.monotonic()``
        value) nothing is fetched when another sync completed after that moment.
        """
        async with self._loop_lock():
            if self._synced_after(unless_since):
                return self.offset_ms
            server_ms = await fetch()
            self.offset_ms = server_ms - _local_ms()
            self.synced_at = time.monotonic()
        logger.info("clock offset to the server: %+d ms", self.offset_ms)
        return self.offset_ms

    def _loop_lock(self) -> asyncio.Lock:
        """The lock for the running loop: an asyncio lock serves one loop only, and a client
        may be used under several ``asyncio.run()`` calls in turn."""
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock[0] is not loop:
            self._lock = (loop, asyncio.Lock())
        return self._lock[1]

    def _synced_after(self, moment: float | None) -> bool:
        return moment is not None and self.synced_at is not None and self.synced_at > moment
