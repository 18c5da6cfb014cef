"""``client.funding``: thin, keyword-only methods over the pipeline (rate group ``funding``)."""

from __future__ import annotations

from collections.abc import Mapping

from .. import models as m
from .._endpoints import funding as ep
from .._errors import ValidationError
from .._http.encode import encode
from .._http.reconcile import exactly_once, mismatch
from .._paging import MAX_PAGE, HistoryIterator, iter_time_paged
from .base import Amount, Ccy, Namespace, Time, as_decimal, new_client_id, one, union_page
from .transfers import find_transfer, send_transfer, transfer_result

__all__ = ["FundingApi"]


class FundingApi(Namespace):
    """Funding account calls (rate group ``funding``, 6 requests per second)."""

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

    async def transfer(
        self,
        *,
        ccy: str,
        amt: Amount,
        from_: m.AccountType | str,
        to: m.AccountType | str,
        type: m.TransferType | str | None = None,
        sub_acct: str | None = None,
        client_id: str | None = None,
        omit_pos_risk: bool | None = None,
    ) -> m.Transfer:
        """Move funds between accounts, sent exactly once.

        `POST /api/v5/asset/transfer` · rate bucket `funding` (and 2 requests / s per
        currency) · Permission: Trade

        A client id is always sent. An ambiguous answer (timeout, lost connection, HTTP 5xx)
        is resolved by looking the transfer up by it (`GET /api/v5/asset/transfer-state`),
        never by resending; `58124` ("being processed") is waited out the same way, at
        most `RetryPolicy.lookups` state checks `lookup_interval` apart; a reused client id
        (`50071`) is looked up and returned when it is this transfer. Accepted is not yet
        completed: `transfer_state` tells.

        Args:
            ccy: The currency, e.g. `"USDT"`.
            amt: The amount: `Decimal`, `int` or decimal `str` (never `float`).
            from_: The source account: `"6"` funding, `"18"` trading (or `AccountType`).
            to: The destination account, as `from_`.
            type: `0` within this account (default), `1` master to sub-account, `2`
                sub-account to master (master's key), `3` sub to master (the sub-account's
                key), `4` sub to sub (or `TransferType`).
            sub_acct: The sub-account; required for `type` 1, 2 and 4.
            client_id: Your idempotency key, 1-32 ASCII letters and digits; generated when
                omitted.
            omit_pos_risk: Portfolio margin only: ignore position risk.

        Returns:
            The accepted [`Transfer`][okxasync.Transfer] (`trans_id`, `client_id`).

        Raises:
            OutcomeUnknownError: The outcome could not be established (ambiguous answer not
                found, or still pending after the checks); `.client_id` says what to look up.
            APIError: The exchange refused it (58116 more than available, 58123 from = to,
                58115 no such sub-account, 58127/58128 a type this key cannot use), or the
                transfer state says it failed (58112).
            ValidationError: An argument is invalid (nothing was sent).
            AuthenticationError: The key, passphrase, signature or timestamp was refused (code
                50119: a key of another OKX region, see the README's "Hosts").
            RateLimitError: Still rate-limited after the client's own waits and retries.
            TransportError: The request could not be completed after retries.
            LimiterUnavailableError: The shared (Redis) limiter is unreachable (nothing sent).
        """
        client_id = client_id or new_client_id()
        args = {
            "type": type,
            "ccy": ccy,
            "amt": amt,
            "from_": from_,
            "to": to,
            "sub_acct": sub_acct,
            "omit_pos_risk": omit_pos_risk,
            "client_id": client_id,
        }
        encode(ep.TRANSFER.params, args)  # a bad argument raises before anything is sent
        if type in ("1", "2", "4") and sub_acct is None:
            raise ValidationError(f"sub_acct is required for transfer type {type}")
        outcome = await exactly_once(
            lambda: send_transfer(self._pipeline, args),
            lambda: find_transfer(self._pipeline, args),
            confirmed=lambda answer: bool(answer.trans_id),
            policy=self._pipeline.retry,
            what="transfer",
            client_id=client_id,
        )
        return transfer_result(outcome)

    async def transfer_state(
        self,
        *,
        trans_id: str | None = None,
        client_id: str | None = None,
        type: m.TransferType | str | None = None,
    ) -> m.TransferState:
        """The state of a transfer of the last two weeks.

        `GET /api/v5/asset/transfer-state` · rate bucket `funding` · Permission: Read

        Args:
            trans_id: The transfer id (wins if both are given).
            client_id: The client id it was sent with.
            type: The transfer's type (`TransferType`); the API assumes `0` when omitted, so
                pass it for sub-account transfers.

        Returns:
            The [`TransferState`][okxasync.TransferState]: `success`, `pending` or `failed`.

        Raises:
            ValidationError: Neither `trans_id` nor `client_id` is given, or one is invalid.
            ResponseError: The server has no such transfer (of that type, in two weeks).
            APIError: The exchange refused the query.
            AuthenticationError: The key, passphrase, signature or timestamp was refused (code
                50119: a key of another OKX region, see the README's "Hosts").
            RateLimitError: Still rate-limited after the client's own waits and retries.
            TransportError: The request could not be completed after retries.
            LimiterUnavailableError: The shared (Redis) limiter is unreachable (nothing sent).
        """
        if trans_id is None and client_id is None:
            raise ValidationError("transfer_state needs trans_id or client_id")
        records = await self._pipeline.request(
            ep.TRANSFER_STATE, {"trans_id": trans_id, "client_id": client_id, "type": type}
        )
        return one(records, "transfer state")

    async def cancel_withdrawal(self, *, wd_id: str) -> str:
        """Ask to cancel a withdrawal.

        `POST /api/v5/asset/cancel-withdrawal` · rate bucket `funding` · Permission: Trade
        (as the API documents it, not Withdraw)

        Only withdrawals in state `0` (waiting), `17` (pending a Travel Rule vendor) or `19`
        (waiting for the hot wallet) can be cancelled
        (`okxasync.models.CANCELLABLE_WITHDRAWAL_STATES`); Lightning withdrawals cannot.
        Success means accepted: the withdrawal moves to `-3` (cancelling), then `-2`
        (cancelled), seen in `withdrawal_history` or the withdrawal stream. Safe to repeat.

        Args:
            wd_id: The withdrawal id.

        Returns:
            The `wd_id` the exchange accepted the cancel for.

        Raises:
            APIError: 58216 its state cannot be cancelled, 58215 no such withdrawal, 58220
                already cancelled (also when a retried attempt finds its own cancel done).
            ValidationError: `wd_id` is empty (nothing was sent).
            AuthenticationError: The key, passphrase, signature or timestamp was refused (code
                50119: a key of another OKX region, see the README's "Hosts").
            RateLimitError: Still rate-limited after the client's own waits and retries.
            TransportError: The request could not be completed after retries.
            LimiterUnavailableError: The shared (Redis) limiter is unreachable (nothing sent).
        """
        records = await self._pipeline.request(ep.CANCEL_WITHDRAWAL, {"wd_id": wd_id})
        return one(records, "cancel withdrawal").wd_id

    async def deposit_withdraw_status(
        self,
        *,
        wd_id: str | None = None,
        tx_id: str | None = None,
        ccy: str | None = None,
        to: str | None = None,
        chain: str | None = None,
    ) -> list[m.DepositWithdrawStatus]:
        """Detailed progress and ETA of a withdrawal or a deposit.

        `GET /api/v5/asset/deposit-withdraw-status` · rate bucket `funding` (and 1 request
        / 2 s) · Permission: Read

        Args:
            wd_id: A withdrawal's id (exactly one of `wd_id` / `tx_id`).
            tx_id: A deposit's on-chain hash; needs `ccy`, `to` and `chain` too.
            ccy: The deposit's currency.
            to: The deposit's destination address.
            chain: The deposit's chain, e.g. `"USDT-ERC20"`.

        Returns:
            The [`DepositWithdrawStatus`][okxasync.DepositWithdrawStatus] records: stage,
            and the ETA as sent (UTC+8 text) and as an aware datetime.

        Raises:
            ValidationError: Not exactly one of `wd_id` / `tx_id`, or `tx_id` without `ccy`,
                `to` and `chain` (nothing was sent).
            APIError: The exchange refused the query (58215: no such withdrawal).
            AuthenticationError: The key, passphrase, signature or timestamp was refused (code
                50119: a key of another OKX region, see the README's "Hosts").
            RateLimitError: Still rate-limited after the client's own waits and retries.
            TransportError: The request could not be completed after retries.
            LimiterUnavailableError: The shared (Redis) limiter is unreachable (nothing sent).
        """
        if (wd_id is None) == (tx_id is None):
            raise ValidationError("deposit_withdraw_status needs exactly one of wd_id, tx_id")
        if tx_id is not None and None in (ccy, to, chain):
            raise ValidationError("a deposit (tx_id) also needs ccy, to and chain")
        args = {"wd_id": wd_id, "tx_id": tx_id, "ccy": ccy, "to": to, "chain": chain}
        return await self._pipeline.request(ep.DEPOSIT_WITHDRAW_STATUS, args)
