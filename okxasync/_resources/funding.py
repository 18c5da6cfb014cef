"""``client.funding``: thin, keyword-only methods over the pipeline (rate group ``funding``)."""

from __future__ import annotations

from collections.abc import Mapping

from .. import models as m
from .._endpoints import funding as ep
from .._http.reconcile import exactly_once, mismatch
from .._paging import MAX_PAGE, HistoryIterator, iter_time_paged
from .base import Amount, Ccy, Time, as_decimal, new_client_id, one, union_page
from .moves import FundingMoves

__all__ = ["FundingApi"]


class FundingApi(FundingMoves):
    """Funding account calls (rate group ``funding``, 6 requests per second); transfers,
    cancels and deposit/withdrawal status come from :class:`FundingMoves`."""

    async def balances(self, ccy: Ccy | None = None) -> list[m.Balance]:
        return await self._pipeline.request(ep.BALANCES, {"ccy": ccy})

    async def currencies(self, ccy: Ccy | None = None) -> list[m.Currency]:
        return await self._pipeline.request(ep.CURRENCIES, {"ccy": ccy})

    async def deposit_address(self, ccy: str) -> list[m.DepositAddress]:
        return await self._pipeline.request(ep.DEPOSIT_ADDRESS, {"ccy": ccy})

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
        return await union_page(
            self._pipeline,
            ep.DEPOSIT_HISTORY,
            {
                "ccy": ccy,
                "dep_id": dep_id,
                "tx_id": tx_id,
                "state": state,
                "after": after,
                "before": before,
                "limit": limit,
            },
        )

    async def bills(
        self,
        *,
        ccy: Ccy | None = None,
        type: m.BillType | str | None = None,
        client_id: str | None = None,
        after: Time | None = None,
        before: Time | None = None,
        limit: int | None = None,
        archive: bool = False,
    ) -> list[m.Bill]:
        """One page of bills, newest first; several currencies as in :meth:`deposit_history`.

        ``archive=True`` reads the archive (``GET /api/v5/asset/bills-history``: every
        funding bill since 2021-02-01, refreshed about every 30 s; 1 request / s) instead
        of ``GET /api/v5/asset/bills`` (the recent ones). Permission: Read.
        """
        return await union_page(
            self._pipeline,
            ep.BILLS_HISTORY if archive else ep.BILLS,
            {
                "ccy": ccy,
                "type": type,
                "client_id": client_id,
                "after": after,
                "before": before,
                "limit": limit,
            },
        )

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
        args = {
            "ccy": ccy,
            "amt": amt,
            "dest": dest,
            "to_addr": to_addr,
            "fee": fee,
            "chain": chain,
            "client_id": client_id,
        }
        return await exactly_once(
            lambda: self._send_withdrawal(args),
            lambda: self._find_withdrawal(client_id, ccy, amt),
            confirmed=lambda answer: bool(answer.wd_id),
            policy=self._pipeline.retry,
            what="withdrawal",
            client_id=client_id,
        )

    async def _send_withdrawal(self, args: Mapping[str, object]) -> m.Withdrawal:
        return one(await self._pipeline.request(ep.WITHDRAW, args), "withdrawal")

    async def _find_withdrawal(self, client_id: str, ccy: str, amt: Amount) -> m.Withdrawal | None:
        records = await self._pipeline.request(ep.WITHDRAWAL_HISTORY, {"client_id": client_id})
        record = next((r for r in records if r.client_id == client_id), None)
        if record is None:
            return None
        if record.ccy != ccy or record.amt != as_decimal(amt):
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
        return await union_page(
            self._pipeline,
            ep.WITHDRAWAL_HISTORY,
            {
                "ccy": ccy,
                "wd_id": wd_id,
                "client_id": client_id,
                "tx_id": tx_id,
                "state": state,
                "after": after,
                "before": before,
                "limit": limit,
            },
        )

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
            self._pipeline,
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
            self._pipeline,
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
        archive: bool = False,
    ) -> HistoryIterator[m.Bill]:
        """Every bill with ``since <= ts < until``, as :meth:`iter_deposits`.

        ``archive=True`` pages the archive (``GET /api/v5/asset/bills-history``, back to
        2021-02-01, 1 request / s: about 100 bills a second), with the same exactly-once
        guarantee across same-millisecond page boundaries.
        """
        filters = {"ccy": ccy, "type": type, "client_id": client_id}
        return iter_time_paged(
            self._pipeline,
            ep.BILLS_HISTORY if archive else ep.BILLS,
            filters,
            since=since,
            until=until,
            page_size=page_size,
            concurrency=concurrency,
        )
