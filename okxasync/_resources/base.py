"""What the namespaces share: the pipeline they call, and small helpers for one-page calls."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from .._endpoints.base import Endpoint
from .._errors import ResponseError
from .._http.encode import ccy_codes
from .._http.pipeline import Pipeline
from .._paging import MAX_PAGE, newest_first
from .._paging.cursors import Stamped

__all__ = [
    "Amount",
    "Ccy",
    "Namespace",
    "Time",
    "code",
    "new_client_id",
    "one",
    "shown_as",
    "union_page",
]

R = TypeVar("R")
S = TypeVar("S", bound=Stamped)
T = TypeVar("T")
Ccy = str | Iterable[str]
Amount = Decimal | int | str
Time = datetime | int


class Namespace:
    """A group of calls on the client (``client.funding``, ``client.otc``): each method
    validates nothing itself and hands its explicit arguments to the one pipeline."""

    def __init__(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline


def new_client_id() -> str:
    """A fresh idempotency key: 32 lowercase hex characters (alphanumeric, as required)."""
    return uuid.uuid4().hex


def one(records: list[R], what: str) -> R:
    if not records:
        raise ResponseError(f"{what}: the server answered with no record", 200, b"")
    return records[0]


def code(value: object) -> str:
    """The API's code for an enum member or a plain string (``Side.BUY`` -> ``"buy"``)."""
    return str(getattr(value, "value", value))


def shown_as(shown: str, sent: str) -> bool:
    """Whether ``shown``, a value as the API shows it back, may be ``sent``: the API masks
    parts of addresses and accounts with runs of ``*`` (``"0xa30d1fab****9C"``), each
    standing for at least one character."""
    if "*" not in shown:
        return shown == sent
    parts = [re.escape(part) for part in re.split(r"\*+", shown)]
    return re.fullmatch(".+".join(parts), sent, re.DOTALL) is not None


def union_page(
    client: Pipeline, endpoint: Endpoint[S], args: Mapping[str, object]
) -> Awaitable[list[S]]:
    """One page of a history ``endpoint`` for ``args``, whose ``ccy`` may name several
    currencies: one request per currency (concurrently, same filters, cursors and
    ``limit``), merged newest first (ties: currencies in the order given), cut to the
    newest ``limit`` (default 100) — the page the API would return for their union.

    One currency (or none) is one request, as sent (the pipeline's own awaitable, with no
    coroutine around it). Every argument is validated before any request; if one request
    fails, the others are cancelled and its error is raised.
    """
    ccy = args.get("ccy")
    if ccy is None or isinstance(ccy, str):  # one request, validated by the pipeline
        return client.request(endpoint, args)
    return _union_page(client, endpoint, args, ccy)


async def _union_page(
    client: Pipeline, endpoint: Endpoint[S], args: Mapping[str, object], ccy: object
) -> list[S]:
    ccys: Sequence[str | None] = ccy_codes("ccy", ccy) or [None]
    if len(ccys) == 1:
        return await client.request(endpoint, {**args, "ccy": ccys[0]})
    endpoint.encode({**args, "ccy": ccys[0]})  # all arguments, before any request
    pages = await _gather([client.request(endpoint, {**args, "ccy": c}) for c in ccys])
    limit = args.get("limit")
    return newest_first(pages)[: limit if isinstance(limit, int) else MAX_PAGE]


async def _gather(calls: Sequence[Awaitable[T]]) -> list[T]:
    """The results of ``calls``, run concurrently. The first failure (or the caller's
    cancellation) cancels the others, waits for them, and is raised."""
    tasks = [asyncio.ensure_future(call) for call in calls]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        for task in tasks:
            task.cancel()  # no-op for those done
        await asyncio.wait(tasks)
    errors = [task.exception() for task in tasks if not task.cancelled()]  # all retrieved
    error = next((e for e in errors if e is not None), None)
    if error is not None:
        raise error
    return [task.result() for task in tasks]
