"""Opening streams for ``client.funding``: argument checks, transport choice, and
``wait_withdrawal``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio

from .. import models as m
from .._errors import ValidationError
from .._http.encode import ccy_codes, to_ms
from .kinds import WITHDRAWALS, Kind, R
from .stream import EventStream, Transport

if TYPE_CHECKING:
    from .events import Events

__all__ = ["open_stream", "wait_withdrawal"]

TRANSPORTS = ("auto", "websocket", "poll")


def open_stream(
    events: Events,
    kind: Kind[R],
    *,
    ccy: object,
    since: object,
    transport: object,
    reconcile_every: object,
) -> EventStream[R]:
    """A stream of ``kind``; every argument is checked here (:class:`ValidationError`)."""
    ccys = ccy_codes("ccy", ccy)
    since_ms = None if since is None else to_ms("since", since)
    if transport not in TRANSPORTS:
        raise ValidationError(f"transport must be one of {TRANSPORTS}, got {transport!r}")
    if (
        isinstance(reconcile_every, bool)
        or not isinstance(reconcile_every, (int, float))
        or not 0 < reconcile_every < float("inf")
    ):
        raise ValidationError(f"reconcile_every must be positive seconds: {reconcile_every!r}")
    chosen = _transport(events, str(transport))
    return EventStream(
        events,
        kind,
        ccys=ccys,
        since_ms=since_ms,
        transport=chosen,
        reconcile_every=float(reconcile_every),
        timing=events.timing,
        hub=events.hub() if chosen == "websocket" else None,
    )


def _transport(events: Events, transport: str) -> Transport:
    if transport == "poll":
        return "poll"
    if events.ws_url is None:
        if transport == "websocket":
            raise ValidationError("this host has no business WebSocket: pass ws_url= or poll")
        return "poll"
    return "websocket"


async def wait_withdrawal(
    events: Events, *, wd_id: str | None, client_id: str | None, seconds: float | None
) -> m.WithdrawalRecord:
    """The withdrawal in a final state (success, failed, canceled), as soon as it is.

    Reads it over REST first (by ``wd_id``, else ``client_id``), then follows the
    withdrawal stream from its creation time. Raises ``TimeoutError`` after ``seconds``
    seconds, :class:`ValidationError` when neither id is given or no such withdrawal
    exists.
    """
    if (wd_id is None) == (client_id is None):
        raise ValidationError("give exactly one of wd_id and client_id")
    if seconds is not None and not (isinstance(seconds, (int, float)) and seconds > 0):
        raise ValidationError(f"timeout must be positive seconds or None, got {seconds!r}")
    with anyio.fail_after(seconds):
        return await _follow(events, wd_id, client_id)


async def _follow(events: Events, wd_id: str | None, client_id: str | None) -> m.WithdrawalRecord:
    args = {"wd_id": wd_id} if wd_id is not None else {"client_id": client_id}
    found = await events.pipeline.request(WITHDRAWALS.endpoint, args)
    record = next((r for r in found if wd_id in (None, r.wd_id)), None)
    if record is None:
        raise ValidationError(f"no withdrawal with {next(iter(args))}={next(iter(args.values()))}")
    if WITHDRAWALS.state(record) in WITHDRAWALS.final:
        return record
    stream = open_stream(
        events,
        WITHDRAWALS,
        ccy=record.ccy,
        since=WITHDRAWALS.ts_ms(record),
        transport="auto",
        reconcile_every=60.0,
    )
    async with stream:
        async for event in stream:
            if event.wd_id == record.wd_id and WITHDRAWALS.state(event) in WITHDRAWALS.final:
                return event
    raise AssertionError("unreachable: the stream ends only when closed")  # pragma: no cover
