"""``client.funding`` and ``client.otc``: thin, keyword-only methods over the pipeline."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

from . import _endpoints as ep
from . import models as m
from ._errors import ResponseError
from ._paging import MAX_PAGE, HistoryIterator, iter_rfq_history, iter_time_paged

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
        """One page of deposits, newest first; ``after``/``before`` are exclusive ms cursors."""
        return await self._client.request(ep.DEPOSIT_HISTORY, _args(locals()))

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
        """One page of bills, newest first."""
        return await self._client.request(ep.BILLS, _args(locals()))

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
        """Request a withdrawal. ``client_id`` (generated when omitted) is the idempotency key."""
        client_id = client_id or new_client_id()
        records = await self._client.request(ep.WITHDRAW, _args(locals()))
        return _one(records, "withdrawal")

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
        """One page of withdrawals, newest first."""
        return await self._client.request(ep.WITHDRAWAL_HISTORY, _args(locals()))

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

        ``concurrency=k`` pages ``k`` time shards at once: each page is still newest
        first, but pages of different shards interleave. Arguments are validated now.
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
        """Trade a quote. ``cl_t_req_id`` (generated when omitted) is the idempotency key."""
        cl_t_req_id = cl_t_req_id or new_client_id()
        records = await self._client.request(ep.RFQ_TRADE, _args(locals()))
        return _one(records, "trade")

    async def get_trade(
        self, *, trade_id: str | None = None, cl_t_req_id: str | None = None
    ) -> m.Trade:
        """One trade by ``trade_id`` or ``cl_t_req_id`` (``trade_id`` wins if both are given)."""
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


def _with_ts(inst: m.RfqInstrument, ts_ms: int | None) -> m.RfqInstrument:
    import msgspec

    return msgspec.structs.replace(inst, ts_ms=ts_ms)
