"""The emulator's private business WebSocket, ``/ws/v5/business`` (``deposit-info``,
``withdrawal-info``).

Like the real one: text ``ping`` is answered ``pong``; ``login`` is checked (API key,
passphrase, a Unix-seconds ``timestamp`` within 30 s of the server clock, the signature of
``timestamp + "GET/users/self/verify"``) and a failure is an ``error`` event followed by
close code 4001; ``subscribe`` before login answers 60011, an unknown channel 60018; each
(un)subscribed channel is acknowledged; login, subscribe and unsubscribe together are
limited per connection (``ops_per_hour``, error 60014). A connection the client has sent
nothing on for ``idle_limit`` seconds is closed with code 4004. Every state change of a
deposit or withdrawal is pushed to the connections subscribed to its channel (and its
currency, if they gave one), with ``uid``, ``subAcct`` and ``pTime`` added.

Error codes: 60004 timestamp not whole seconds, 60006 timestamp expired, 60007 bad
signature, 60011 not logged in, 60012 invalid request, 60014 too many operations, 60018
unknown channel, 60019 unknown op, 60024 wrong passphrase, 60031 repeated login,
60032 unknown API key.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
from aiohttp import WSMsgType, web

from okxasync._http.signing import sign
from okxasync.testing._checks import Secrets
from okxasync.testing._data import Row
from okxasync.testing._ws_faults import WsFaultDraws

__all__ = ["CHANNELS", "WS_PATH", "BusinessSocket"]

WS_PATH = "/ws/v5/business"
CHANNELS = {"deposit-info": "deposit", "withdrawal-info": "withdrawal"}
LOGIN_WINDOW_S = 30
_VERIFY = "GET/users/self/verify"
_Sub = tuple[str, str | None]  # (channel, ccy)


class _LoginError(Exception):
    def __init__(self, code: str, msg: str) -> None:
        super().__init__(code, msg)
        self.code = code
        self.msg = msg


@dataclass(eq=False)
class _Conn:
    ws: web.WebSocketResponse
    request: web.Request
    conn_id: str
    logged_in: bool = False
    stalled: bool = False
    subs: set[_Sub] = field(default_factory=set)
    ops: deque[float] = field(default_factory=deque)
    last_received: float = field(default_factory=time.monotonic)
    outbox: list[str] = field(default_factory=list)
    wake: anyio.Event = field(default_factory=anyio.Event)
    closing: tuple[int, str] | None = None  # closed with this once the outbox is written

    def send(self, payload: dict[str, Any] | str) -> None:
        if not self.stalled:
            self.outbox.append(payload if isinstance(payload, str) else json.dumps(payload))
            self.wake.set()

    def abort(self) -> None:
        if self.request.transport is not None:
            self.request.transport.abort()


class BusinessSocket:
    """The WebSocket endpoint of one FakeExchange (see the module docstring).

    ``stats`` counts ``connections``, ``logins``, ``login_errors``, ``subscribes``,
    ``pushes`` and ``closed_<code>``, and keeps ``most_open`` (connections open at once);
    ``faults`` injects failures (``WsFaultDraws``).
    """

    def __init__(
        self,
        secrets: Secrets,
        clock: Callable[[], int],
        uid: str,
        *,
        idle_limit: float = 30.0,
        ops_per_hour: int = 480,
        faults: WsFaultDraws | None = None,
    ) -> None:
        self.secrets = secrets
        self.clock = clock
        self.uid = uid
        self.idle_limit = idle_limit
        self.ops_per_hour = ops_per_hour
        self.faults = faults or WsFaultDraws()
        self.stats: Counter[str] = Counter()
        #: Channels whose subscription is refused with 60018 (as if not permitted).
        self.refused_channels: set[str] = set()
        self._conns: set[_Conn] = set()
        self._ids = itertools.count(1)

    @property
    def open_connections(self) -> int:
        return len(self._conns)

    def subscriptions(self) -> set[tuple[str, str | None]]:
        """Every ``(channel, ccy)`` some open connection is subscribed to."""
        return {sub for conn in self._conns for sub in conn.subs}

    def on_change(self, kind: str, row: Row) -> None:
        """Push ``row`` (a ``kind`` record in its new state) to its subscribers."""
        channel = "deposit-info" if kind == "deposit" else "withdrawal-info"
        record = {**row, "uid": self.uid, "subAcct": "", "pTime": str(self.clock())}
        for conn in list(self._conns):
            for sub_channel, ccy in sorted(conn.subs, key=str):
                if sub_channel == channel and ccy in (None, row["ccy"]):
                    if self.faults.lose():
                        continue
                    arg = {"channel": channel, "uid": self.uid, **({"ccy": ccy} if ccy else {})}
                    conn.send({"arg": arg, "data": [record]})
                    self.stats["pushes"] += 1

    def close_all(self, code: int, reason: str = "") -> None:
        """Close every connection with ``code`` (e.g. 4007: API key changed)."""
        for conn in list(self._conns):
            conn.closing = (code, reason)
            conn.wake.set()

    def abort_all(self) -> None:
        """Cut every connection (the server shuts down)."""
        for conn in list(self._conns):
            conn.abort()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Serve one WebSocket connection until it closes."""
        if self.faults.refuse():
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=503)
        ws = web.WebSocketResponse(autoping=True, max_msg_size=64 * 1024, timeout=2.0)
        await ws.prepare(request)
        conn = _Conn(ws, request, f"{next(self._ids):08x}")
        self._conns.add(conn)
        self.stats["connections"] += 1
        self.stats["most_open"] = max(self.stats["most_open"], len(self._conns))
        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(self._write, conn)
                tasks.start_soon(self._watch, conn)
                await self._read(conn)
                tasks.cancel_scope.cancel()
        finally:
            self._conns.discard(conn)
        return ws

    async def _read(self, conn: _Conn) -> None:
        async for message in conn.ws:
            if message.type != WSMsgType.TEXT:
                continue
            conn.last_received = time.monotonic()
            if conn.stalled:
                continue
            if message.data == "ping":
                conn.send("pong")
            else:
                self._operation(conn, message.data)

    async def _write(self, conn: _Conn) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            while not conn.ws.closed:
                await conn.wake.wait()
                conn.wake = anyio.Event()
                batch, conn.outbox = conn.outbox, []
                for text in batch:
                    if conn.stalled:
                        break
                    await conn.ws.send_str(text)
                if conn.closing is not None:
                    code, reason = conn.closing
                    self.stats[f"closed_{code}"] += 1
                    await conn.ws.close(code=code, message=reason.encode())

    async def _watch(self, conn: _Conn) -> None:
        """Close idle connections (4004) and inject this connection's fault."""
        fault = self.faults.lifetime()
        fault_at = None if fault is None else time.monotonic() + fault[0]
        step = min(0.05, self.idle_limit / 10)
        while not conn.ws.closed:
            await anyio.sleep(step)
            now = time.monotonic()
            if not conn.stalled and now - conn.last_received > self.idle_limit:
                conn.closing = (4004, "No data received in 30s")
                conn.wake.set()
                return
            if fault is not None and fault_at is not None and conn.logged_in and now >= fault_at:
                fault_at = None
                await self._inject(conn, fault[1])

    async def _inject(self, conn: _Conn, kind: str) -> None:
        self.faults.injected[kind] += 1
        if kind == "abrupt":
            conn.abort()
        elif kind == "stall":
            conn.stalled = True
        else:
            conn.send(
                {
                    "event": "notice",
                    "code": "64008",
                    "msg": "The connection will soon be closed for a service upgrade. "
                    "Please reconnect.",
                    "connId": conn.conn_id,
                }
            )
            await anyio.sleep(self.faults.faults.notice_grace)
            conn.closing = (1001, "service upgrade")
            conn.wake.set()

    def _operation(self, conn: _Conn, text: str) -> None:
        try:
            message = json.loads(text)
            op, args = message["op"], message["args"]
            if not isinstance(args, list) or not all(isinstance(a, dict) for a in args):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            self._error(conn, None, "60012", f"Invalid request: {text[:200]}")
            return
        request_id = message.get("id")
        if op not in ("login", "subscribe", "unsubscribe"):
            self._error(conn, request_id, "60019", f"Invalid op: {op}")
        elif not self._admit_op(conn):
            self._error(conn, request_id, "60014", "Requests too frequent.")
        elif op == "login":
            self._login(conn, args)
        else:
            self._subscribe(conn, request_id, op, args)

    def _admit_op(self, conn: _Conn) -> bool:
        now = time.monotonic()
        while conn.ops and now - conn.ops[0] >= 3600:
            conn.ops.popleft()
        if len(conn.ops) >= self.ops_per_hour:
            return False
        conn.ops.append(now)
        return True

    def _login(self, conn: _Conn, args: list[dict[str, Any]]) -> None:
        try:
            if conn.logged_in:
                raise _LoginError("60031", "Repeated login")
            if len(args) != 1:
                raise _LoginError("60012", "Invalid request")
            self._check_login(args[0])
        except _LoginError as error:
            self.stats["login_errors"] += 1
            self._error(conn, None, error.code, error.msg)
            if error.code != "60031":
                conn.closing = (4001, "Login Failed")
            return
        conn.logged_in = True
        self.stats["logins"] += 1
        conn.send({"event": "login", "code": "0", "msg": "", "connId": conn.conn_id})

    def _check_login(self, arg: dict[str, Any]) -> None:
        if arg.get("apiKey") != self.secrets.api_key:
            raise _LoginError("60032", "API key doesn't exist.")
        timestamp = arg.get("timestamp")
        if not isinstance(timestamp, str) or not timestamp.isdigit():
            raise _LoginError("60004", "Invalid timestamp")
        if abs(int(timestamp) - self.clock() // 1000) > LOGIN_WINDOW_S:
            raise _LoginError("60006", "Timestamp request expired")
        if arg.get("passphrase") != self.secrets.passphrase:
            raise _LoginError("60024", "Wrong passphrase")
        if arg.get("sign") != sign(self.secrets.secret_key, timestamp, "GET", "/users/self/verify"):
            raise _LoginError("60007", "Invalid sign")

    def _subscribe(
        self, conn: _Conn, request_id: object, op: str, args: list[dict[str, Any]]
    ) -> None:
        if not conn.logged_in:
            self._error(conn, request_id, "60011", "Please log in")
            return
        for arg in args:
            channel, ccy = arg.get("channel"), arg.get("ccy") or None
            if channel not in CHANNELS or channel in self.refused_channels:
                why = f"Wrong URL or channel:{channel} doesn't exist."
                self._error(conn, request_id, "60018", why)
                continue
            if op == "subscribe":
                conn.subs.add((channel, ccy))
                self.stats["subscribes"] += 1
            else:
                conn.subs.discard((channel, ccy))
            ack = {"event": op, "arg": {"channel": channel, **({"ccy": ccy} if ccy else {})}}
            conn.send({**({"id": request_id} if request_id else {}), **ack, "connId": conn.conn_id})

    def _error(self, conn: _Conn, request_id: object, code: str, msg: str) -> None:
        error = {"event": "error", "code": code, "msg": msg, "connId": conn.conn_id}
        conn.send({**({"id": request_id} if request_id else {}), **error})
