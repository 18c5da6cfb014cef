"""``client.funding``: thin, keyword-only methods over the pipeline (rate group ``funding``)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from .. import models as m
from .._endpoints import funding as ep
from .._errors import APIError
from .._http.reconcile import exactly_once, mismatch, refused_as_duplicate
from .base import Amount, Ccy, new_client_id, one, shown_as
from .events import FundingEvents
from .history import FundingHistory
from .moves import FundingMoves

__all__ = ["DUPLICATE_CLIENT_ID", "FundingApi"]

#: The withdrawal refusal "the clientId was used before".
DUPLICATE_CLIENT_ID = "58237"


class FundingApi(FundingHistory, FundingMoves, FundingEvents):
    """`client.funding`: the funding account (rate bucket `funding`, 6 requests per second).

    Every method is keyword-only apart from `ccy` of the first three, validates its
    arguments before anything is sent, and shares the client's rate-limit scheduler.
    The history calls and iterators (from the base class `FundingHistory`), transfers,
    cancels and deposit/withdrawal status (`FundingMoves`) and the real-time streams
    (`FundingEvents`) are below too.
    """

    async def balances(self, ccy: Ccy | None = None) -> list[m.Balance]:
        """The funding account's balances, per currency.

        `GET /api/v5/asset/balances` · rate bucket `funding` · Permission: Read

        Args:
            ccy: A currency code or up to 20 (`"BTC"`, `["BTC", "USDT"]`); all when omitted.

        Returns:
            One [`Balance`][okxasync.Balance] per currency held (none for a currency not held).

        Raises:
            ValidationError: An argument is invalid (nothing was sent).
            AuthenticationError: The key, passphrase, signature or timestamp was refused.
            RateLimitError: Still rate-limited after the client's own waits and retries.
            APIError: The exchange refused the call (`.code`, `.msg`).
            TransportError: The network failed, after retries.
            ResponseError: The answer is not a valid envelope or record, after retries.
            LimiterUnavailableError: The shared (Redis) limiter is unreachable (nothing sent).
        """
        return await self._pipeline.request(ep.BALANCES, {"ccy": ccy})

    async def currencies(self, ccy: Ccy | None = None) -> list[m.Currency]:
        """The currencies the account can deposit and withdraw, one record per chain.

        `GET /api/v5/asset/currencies` · rate bucket `funding` · Permission: Read

        Args:
            ccy: A currency code or up to 20 (`"BTC"`, `["BTC", "USDT"]`); all when omitted.

        Returns:
            One [`Currency`][okxasync.Currency] per currency and chain: limits, fees, whether
            deposits and withdrawals are open.

        Raises:
            ValidationError: An argument is invalid (nothing was sent).
            AuthenticationError: The key, passphrase, signature or timestamp was refused.
            RateLimitError: Still rate-limited after the client's own waits and retries.
            APIError: The exchange refused the call (`.code`, `.msg`).
            TransportError: The network failed, after retries.
            ResponseError: The answer is not a valid envelope or record, after retries.
            LimiterUnavailableError: The shared (Redis) limiter is unreachable (nothing sent).
        """
        return await self._pipeline.request(ep.CURRENCIES, {"ccy": ccy})

    async def deposit_address(self, ccy: str) -> list[m.DepositAddress]:
        """The account's deposit addresses for one currency.

        `GET /api/v5/asset/deposit-address` · rate bucket `funding` ·
        Permission: Read

        Args:
            ccy: One currency code, e.g. `"USDT"`.

        Returns:
            One [`DepositAddress`][okxasync.DepositAddress] per address (per chain; `selected`
            marks the chain's current one).

        Raises:
            ValidationError: An argument is invalid (nothing was sent).
            AuthenticationError: The key, passphrase, signature or timestamp was refused.
            RateLimitError: Still rate-limited after the client's own waits and retries.
            APIError: The exchange refused the call (`.code`, `.msg`).
            TransportError: The network failed, after retries.
            ResponseError: The answer is not a valid envelope or record, after retries.
            LimiterUnavailableError: The shared (Redis) limiter is unreachable (nothing sent).
        """
        return await self._pipeline.request(ep.DEPOSIT_ADDRESS, {"ccy": ccy})

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

        `POST /api/v5/asset/withdrawal` · rate bucket `funding` ·
        Permission: Withdraw

        It is never resent: when the answer is ambiguous (timeout, lost connection, HTTP 5xx,
        busy code, unreadable body), the withdrawal is looked up by `client_id` instead
        (`GET /api/v5/asset/withdrawal-history`, `RetryPolicy.lookups` times) and the recorded
        one is returned. Calling again with the same `client_id` and the same details is
        safe: the exchange refuses the duplicate (58237) and the withdrawal the first call
        made is returned. Store your own `client_id` before calling: see
        [Exactly-once withdrawals and RFQ trades][exactly-once-withdrawals-and-rfq-trades].

        Args:
            ccy: The currency, e.g. `"USDT"`.
            amt: The amount, excluding the fee: `Decimal`, `int` or decimal `str` (never `float`).
            dest: `"4"` on-chain (to an address), `"3"` internal (to another account).
            to_addr: The address, account email, phone or login name it goes to.
            fee: The network fee you pay, as `amt` (`0` for internal transfers).
            chain: The chain, e.g. `"USDT-TRC20"`; the currency's main chain when omitted.
            client_id: Your idempotency key, 1-32 ASCII letters and digits; generated when omitted.

        Returns:
            The [`Withdrawal`][okxasync.Withdrawal]: its `wd_id` and the `client_id` it carries.

        Raises:
            OutcomeUnknownError: The answer was ambiguous and the lookups could not settle it:
                the withdrawal may or may not have happened (`.client_id` says which to look up).
            ValidationError: An argument is invalid (nothing was sent).
            AuthenticationError: The key, passphrase, signature or timestamp was refused.
            RateLimitError: Still rate-limited after the client's own waits and retries.
            APIError: The exchange refused the withdrawal (e.g. insufficient balance; code 58237
                for a client id already used by a withdrawal with other details).
            TransportError: The connection could not be opened (`.maybe_sent` is False).
            LimiterUnavailableError: The shared (Redis) limiter is unreachable (nothing sent).
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
            lambda: self._find_withdrawal(args),
            confirmed=lambda answer: bool(answer.wd_id),
            policy=self._pipeline.retry,
            what="withdrawal",
            client_id=client_id,
        )

    async def _send_withdrawal(self, args: Mapping[str, object]) -> m.Withdrawal:
        try:
            return one(await self._pipeline.request(ep.WITHDRAW, args), "withdrawal")
        except APIError as error:
            if error.code != DUPLICATE_CLIENT_ID:
                raise
            return await refused_as_duplicate(error, lambda: self._find_withdrawal(args))

    async def _find_withdrawal(self, args: Mapping[str, object]) -> m.Withdrawal | None:
        client_id = str(args["client_id"])
        records = await self._pipeline.request(ep.WITHDRAWAL_HISTORY, {"client_id": client_id})
        record = next((r for r in records if r.client_id == client_id), None)
        if record is None:
            return None
        if not _matches(record, ep.WITHDRAW.encode(args)):
            raise mismatch("withdrawal", client_id, f"wdId {record.wd_id}")
        return m.Withdrawal(
            amt=record.amt,
            wd_id=record.wd_id,
            ccy=record.ccy,
            client_id=client_id,
            chain=record.chain,
        )


def _matches(record: m.WithdrawalRecord, wire: Mapping[str, str]) -> bool:
    """Whether a found withdrawal is the one requested, compared as it was sent (``"usdt"``
    goes out as ``"USDT"``; a chain in any letter case). An on-chain address is compared as
    the API shows it back: perhaps masked, in another letter case, or without its ``:tag``
    part; an internal one (an account: e-mail, phone, name) may be shown as another of its
    names, so it is not compared."""
    chain = wire.get("chain", record.chain)
    return (
        record.ccy == wire["ccy"]
        and record.amt == Decimal(wire["amt"])
        and (not record.chain or record.chain.lower() == chain.lower())
        and (wire["dest"] != "4" or not record.to or _same_address(record.to, wire["toAddr"]))
    )


def _same_address(shown: str, sent: str) -> bool:
    """``address:tag`` may be shown without its tag, ``bitcoincash:q...`` without its
    prefix."""
    shown, sent = shown.lower(), sent.lower()
    forms = (sent, sent.rpartition(":")[0], sent.partition(":")[2]) if ":" in sent else (sent,)
    return any(shown_as(shown, form) for form in forms)
