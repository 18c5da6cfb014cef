"""``client.funding``'s history: one page of deposits, withdrawals or bills, and the
iterators over a whole window (rate bucket ``funding``; the archive has its own)."""

from __future__ import annotations

from .. import models as m
from .._endpoints import funding as ep
from .._paging import MAX_PAGE, HistoryIterator, iter_time_paged
from .base import Ccy, Namespace, Time, union_page

__all__ = ["FundingHistory"]


class FundingHistory(Namespace):
    """The history calls of ``client.funding`` (a base class of ``FundingApi``)."""

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
        """One page of deposits, newest first.

        `GET /api/v5/asset/deposit-history` · rate bucket `funding` ·
        Permission: Read

        Several currencies cost one request each (sent concurrently); the answer is then the
        newest `limit` of their union, as one page of all of them would be. To walk a whole
        history, use [`iter_deposits`][okxasync._resources.FundingApi.iter_deposits].

        Args:
            ccy: A currency code or up to 20 (`"BTC"`, `["BTC", "USDT"]`); all when omitted.
            dep_id: Only the deposit with this id.
            tx_id: Only deposits of this on-chain transaction hash.
            state: Only deposits in this state ([`DepositState`][okxasync.DepositState] or code).
            after: Only records older than this (exclusive): an aware `datetime` or Unix ms.
            before: Only records newer than this (exclusive), as `after`.
            limit: At most this many records, 1 to 100 (the API's default: 100).

        Returns:
            Up to `limit` [`Deposit`][okxasync.Deposit] records, newest first.

        Raises:
            ValidationError: An argument is invalid (nothing was sent).
            AuthenticationError: The key, passphrase, signature or timestamp was refused.
            RateLimitError: Still rate-limited after the client's own waits and retries.
            APIError: The exchange refused the call (`.code`, `.msg`).
            TransportError: The network failed, after retries.
            ResponseError: The answer is not a valid envelope or record, after retries.
            LimiterUnavailableError: The shared (Redis) limiter is unreachable (nothing sent).
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
        """One page of the funding account's bills (balance changes), newest first.

        `GET /api/v5/asset/bills` · rate bucket `funding` · Permission: Read

        Several currencies as in
        [`deposit_history`][okxasync._resources.FundingApi.deposit_history]. With
        `archive=True`: `GET /api/v5/asset/bills-history` (its own limit of
        1 request / s), every funding bill since 2021-02-01, refreshed about every 30 s.

        Args:
            ccy: A currency code or up to 20 (`"BTC"`, `["BTC", "USDT"]`); all when omitted.
            type: Only bills of this type ([`BillType`][okxasync.BillType] or its code).
            client_id: Only the bill of the withdrawal or transfer with this client id.
            after: Only records older than this (exclusive): an aware `datetime` or Unix ms.
            before: Only records newer than this (exclusive), as `after`.
            limit: At most this many records, 1 to 100 (the API's default: 100).
            archive: Read the archive instead of the recent bills.

        Returns:
            Up to `limit` [`Bill`][okxasync.Bill] records, newest first.

        Raises:
            ValidationError: An argument is invalid (nothing was sent).
            AuthenticationError: The key, passphrase, signature or timestamp was refused.
            RateLimitError: Still rate-limited after the client's own waits and retries.
            APIError: The exchange refused the call (`.code`, `.msg`).
            TransportError: The network failed, after retries.
            ResponseError: The answer is not a valid envelope or record, after retries.
            LimiterUnavailableError: The shared (Redis) limiter is unreachable (nothing sent).
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
        """One page of withdrawals, newest first.

        `GET /api/v5/asset/withdrawal-history` · rate bucket `funding` ·
        Permission: Read

        Several currencies as in
        [`deposit_history`][okxasync._resources.FundingApi.deposit_history].

        Args:
            ccy: A currency code or up to 20 (`"BTC"`, `["BTC", "USDT"]`); all when omitted.
            wd_id: Only the withdrawal with this id.
            client_id: Only the withdrawal with this client id.
            tx_id: Only withdrawals of this on-chain transaction hash.
            state: Only withdrawals in this state ([`WithdrawalState`][okxasync.WithdrawalState]
                or its code).
            after: Only records older than this (exclusive): an aware `datetime` or Unix ms.
            before: Only records newer than this (exclusive), as `after`.
            limit: At most this many records, 1 to 100 (the API's default: 100).

        Returns:
            Up to `limit` [`WithdrawalRecord`][okxasync.WithdrawalRecord] records, newest first.

        Raises:
            ValidationError: An argument is invalid (nothing was sent).
            AuthenticationError: The key, passphrase, signature or timestamp was refused.
            RateLimitError: Still rate-limited after the client's own waits and retries.
            APIError: The exchange refused the call (`.code`, `.msg`).
            TransportError: The network failed, after retries.
            ResponseError: The answer is not a valid envelope or record, after retries.
            LimiterUnavailableError: The shared (Redis) limiter is unreachable (nothing sent).
        """
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
        """Every deposit with `since <= ts < until`, each exactly once, newest first.

        `GET /api/v5/asset/deposit-history`, paged · rate bucket `funding` ·
        Permission: Read

        `ccy` may name up to 20 currencies: each is paged on its own (the API takes one) and
        the streams are merged newest first, ties in the order the currencies are given. Page
        fetches yield to direct calls in the rate limiter. See
        [History and exports][history-and-exports].

        Args:
            ccy: A currency code or up to 20 (`"BTC"`, `["BTC", "USDT"]`); all when omitted.
            tx_id: Only deposits of this on-chain transaction hash.
            state: Only deposits in this state ([`DepositState`][okxasync.DepositState] or code).
            since: The oldest time included (inclusive): an aware `datetime` or Unix milliseconds.
            until: The newest time excluded (exclusive), as `since`; by default, now.
            page_size: Records per request, 1 to 100; widened automatically for a millisecond
                holding more records than a page.
            concurrency: At most how many requests (time shards) to run at once; no more than
                keep the rate limit busy (none extra when one at a time does). Pages of
                different shards interleave, so the stream is no longer newest first.

        Returns:
            A lazy iterator (use `async for`, ideally inside `async with`): it sends nothing until
            iterated, and stops fetching on `break`, `aclose()` or cancellation.

        Raises:
            ValidationError: An argument is invalid (raised now, before any request).

        Errors of the requests themselves (as for `deposit_history`, and
        [`PagingError`][okxasync.PagingError] when one millisecond holds more records than the
        largest page) are raised while iterating.
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
        """Every withdrawal with `since <= ts < until`, each exactly once, newest first.

        `GET /api/v5/asset/withdrawal-history`, paged · rate bucket `funding` ·
        Permission: Read

        Paged as [`iter_deposits`][okxasync._resources.FundingApi.iter_deposits].

        Args:
            ccy: A currency code or up to 20 (`"BTC"`, `["BTC", "USDT"]`); all when omitted.
            client_id: Only the withdrawal with this client id.
            tx_id: Only withdrawals of this on-chain transaction hash.
            state: Only withdrawals in this state ([`WithdrawalState`][okxasync.WithdrawalState]
                or its code).
            since: The oldest time included (inclusive): an aware `datetime` or Unix milliseconds.
            until: The newest time excluded (exclusive), as `since`; by default, now.
            page_size: Records per request, 1 to 100; widened automatically for a millisecond
                holding more records than a page.
            concurrency: At most how many requests (time shards) to run at once; no more than
                keep the rate limit busy (none extra when one at a time does). Pages of
                different shards interleave, so the stream is no longer newest first.

        Returns:
            A lazy iterator (use `async for`, ideally inside `async with`): it sends nothing until
            iterated, and stops fetching on `break`, `aclose()` or cancellation.

        Raises:
            ValidationError: An argument is invalid (raised now, before any request).

        Errors of the requests themselves (as for `deposit_history`, and
        [`PagingError`][okxasync.PagingError] when one millisecond holds more records than the
        largest page) are raised while iterating.
        """
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
        """Every bill with `since <= ts < until`, each exactly once, newest first.

        `GET /api/v5/asset/bills`, paged · rate bucket `funding` ·
        Permission: Read

        Paged as [`iter_deposits`][okxasync._resources.FundingApi.iter_deposits]. The API keeps
        about a month of bills; `archive=True` pages `GET /api/v5/asset/bills-history`
        instead (back to 2021-02-01, its own limit of 1 request / s: about 100
        bills a second), with the same exactly-once guarantee.

        Args:
            ccy: A currency code or up to 20 (`"BTC"`, `["BTC", "USDT"]`); all when omitted.
            type: Only bills of this type ([`BillType`][okxasync.BillType] or its code).
            client_id: Only the bill of the withdrawal or transfer with this client id.
            since: The oldest time included (inclusive): an aware `datetime` or Unix milliseconds.
            until: The newest time excluded (exclusive), as `since`; by default, now.
            page_size: Records per request, 1 to 100; widened automatically for a millisecond
                holding more records than a page.
            concurrency: At most how many requests (time shards) to run at once; no more than
                keep the rate limit busy (none extra when one at a time does). Pages of
                different shards interleave, so the stream is no longer newest first.
            archive: Page the archive instead of the recent bills.

        Returns:
            A lazy iterator (use `async for`, ideally inside `async with`): it sends nothing until
            iterated, and stops fetching on `break`, `aclose()` or cancellation.

        Raises:
            ValidationError: An argument is invalid (raised now, before any request).

        Errors of the requests themselves (as for `deposit_history`, and
        [`PagingError`][okxasync.PagingError] when one millisecond holds more records than the
        largest page) are raised while iterating.
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
