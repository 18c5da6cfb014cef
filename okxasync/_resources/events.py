"""The real-time side of ``client.funding``: deposit and withdrawal streams, and waiting
for a withdrawal to settle (see :mod:`okxasync._ws`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from .. import models as m
from .._ws import watch
from .._ws.kinds import DEPOSITS, WITHDRAWALS
from .._ws.stream import EventStream
from .base import Ccy, Namespace, Time

Transport = Literal["auto", "websocket", "poll"]

if TYPE_CHECKING:
    from .._http.pipeline import Pipeline
    from .._ws.events import Events

__all__ = ["FundingEvents"]


class FundingEvents(Namespace):
    """``watch_deposits``, ``watch_withdrawals`` and ``wait_withdrawal``."""

    def __init__(self, pipeline: Pipeline, events: Events) -> None:
        super().__init__(pipeline)
        self._events = events

    def watch_deposits(
        self,
        *,
        ccy: Ccy | None = None,
        since: Time | None = None,
        transport: Transport = "auto",
        reconcile_every: float = 60.0,
    ) -> EventStream[m.Deposit]:
        """Deposits as their states change, none missed, none twice.

        Business WebSocket `deposit-info` (login required), gaps filled from
        `GET /api/v5/asset/deposit-history` · rate bucket `funding`, at background priority
        · Permission: Read

        Every deposit whose state changes after the stream opens is yielded in its latest
        state, and no `(dep_id, state)` pair twice, across disconnects, server closes,
        stalls and lost pushes; a state that came and went entirely during an outage may
        be skipped. See the README's "Real-time events". Use it as `async with` (or call
        `aclose()`); nothing is sent before the first `async for` / `async with`.

        Args:
            ccy: One currency or several (at most 20); `None` for all.
            since: First yield the deposits created from then on (inclusive), oldest
                first, in their current state: an aware `datetime` or Unix ms.
            transport: `"auto"` (the WebSocket where the host has one, else polling),
                `"websocket"` or `"poll"` (REST only).
            reconcile_every: Seconds between gap fills while connected.

        Returns:
            An `EventStream` of `Deposit` (with `uid`, `sub_acct`, `p_time` when pushed).

        Raises:
            ValidationError: A bad argument, or `"websocket"` for a host without one
                (raised here, nothing sent).
            AuthenticationError: From the iteration: the login or a REST read was refused
                (wrong key, passphrase or signature); the stream stops.
            APIError: From the iteration: the server refused the channel.
        """
        return watch.open_stream(
            self._events,
            DEPOSITS,
            ccy=ccy,
            since=since,
            transport=transport,
            reconcile_every=reconcile_every,
        )

    def watch_withdrawals(
        self,
        *,
        ccy: Ccy | None = None,
        since: Time | None = None,
        transport: Transport = "auto",
        reconcile_every: float = 60.0,
    ) -> EventStream[m.WithdrawalRecord]:
        """Withdrawals as their states change, none missed, none twice.

        Business WebSocket `withdrawal-info` (login required), gaps filled from
        `GET /api/v5/asset/withdrawal-history` · rate bucket `funding`, at background
        priority · Permission: Read

        The same promise and behaviour as `watch_deposits`, for `(wd_id, state)`.

        Args:
            ccy: One currency or several (at most 20); `None` for all.
            since: First yield the withdrawals created from then on (inclusive), oldest
                first, in their current state: an aware `datetime` or Unix ms.
            transport: `"auto"`, `"websocket"` or `"poll"`.
            reconcile_every: Seconds between gap fills while connected.

        Returns:
            An `EventStream` of `WithdrawalRecord`.

        Raises:
            ValidationError: A bad argument (raised here, nothing sent).
            AuthenticationError: From the iteration: the login or a REST read was refused.
            APIError: From the iteration: the server refused the channel.
        """
        return watch.open_stream(
            self._events,
            WITHDRAWALS,
            ccy=ccy,
            since=since,
            transport=transport,
            reconcile_every=reconcile_every,
        )

    async def wait_withdrawal(
        self,
        *,
        wd_id: str | None = None,
        client_id: str | None = None,
        timeout: float | None = None,
    ) -> m.WithdrawalRecord:
        """Wait until a withdrawal is final: success, failed or canceled.

        `GET /api/v5/asset/withdrawal-history` (by id), then the withdrawal stream from the
        withdrawal's creation time · rate bucket `funding` · Permission: Read

        Args:
            wd_id: The withdrawal id; or
            client_id: the client id it was requested with (exactly one of the two).
            timeout: Seconds to wait at most; `None` waits as long as it takes.

        Returns:
            The `WithdrawalRecord` in its final state (`SENT`, `FAILED` or `CANCELED`),
            at once if it is final already.

        Raises:
            TimeoutError: Not final within `timeout` seconds (the stream is closed).
            ValidationError: No id or both, a bad timeout, or no such withdrawal.
            AuthenticationError: The key, passphrase, signature or timestamp was refused.
            APIError: The server refused the withdrawal channel.
            TransportError: The first read could not be completed after retries.
        """
        return await watch.wait_withdrawal(
            self._events, wd_id=wd_id, client_id=client_id, seconds=timeout
        )
