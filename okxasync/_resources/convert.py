"""``client.convert``: OKX Convert, the quote -> trade flow (rate group ``funding``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from .. import models as m
from .._endpoints import convert as ep
from .._errors import APIError
from .._http.reconcile import exactly_once, mismatch
from .._paging import MAX_PAGE, HistoryIterator, iter_time_paged
from .base import Amount, Namespace, Time, as_decimal, new_client_id, one

__all__ = ["DUPLICATE_ID", "ConvertApi"]

#: "Duplicate client order id" / "duplicate client request id": the trade was made before.
DUPLICATE_ID = frozenset({"52909", "52925"})


class ConvertApi(Namespace):
    """OKX Convert: currencies, pair limits, quotes, trades and their history.

    Convert trades use the trading account's assets (move funds there with
    ``client.funding.transfer``). ``side`` is always relative to ``base_ccy``.
    """

    async def currencies(self) -> list[m.ConvertCurrency]:
        """The currencies Convert trades (``GET /api/v5/asset/convert/currencies``;
        permission Read; 6 requests / s)."""
        return await self._pipeline.request(ep.CONVERT_CURRENCIES, {})

    async def currency_pair(self, *, from_ccy: str, to_ccy: str) -> m.ConvertPair:
        """The pair converting ``from_ccy`` to ``to_ccy`` and its size limits
        (``GET /api/v5/asset/convert/currency-pair``; permission Read; 6 requests / s)."""
        records = await self._pipeline.request(
            ep.CONVERT_PAIR, {"from_ccy": from_ccy, "to_ccy": to_ccy}
        )
        return one(records, "convert currency pair")

    async def estimate_quote(
        self,
        *,
        base_ccy: str,
        quote_ccy: str,
        side: m.Side | str,
        rfq_sz: Amount,
        rfq_sz_ccy: str,
        cl_q_req_id: str | None = None,
        tag: str | None = None,
    ) -> m.ConvertQuote:
        """A quote for ``rfq_sz`` (in ``rfq_sz_ccy``) of the pair; trade it once with
        :meth:`trade` before ``quote.expires_at``
        (``POST /api/v5/asset/convert/estimate-quote``; permission Trade; 10 requests / s
        and 1 per 5 s per pair)."""
        records = await self._pipeline.request(
            ep.CONVERT_ESTIMATE_QUOTE,
            {
                "base_ccy": base_ccy,
                "quote_ccy": quote_ccy,
                "side": side,
                "rfq_sz": rfq_sz,
                "rfq_sz_ccy": rfq_sz_ccy,
                "cl_q_req_id": cl_q_req_id,
                "tag": tag,
            },
        )
        return one(records, "convert quote")

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
        tag: str | None = None,
    ) -> m.ConvertTrade:
        """Trade a quote, sent exactly once (``POST /api/v5/asset/convert/trade``;
        permission Trade; 10 requests / s and 1 per 5 s per side).

        ``cl_t_req_id`` (1-32 letters and digits; generated when omitted) is the
        idempotency key. An ambiguous answer is resolved by looking the trade up in the
        history by it, never by resending; a "duplicate id" answer (``52909`` /
        ``52925``) means it was made before and is looked up the same way. A trade found
        so has ``quote_id=None`` (the history does not carry it). Raises
        :class:`OutcomeUnknownError` (with the id) when the outcome cannot be established
        or the id belongs to a trade with other details; ``52921`` (quote used), ``52922``
        (quote expired) and other refusals as :class:`APIError`.
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
            "tag": tag,
        }
        return await exactly_once(
            lambda: self._send_trade(args),
            lambda: self._find_trade(args),
            policy=self._pipeline.retry,
            what="convert trade",
            client_id=cl_t_req_id,
        )

    async def _send_trade(self, args: Mapping[str, object]) -> m.ConvertTrade:
        try:
            return one(await self._pipeline.request(ep.CONVERT_TRADE, args), "convert trade")
        except APIError as error:
            if error.code not in DUPLICATE_ID:
                raise
            found = await self._find_trade(args)
            if found is None:
                raise
            return found

    async def _find_trade(self, args: Mapping[str, object]) -> m.ConvertTrade | None:
        """The trade recorded under the request's id; :func:`mismatch` if its details differ."""
        cl_t_req_id = str(args["cl_t_req_id"])
        records = await self._pipeline.request(
            ep.CONVERT_HISTORY, {"cl_t_req_id": cl_t_req_id, "tag": args.get("tag")}
        )
        trade = next((t for t in records if t.cl_t_req_id == cl_t_req_id), None)
        if trade is not None and not _matches(trade, args):
            raise mismatch("convert trade", cl_t_req_id, f"tradeId {trade.trade_id}")
        return trade

    async def history(
        self,
        *,
        cl_t_req_id: str | None = None,
        after: Time | None = None,
        before: Time | None = None,
        limit: int | None = None,
        tag: str | None = None,
    ) -> list[m.ConvertTrade]:
        """One page of Convert trades, newest first; ``after``/``before`` are exclusive ms
        cursors (``GET /api/v5/asset/convert/history``; permission Read; 6 requests / s).
        ``tag`` is required for trades made with a tag."""
        return await self._pipeline.request(
            ep.CONVERT_HISTORY,
            {
                "cl_t_req_id": cl_t_req_id,
                "after": after,
                "before": before,
                "limit": limit,
                "tag": tag,
            },
        )

    def iter_history(
        self,
        *,
        since: Time | None = None,
        until: Time | None = None,
        tag: str | None = None,
        page_size: int = MAX_PAGE,
    ) -> HistoryIterator[m.ConvertTrade]:
        """Every Convert trade with ``since <= ts < until``, each exactly once, newest
        first (same-millisecond page boundaries included). Arguments are validated now."""
        return iter_time_paged(
            self._pipeline,
            ep.CONVERT_HISTORY,
            {"tag": tag},
            since=since,
            until=until,
            page_size=page_size,
            concurrency=1,
        )


def _matches(trade: m.ConvertTrade, args: Mapping[str, object]) -> bool:
    """Whether a found trade is the one ``args`` asked for (pair, side, size)."""
    sz = as_decimal(cast(Amount, args["sz"]))
    filled = trade.fill_base_sz if args["sz_ccy"] == trade.base_ccy else trade.fill_quote_sz
    return (
        trade.base_ccy == args["base_ccy"]
        and trade.quote_ccy == args["quote_ccy"]
        and trade.side == _code(args["side"])
        and filled == sz
    )


def _code(value: object) -> str:
    return str(getattr(value, "value", value))
