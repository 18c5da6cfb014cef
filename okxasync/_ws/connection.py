"""One business WebSocket connection: open, log in, (un)subscribe, read with a heartbeat.

The heartbeat is the documented one: when nothing has arrived for ``ping_after`` seconds
the client sends the text ``ping``; if nothing (``pong`` or anything else) arrives within
``pong_timeout`` seconds more, the connection is dead and :meth:`Connection.receive`
returns ``None``. Login, subscribe and unsubscribe are counted against the server's
480-per-hour budget of the connection; past it, the next one waits.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, cast

import aiohttp
import anyio

from .._errors import OkxError, RateLimitError, TransportError
from .._http.connector import OnSent, Request, SlotLapsed, sending
from .._http.signing import Credentials
from .protocol import (
    CREDENTIAL_CODES,
    STALE_TIMESTAMP,
    Channel,
    Frame,
    close_error,
    decode_frame,
    login_error,
    op_message,
)
from .timing import WatchTiming

__all__ = ["OPS_PER_HOUR", "Connection", "LoginRefused"]

if TYPE_CHECKING:  # text frames decoded to str (aiohttp's default)
    _Socket = aiohttp.ClientWebSocketResponse[Literal[True]]

logger = logging.getLogger("okxasync.ws")

OPS_PER_HOUR = 480
CLOSE_GRACE = 1.0  # seconds a polite close may take before the socket is cut


class LoginRefused(Exception):
    """The server refused the login: an ``error`` event, or a close code meaning so
    (``error`` says which). ``permanent``: the credentials were refused (a new connection
    cannot succeed); ``stale_timestamp``: the timestamp was (60006)."""

    def __init__(self, error: OkxError, *, permanent: bool, stale_timestamp: bool = False) -> None:
        super().__init__(str(error))
        self.error = error
        self.permanent = permanent
        self.stale_timestamp = stale_timestamp


class Connection:
    """An open WebSocket. ``early`` holds frames that arrived while :meth:`subscribe`
    waited for its acks; the reader handles them first."""

    def __init__(self, ws: _Socket, timing: WatchTiming) -> None:
        self.ws = ws
        self.timing = timing
        self.early: deque[Frame] = deque()
        self.dead = False  # the heartbeat went unanswered
        self._ops: deque[float] = deque()

    @classmethod
    async def open(
        cls,
        session: aiohttp.ClientSession,
        url: str,
        timing: WatchTiming,
        on_sent: OnSent,
    ) -> Connection:
        """Connect to ``url`` with a session of ``_http.connector.session()``, which calls
        ``on_sent`` before the upgrade request is written (``False``: its rate-limit slot
        lapsed, the request is not written). Raises :class:`RateLimitError` when the
        server answers the upgrade HTTP 429 (the connection limit), else
        :class:`TransportError`."""
        request = None
        try:
            with anyio.fail_after(timing.login_timeout), sending(on_sent) as request:
                ws = await session.ws_connect(
                    url,
                    autoping=True,
                    heartbeat=None,
                    timeout=aiohttp.ClientWSTimeout(ws_close=CLOSE_GRACE),
                    max_msg_size=4 * 1024 * 1024,
                )
        except TimeoutError:
            raise TransportError(
                "WebSocket connect timed out", maybe_sent=_written(request)
            ) from None
        except SlotLapsed:
            raise TransportError(
                "WebSocket connect not sent: its rate-limit slot lapsed while the connection"
                " was opened",
                maybe_sent=False,
            ) from None
        except aiohttp.WSServerHandshakeError as exc:  # answered, but not with an upgrade
            if exc.status == 429:
                raise RateLimitError("", "WebSocket connect: Too Many Requests", 429) from None
            raise TransportError(
                f"WebSocket connect answered HTTP {exc.status}", maybe_sent=True
            ) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise TransportError(
                f"WebSocket connect failed: {type(exc).__name__}: {exc}",
                maybe_sent=_written(request),
            ) from None
        return cls(cast("_Socket", ws), timing)

    @property
    def close_code(self) -> int | None:
        return self.ws.close_code

    async def login(self, credentials: Credentials, now_ms: Callable[[], int]) -> None:
        """Log in with a fresh timestamp; returns on the ack.

        Raises :class:`LoginRefused` on an ``error`` answer or a close whose code means a
        refused login (4001), :class:`TransportError` when the connection ends otherwise or
        no answer comes within ``login_timeout``.
        """
        await self._send_op("login", [credentials.login_args(now_ms())])
        with anyio.move_on_after(self.timing.login_timeout):
            while (frame := await self._read_frame()) is not None:
                if frame.event == "login" and frame.code in ("", "0"):
                    return
                if frame.event == "error":
                    raise LoginRefused(
                        login_error(frame),
                        permanent=frame.code in CREDENTIAL_CODES,
                        stale_timestamp=frame.code == STALE_TIMESTAMP,
                    )
                self.early.append(frame)
            if (error := close_error(self.close_code)) is not None:
                raise LoginRefused(error, permanent=True)
            raise TransportError(f"WebSocket closed during login (code {self.close_code})")
        raise TransportError("WebSocket login timed out")

    async def subscribe(self, channels: list[Channel], request_id: str) -> list[Frame]:
        """Subscribe to ``channels``; returns the ``error`` frames answered to it (empty
        when every channel was acknowledged). Raises :class:`TransportError` when the
        connection ends or the acks do not all come within ``login_timeout``."""
        waiting = set(channels)
        errors: list[Frame] = []
        await self.send_subscribe(channels, request_id)
        with anyio.move_on_after(self.timing.login_timeout):
            while waiting and not errors:
                frame = await self._read_frame()
                if frame is None:
                    raise TransportError(f"WebSocket closed while subscribing ({self.close_code})")
                if frame.event == "subscribe" and frame.channel() in waiting:
                    waiting.discard(frame.channel())
                elif frame.event == "error" and frame.id in (request_id, None):
                    errors.append(frame)
                else:
                    self.early.append(frame)
            return errors
        raise TransportError("WebSocket subscribe acks timed out")

    async def send_subscribe(self, channels: list[Channel], request_id: str) -> None:
        """Send ``subscribe`` without waiting for its acks (the reader gets them)."""
        await self._send_op("subscribe", [c.arg() for c in channels], request_id)

    async def unsubscribe(self, channels: list[Channel], request_id: str) -> None:
        """Send ``unsubscribe``; its ack is read (and ignored) by the reader."""
        await self._send_op("unsubscribe", [c.arg() for c in channels], request_id)

    async def receive(self) -> Frame | None:
        """The next JSON frame, those set aside in :attr:`early` first; ``None`` once the
        connection is closed or dead."""
        if self.early:
            return self.early.popleft()
        return await self._read_frame()

    async def _read_frame(self) -> Frame | None:
        """The next JSON frame from the socket (``pong`` is consumed here); ``None`` once
        the connection is closed or dead. Unparseable frames are logged and skipped."""
        while True:
            message = await self._receive_alive()
            if message is None or message.type in _ENDED:
                return None
            if message.type != aiohttp.WSMsgType.TEXT or message.data == "pong":
                continue
            frame = decode_frame(message.data)
            if frame is not None:
                return frame
            logger.warning("ignored an unreadable WebSocket frame: %.200r", message.data)

    async def _receive_alive(self) -> aiohttp.WSMessage | None:
        with anyio.move_on_after(self.timing.ping_after):
            return await self.ws.receive()
        with anyio.move_on_after(self.timing.pong_timeout):
            await self.ws.send_str("ping")
            return await self.ws.receive()
        logger.warning(
            "WebSocket silent %.1f s after a ping: replacing it", self.timing.pong_timeout
        )
        self.dead = True
        return None

    async def _send_op(
        self, op: str, args: list[dict[str, str]], request_id: str | None = None
    ) -> None:
        await self._spend_op()
        try:
            with anyio.fail_after(self.timing.login_timeout):
                await self.ws.send_str(op_message(op, args, request_id))
        except (TimeoutError, ConnectionError, aiohttp.ClientError) as exc:
            raise TransportError(
                f"WebSocket {op} could not be sent: {type(exc).__name__}"
            ) from None

    async def _spend_op(self) -> None:
        """Wait for room in the connection's 480-per-hour operation budget."""
        now = time.monotonic()
        while self._ops and now - self._ops[0] >= 3600:
            self._ops.popleft()
        if len(self._ops) >= OPS_PER_HOUR:
            await anyio.sleep(self._ops[0] + 3600 - now)
            self._ops.popleft()
        self._ops.append(time.monotonic())

    async def close(self) -> None:
        """Close politely, cutting the socket if that takes longer than a moment (at once
        when the heartbeat found it dead). Safe to call more than once."""
        with anyio.move_on_after(0 if self.dead else CLOSE_GRACE):
            await self.ws.close()
        if not self.ws.closed:  # pragma: no cover - close() cuts it when cancelled
            self.ws._response.close()


_ENDED = frozenset(
    {
        aiohttp.WSMsgType.CLOSE,
        aiohttp.WSMsgType.CLOSING,
        aiohttp.WSMsgType.CLOSED,
        aiohttp.WSMsgType.ERROR,
    }
)


def _written(request: Request | None) -> bool:
    """Whether a failed connect's upgrade request may have reached the server: once its
    connection was handed over to write it (then its rate-limit unit stays counted)."""
    return request is None or request.connected
