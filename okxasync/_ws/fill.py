"""Reading back over REST what a stream may have missed, at background priority.

Three reads, all through the client's scheduler at ``Priority.BACKGROUND`` (behind direct
calls and the history iterators' pages): the unsettled records (each unsettled state paged
through, for the stream's currencies); every record created since a moment (paged, newest
first); and single records by id.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Generic

from .._paging import MAX_PAGE, iter_time_paged
from .._ratelimit import Priority
from .kinds import Kind, R

if TYPE_CHECKING:
    from .._http.pipeline import Pipeline

__all__ = ["BACKGROUND", "Filler"]

#: Gap filling waits behind every direct call and every history page.
BACKGROUND = Priority.BACKGROUND


class Filler(Generic[R]):
    """REST reads for one stream (``ccys``: its currencies, ``None`` for all)."""

    def __init__(self, pipeline: Pipeline, kind: Kind[R], ccys: list[str] | None) -> None:
        self.pipeline = pipeline
        self.kind: Kind[R] = kind
        self.ccys = ccys

    async def unsettled(self) -> list[R]:
        """Every record of the stream's currencies now in one of ``kind.open_states``
        (all of them: a state with more than a page of records is paged through)."""
        found: list[R] = []
        for state in self.kind.open_states:
            found += await self._paged({"ccy": self.ccys, "state": state}, None)
        return [r for r in found if self.wanted(r)]

    async def since(self, since_ms: int) -> list[R]:
        """Every record with ``ts >= since_ms``, newest first."""
        return await self._paged({"ccy": self.ccys}, since_ms)

    async def _paged(self, filters: dict[str, object], since_ms: int | None) -> list[R]:
        pages = iter_time_paged(
            self.pipeline,
            self.kind.endpoint,
            filters,
            since=since_ms,
            until=None,
            page_size=MAX_PAGE,
            concurrency=1,
            priority=BACKGROUND,
        )
        return [record async for record in pages]

    async def by_ids(self, ids: Iterable[str]) -> list[R]:
        """The current state of each record named in ``ids`` (one request each)."""
        found: list[R] = []
        for record_id in ids:
            found += await self._get({self.kind.id_param: record_id})
        return found

    async def current(self, ids: list[str]) -> list[R]:
        """The current state of the records ``ids`` (all unsettled when last seen), in
        as few requests as possible: by id when they are few, else the lists of
        unsettled records plus, by id, those no list holds any more."""
        if len(ids) <= len(self.kind.open_states):
            return await self.by_ids(ids)
        listed = {self.kind.record_id(r): r for r in await self.unsettled()}
        missing = [i for i in ids if i not in listed]
        return [listed[i] for i in ids if i in listed] + await self.by_ids(missing)

    def wanted(self, record: R) -> bool:
        return self.ccys is None or record.ccy in self.ccys

    async def _get(self, args: dict[str, object]) -> list[R]:
        return await self.pipeline.request(self.kind.endpoint, args, priority=BACKGROUND)
