"""Funds moving calls of ``client.funding``: transfers, their state, withdrawal cancels,
and the detailed status of a deposit or withdrawal (rate group ``funding``)."""

from __future__ import annotations

from .. import models as m
from .._endpoints import funding as ep
from .._errors import ValidationError
from .._http.reconcile import exactly_once
from .base import Amount, Namespace, new_client_id, one
from .transfers import find_transfer, send_transfer, transfer_result

__all__ = ["FundingMoves"]


class FundingMoves(Namespace):
    """Transfers between accounts, transfer state, withdrawal cancels and status (the
    part of ``client.funding`` OKX added to the reference's calls)."""

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

        `POST /api/v5/asset/transfer` · rate bucket `funding` (and `transfer`: 2 requests
        / s per currency) · Permission: Trade

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
        ep.TRANSFER.encode(args)  # a bad argument raises before anything is sent
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

        `GET /api/v5/asset/deposit-withdraw-status` · rate bucket `funding` (and
        `deposit-withdraw-status`: 1 request / 2 s) · Permission: Read

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
