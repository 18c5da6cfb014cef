"""``Events``: what one client owns for real-time events: its business WebSocket URL and
timing, the shared connection (created on first use) and the streams still open."""

from __future__ import annotations

import logging
from typing import Any

from .._errors import ClientClosedError, OkxError, ValidationError
from .._http.pipeline import Pipeline
from .hub import Hub, HubContext
from .timing import WatchTiming

__all__ = ["Events"]

logger = logging.getLogger("okxasync.ws")


class Events:
    """The client's real-time side; :meth:`aclose` ends every stream and the connection."""

    def __init__(self, pipeline: Pipeline, ws_url: str | None, timing: WatchTiming) -> None:
        self.pipeline = pipeline
        self.ws_url = ws_url
        self.timing = timing
        self._hub: Hub | None = None
        self._streams: set[Any] = set()  # EventStream; Any avoids an import circle
        self._closed = False

    def hub(self) -> Hub:
        """The shared business WebSocket connection (created on first use)."""
        if self._closed:
            raise ClientClosedError()
        if self.ws_url is None:
            raise ValidationError("this host has no business WebSocket")
        if self._hub is None:
            pipeline = self.pipeline
            self._hub = Hub(
                HubContext(
                    url=self.ws_url,
                    credentials=pipeline.credentials,
                    # The client's own: new connections spend its `ws-connect` bucket in
                    # its limiter (shared with other clients, or RedisLimiter), at the
                    # rate it was given.
                    scheduler=pipeline.scheduler,
                    now_ms=pipeline.clock.now_ms,
                    sync_clock=pipeline.sync_clock,
                    timing=self.timing,
                )
            )
        return self._hub

    def now_ms(self) -> int:
        """The server's clock as best known, epoch ms."""
        return self.pipeline.clock.now_ms()

    async def learn_clock(self) -> int:
        """The server's time now (epoch ms), after syncing the clock if it never was: the
        streams compare the times of REST answers with pushes' ``pTime`` (the server's),
        and the API accepts requests up to 30 s off, so the client may never have learnt
        the offset. A failure is logged: a stream still works, a push then perhaps read
        back by id instead."""
        clock = self.pipeline.clock
        local_ms = clock.now_ms() - clock.offset_ms  # now, before the sync's round trip
        if clock.synced_at is None:
            try:
                await clock.sync(self.pipeline.server_time_ms, unless_since=float("-inf"))
            except OkxError as error:
                logger.warning("could not learn the server's clock: %s", error)
        return local_ms + clock.offset_ms

    def remember(self, stream: object) -> None:
        if self._closed:
            raise ClientClosedError()
        self._streams.add(stream)

    def forget(self, stream: object) -> None:
        self._streams.discard(stream)

    async def aclose(self) -> None:
        """Close every open stream, then the connection. Safe to call more than once."""
        self._closed = True
        for stream in list(self._streams):
            await stream.aclose()
        hub, self._hub = self._hub, None
        if hub is not None:
            await hub.aclose()
