"""``client.funding`` and ``client.otc``: thin, keyword-only methods over the pipeline."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

from . import _endpoints as ep
from . import models as m
from ._errors import ResponseError, ValidationError
from ._paging import MAX_PAGE, HistoryIterator, iter_rfq_history, iter_time_paged, union_page
from ._reconcile import exactly_once, mismatch

if TYPE_CHECKING:
    from ._client import Client

__all__ = ["FundingApi", "OtcApi", "new_client_id"]

R = TypeVar("R")
Ccy = str | Iterable[str]
Amount = Decimal | int | str
Time = datetime | int


def new_client_id() -> str:
    """A fresh idempotency key: 32 lowercase hex characters (alphanumeric, as required)."""
    return uuid.uuid4().hex


def _args(scope: dict[str, object]) -> dict[str, object]:
    """A method's keyword arguments, from its ``locals()`` (taken before any other local)."""
    return {name: value for name, value in scope.items() if name != "self"}


def _one(records: list[R], what: str) -> R:
    if not records:
        raise ResponseError(f"{what}: the server answered with no record", 200, b"")
    return records[0]


class FundingApi:
    """Funding account calls (rate group ``funding``, 6 requests per second)."""

    def __init__(self, client: Client) -> None:
        self._client = client

    async def balances(self, ccy: Ccy | None = None) -> list[m.Balance]:
        return await self._client.request(ep.BALANCES, _args(locals()))

    async def currencies(self, ccy: Ccy | None = None) -> list[m.Currency]:
        return await self._client.request(ep.CURRENCIES, _args(locals()))

    async def deposit_address(self, ccy: str) -> list[m.DepositAddress]:
        return await self._client.request(ep.DEPOSIT_ADDRESS, _args(locals()))

    async def deposit_history(
        self,
        *,
        ccy: Ccy | None = None,
        dep_id: str | None = None,
        tx_id: str | None = None,
        state: m.DepositState | str | None = None,
        after: Time | None = None,
        before: Time | None = None,
        limit: int | None = None,
    ) -> list[m.Deposit]:
        """One page of deposits, newest first; ``after``/``before`` are exclusive ms cursors.

        Several currencies cost one request each (sent concurrently); the answer is the
        newest ``limit`` (default 100) of their union, as one page of all of them would be.
        """
        return await union_page(self._client, ep.DEPOSIT_HISTORY, _args(locals()))

    async def bills(
        self,
        *,
        ccy: Ccy | None = None,
        type: m.BillType | str | None = None,
        client_id: str | None = None,
        after: Time | None = None,
        before: Time | None = None,
        limit: int | None = None,
    ) -> list[m.Bill]:
        """One page of bills, newest first; several currencies as in :meth:`deposit_history`."""
        return await union_page(self._client, ep.BILLS, _args(locals()))

    async def withdraw(
        self,
        *,
        ccy: str,
        amt: Amount,
        dest: str,
        to_addr: str,
        fee: Amount,
        chain: str | None = None,
        client_id: str | None = None,
    ) -> m.Withdrawal:
        """Request a withdrawal, sent exactly once.

        ``client_id`` (1-32 letters and digits; generated when omitted) is the idempotency
        key. If the answer is ambiguous the withdrawal is looked up by it instead of being
        resent (see the README's "Reliability"): the result is the recorded withdrawal, or
        :class:`OutcomeUnknownError` carrying ``client_id`` when it cannot be established.
        """
        client_id = client_id or new_client_id()
        args = _args(locals())
        return await exactly_once(
            lambda: self._send_withdrawal(args),
            lambda: self._find_withdrawal(client_id, ccy, amt),
            policy=self._client.retry,
            what="withdrawal",
            client_id=client_id,
        )

    async def _send_withdrawal(self, args: dict[str, object]) -> m.Withdrawal:
        return _one(await self._client.request(ep.WITHDRAW, args), "withdrawal")

    async def _find_withdrawal(self, client_id: str, ccy: str, amt: Amount) -> m.Withdrawal | None:
        records = await self._client.request(ep.WITHDRAWAL_HISTORY, {"client_id": client_id})
        record = next((r for r in records if r.client_id == client_id), None)
        if record is None:
            return None
        if record.ccy != ccy or record.amt != _decimal(amt):
            raise mismatch("withdrawal", client_id, f"wdId {record.wd_id}")
        return m.Withdrawal(
            amt=record.amt,
            wd_id=record.wd_id,
            ccy=record.ccy,
            client_id=client_id,
            chain=record.chain,
        )

    async def withdrawal_history(
        self,
        *,
        ccy: Ccy | None = None,
        wd_id: str | None = None,
        client_id: str | None = None,
        tx_id: str | None = None,
        state: m.WithdrawalState | str | None = None,
        after: Time | None = None,
        before: Time | None = None,
        limit: int | None = None,
    ) -> list[m.WithdrawalRecord]:
        """One page of withdrawals, newest first; several currencies as in
        :meth:`deposit_history`."""
        return await union_page(self._client, ep.WITHDRAWAL_HISTORY, _args(locals()))

    def iter_deposits(
        self,
        *,
        ccy: Ccy | None = None,
        tx_id: str | None = None,
        state: m.DepositState | str | None = None,
        since: Time | None = None,
        until: Time | None = None,
        page_size: int = MAX_PAGE,
        concurrency: int = 1,
    ) -> HistoryIterator[m.Deposit]:
        """Every deposit with ``since <= ts < until``, each exactly once, newest first.

        ``ccy`` may name up to 20 currencies: each is paged on its own (the API takes one)
        and the streams are merged newest first, ties in the order the currencies are
        given; repeats are dropped. ``concurrency=k`` pages ``k`` time shards at once
        (shared by all currencies: at most ``k`` requests in flight): each page is still
        newest first, but pages of different shards interleave. Arguments are validated
        now, before any request.
        """
        filters = {"ccy": ccy, "tx_id": tx_id, "state": state}
        return iter_time_paged(
            self._client,
            ep.DEPOSIT_HISTORY,
            filters,
            since=since,
            until=until,
            page_size=page_size,
            concurrency=concurrency,
        )

    def iter_withdrawals(
        self,
        *,
        ccy: Ccy | None = None,
        client_id: str | None = None,
        tx_id: str | None = None,
        state: m.WithdrawalState | str | None = None,
        since: Time | None = None,
        until: Time | None = None,
        page_size: int = MAX_PAGE,
        concurrency: int = 1,
    ) -> HistoryIterator[m.WithdrawalRecord]:
        """Every withdrawal with ``since <= ts < until``, as :meth:`iter_deposits`."""
        filters = {"ccy": ccy, "client_id": client_id, "tx_id": tx_id, "state": state}
        return iter_time_paged(
            self._client,
            ep.WITHDRAWAL_HISTORY,
            filters,
            since=since,
            until=until,
            page_size=page_size,
            concurrency=concurrency,
        )

    def iter_bills(
        self,
        *,
        ccy: Ccy | None = None,
        type: m.BillType | str | None = None,
        client_id: str | None = None,
        since: Time | None = None,
        until: Time | None = None,
        page_size: int = MAX_PAGE,
        concurrency: int = 1,
    ) -> HistoryIterator[m.Bill]:
        """Every bill with ``since <= ts < until``, as :meth:`iter_deposits`."""
        filters = {"ccy": ccy, "type": type, "client_id": client_id}
        return iter_time_paged(
            self._client,
            ep.BILLS,
            filters,
            since=since,
            until=until,
            page_size=page_size,
            concurrency=concurrency,
        )


class OtcApi:
    """OTC RFQ calls (rate group ``otc``, 2 requests per 2 seconds)."""

    def __init__(self, client: Client) -> None:
        self._client = client

    async def instruments(self) -> list[m.RfqInstrument]:
        """All tradable pairs, flattened; each carries the ``ts`` of its list."""
        lists = await self._client.request(ep.RFQ_INSTRUMENTS, _args(locals()))
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
        records = await self._client.request(ep.RFQ_QUOTE, _args(locals()))
        return _one(records, "quote")

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
        args = _args(locals())
        return await exactly_once(
            lambda: self._send_trade(args),
            lambda: self._find_trade(cl_t_req_id, quote_id),
            policy=self._client.retry,
            what="trade",
            client_id=cl_t_req_id,
        )

    async def _send_trade(self, args: dict[str, object]) -> m.Trade:
        return _one(await self._client.request(ep.RFQ_TRADE, args), "trade")

    async def _find_trade(self, cl_t_req_id: str, quote_id: str) -> m.Trade | None:
        records = await self._client.request(ep.RFQ_GET_TRADE, {"cl_t_req_id": cl_t_req_id})
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
        records = await self._client.request(ep.RFQ_GET_TRADE, _args(locals()))
        return _one(records, "trade")

    async def history(
        self,
        *,
        begin: Time | None = None,
        end: Time | None = None,
        page_sz: int | None = None,
        page_idx: int | None = None,
    ) -> m.HistoryPage:
        """One page of RFQ trade history; ``page_idx`` is 0-based."""
        pages = await self._client.request(ep.RFQ_HISTORY, _args(locals()))
        return _one(pages, "history")

    def iter_history(
        self,
        *,
        begin: Time | None = None,
        end: Time | None = None,
        page_size: int = MAX_PAGE,
    ) -> HistoryIterator[m.HistoryTrade]:
        """Every RFQ trade between ``begin`` and ``end`` (bounds as the API applies them),
        each exactly once, newest first, even while new trades shift the pages."""
        return iter_rfq_history(self._client, begin=begin, end=end, page_size=page_size)


def _decimal(amount: Amount) -> Decimal:
    """An amount argument as a Decimal (it was validated when the request was encoded)."""
    return Decimal(amount.strip() if isinstance(amount, str) else amount)


def _with_ts(inst: m.RfqInstrument, ts_ms: int | None) -> m.RfqInstrument:
    import msgspec

    return msgspec.structs.replace(inst, ts_ms=ts_ms)
