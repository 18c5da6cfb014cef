"""``client.otc``: thin, keyword-only methods over the pipeline (rate group ``otc``)."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from .. import models as m
from .._endpoints import otc as ep
from .._errors import ValidationError
from .._http.reconcile import exactly_once, mismatch
from .._paging import MAX_PAGE, HistoryIterator, iter_rfq_history
from .base import Amount, Namespace, Time, new_client_id, one

__all__ = ["OtcApi"]


class OtcApi(Namespace):
    """OTC RFQ calls (rate group ``otc``, 2 requests per 2 seconds)."""

    async def instruments(self) -> list[m.RfqInstrument]:
        """All tradable pairs, flattened; each carries the ``ts`` of its list."""
        lists = await self._pipeline.request(ep.RFQ_INSTRUMENTS, {})
        return [
            inst if inst.ts_ms is not None else _with_ts(inst, group.ts_ms)
            for group in lists
            for inst in group.instruments
        ]

    async def quote(
        self,
        *,
        base_ccy: str,
        quote_ccy: str,
        side: m.Side | str,
        rfq_sz: Amount,
        rfq_sz_ccy: str,
        cl_q_req_id: str | None = None,
        cl_q_req_ts: Time | None = None,
    ) -> m.Quote:
        """Ask for a quote; trade it with :meth:`trade` before ``quote.expires_at``."""
        records = await self._pipeline.request(
            ep.RFQ_QUOTE,
            {
                "base_ccy": base_ccy,
                "quote_ccy": quote_ccy,
                "side": side,
                "rfq_sz": rfq_sz,
                "rfq_sz_ccy": rfq_sz_ccy,
                "cl_q_req_id": cl_q_req_id,
                "cl_q_req_ts": cl_q_req_ts,
            },
        )
        return one(records, "quote")

    async def trade(
        self,
        *,
        quote_id: str,
        base_ccy: str,
        quote_ccy: str,
        side: m.Side | str,
        sz: Amount,
        sz_ccy: str,
        cl_t_req_id: str | None = None,
        cl_t_req_ts: Time | None = None,
    ) -> m.Trade:
        """Trade a quote, sent exactly once.

        ``cl_t_req_id`` (1-32 letters and digits; generated when omitted) is the idempotency
        key. If the answer is ambiguous the trade is looked up by it instead of being
        resent: the result is the recorded trade, or :class:`OutcomeUnknownError` carrying
        ``cl_t_req_id`` when it cannot be established.
        """
        cl_t_req_id = cl_t_req_id or new_client_id()
        args = {
            "quote_id": quote_id,
            "base_ccy": base_ccy,
            "quote_ccy": quote_ccy,
            "side": side,
            "sz": sz,
            "sz_ccy": sz_ccy,
            "cl_t_req_id": cl_t_req_id,
            "cl_t_req_ts": cl_t_req_ts,
        }
        return await exactly_once(
            lambda: self._send_trade(args),
            lambda: self._find_trade(cl_t_req_id, quote_id),
            confirmed=lambda answer: bool(answer.trade_id),
            policy=self._pipeline.retry,
            what="trade",
            client_id=cl_t_req_id,
        )

    async def _send_trade(self, args: Mapping[str, object]) -> m.Trade:
        return one(await self._pipeline.request(ep.RFQ_TRADE, args), "trade")

    async def _find_trade(self, cl_t_req_id: str, quote_id: str) -> m.Trade | None:
        records = await self._pipeline.request(ep.RFQ_GET_TRADE, {"cl_t_req_id": cl_t_req_id})
        trade = next((t for t in records if t.cl_t_req_id == cl_t_req_id), None)
        if trade is not None and trade.quote_id != quote_id:
            raise mismatch("trade", cl_t_req_id, f"tradeId {trade.trade_id}")
        return trade

    async def get_trade(
        self, *, trade_id: str | None = None, cl_t_req_id: str | None = None
    ) -> m.Trade:
        """One trade by ``trade_id`` or ``cl_t_req_id`` (``trade_id`` wins if both are given).

        Raises :class:`ValidationError` when neither is given.
        """
        if trade_id is None and cl_t_req_id is None:
            raise ValidationError("get_trade needs trade_id or cl_t_req_id")
        records = await self._pipeline.request(
            ep.RFQ_GET_TRADE, {"trade_id": trade_id, "cl_t_req_id": cl_t_req_id}
        )
        return one(records, "trade")

    async def history(
        self,
        *,
        begin: Time | None = None,
        end: Time | None = None,
        page_sz: int | None = None,
        page_idx: int | None = None,
    ) -> m.HistoryPage:
        """One page of RFQ trade history; ``page_idx`` is 0-based."""
        pages = await self._pipeline.request(
            ep.RFQ_HISTORY, {"begin": begin, "end": end, "page_sz": page_sz, "page_idx": page_idx}
        )
        return one(pages, "history")

    def iter_history(
        self,
        *,
        begin: Time | None = None,
        end: Time | None = None,
        page_size: int = MAX_PAGE,
    ) -> HistoryIterator[m.HistoryTrade]:
        """Every RFQ trade between ``begin`` and ``end`` (bounds as the API applies them),
        each exactly once, newest first, even while new trades shift the pages."""
        return iter_rfq_history(self._pipeline, begin=begin, end=end, page_size=page_size)


def _with_ts(inst: m.RfqInstrument, ts_ms: int | None) -> m.RfqInstrument:
    return msgspec.structs.replace(inst, ts_ms=ts_ms)
