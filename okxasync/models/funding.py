"""Records of the funding account: balances, currencies, deposits, withdrawals, bills.

Required and optional fields follow the API reference (see :mod:`okxasync.models`):
a field without a default is always sent, and a response lacking it is a
:class:`~okxasync.ResponseError`.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import msgspec

from ._base import Ms, OpenEnum, Record, Timestamped, ms_to_datetime

__all__ = [
    "CANCELLABLE_WITHDRAWAL_STATES",
    "AccountType",
    "Balance",
    "Bill",
    "BillType",
    "Currency",
    "Deposit",
    "DepositAddress",
    "DepositState",
    "DepositWithdrawStatus",
    "Transfer",
    "TransferState",
    "TransferStatus",
    "TransferType",
    "Withdrawal",
    "WithdrawalRecord",
    "WithdrawalState",
]


class DepositState(OpenEnum):
    """The state of a deposit (`Deposit.state`), by the API's code.

    A code this release does not know decodes as a pseudo-member named `UNKNOWN` whose
    `.known` is False and whose value is the code.

    Attributes:
        WAITING_CONFIRMATION: `"0"`: waiting for confirmations.
        CREDITED: `"1"`: credited, not yet withdrawable.
        SUCCESSFUL: `"2"`: successful: credited and final.
        PENDING_SUSPENSION: `"8"`: pending because deposits of the currency are suspended.
        FROZEN: `"12"`: frozen for account reasons.
        INTERCEPTED: `"13"`: intercepted (e.g. a blacklisted address).
    """

    WAITING_CONFIRMATION = "0"
    CREDITED = "1"
    SUCCESSFUL = "2"
    PENDING_SUSPENSION = "8"
    FROZEN = "12"
    INTERCEPTED = "13"


class WithdrawalState(OpenEnum):
    """The state of a withdrawal (`WithdrawalRecord.state`), by the API's code.

    Final states are `CANCELED`, `FAILED` and `SENT` (success). Unknown codes decode as in
    [`DepositState`][okxasync.DepositState].

    Attributes:
        PENDING_CANCEL: `"-3"`: a cancellation is pending.
        CANCELED: `"-2"`: canceled.
        FAILED: `"-1"`: failed.
        PENDING: `"0"`: waiting to be processed.
        SENDING: `"1"`: being sent on chain.
        SENT: `"2"`: sent (success).
        AWAITING_EMAIL_VERIFICATION: `"3"`: waiting for e-mail verification.
        AWAITING_MANUAL_VERIFICATION: `"4"`: waiting for manual review.
        AWAITING_IDENTITY_VERIFICATION: `"5"`: waiting for identity verification.
    """

    PENDING_CANCEL = "-3"
    CANCELED = "-2"
    FAILED = "-1"
    PENDING = "0"
    SENDING = "1"
    SENT = "2"
    AWAITING_EMAIL_VERIFICATION = "3"
    AWAITING_MANUAL_VERIFICATION = "4"
    AWAITING_IDENTITY_VERIFICATION = "5"


#: Withdrawal states ``cancel_withdrawal`` accepts: waiting (``0``), pending a Travel Rule
#: vendor's answer (``17``), waiting for the hot wallet (``19``). Others are refused (58216).
CANCELLABLE_WITHDRAWAL_STATES = frozenset({"0", "17", "19"})


class BillType(OpenEnum):
    """The type of a bill (`Bill.type`), by the API's code; unknown codes decode as in
    [`DepositState`][okxasync.DepositState].

    Attributes:
        DEPOSIT: `"1"`: a deposit.
        WITHDRAWAL: `"2"`: a withdrawal.
        CANCELED_WITHDRAWAL: `"13"`: a canceled withdrawal (the amount returned).
    """

    DEPOSIT = "1"
    WITHDRAWAL = "2"
    CANCELED_WITHDRAWAL = "13"
    TRANSFER_TO_SUB_ACCOUNT = "20"
    TRANSFER_FROM_SUB_ACCOUNT = "21"
    TRANSFER_OUT_TO_MASTER = "22"
    TRANSFER_IN_FROM_MASTER = "23"
    TRANSFERRED_FROM_TRADING = "130"
    TRANSFERRED_TO_TRADING = "131"


class Balance(Record, frozen=True, kw_only=True):
    """The funding account's balance of one currency (`funding.balances()`).

    Attributes:
        ccy: The currency code.
        bal: The total balance.
        frozen_bal: The part that is frozen (e.g. by pending withdrawals).
        avail_bal: The part available to withdraw or transfer.
    """

    ccy: str
    bal: Decimal
    frozen_bal: Decimal
    avail_bal: Decimal


class Currency(Record, frozen=True, kw_only=True):
    """A currency on one chain, with its deposit and withdrawal rules (`funding.currencies()`).

    Attributes:
        ccy: The currency code.
        name: The currency's name.
        logo_link: A URL of its logo.
        chain: The chain, e.g. `"USDT-TRC20"`.
        can_dep: Whether deposits on this chain are open.
        can_wd: Whether withdrawals on this chain are open.
        can_internal: Whether internal transfers (`dest="3"`) are open.
        min_dep: The smallest deposit credited.
        min_wd: The smallest withdrawal.
        max_wd: The largest single withdrawal.
        wd_tick_sz: The withdrawal precision, in decimal places.
        wd_quota: The 24-hour withdrawal limit, in BTC.
        used_wd_quota: The part of `wd_quota` used in the last 24 hours, in BTC.
        min_fee: The smallest withdrawal fee.
        max_fee: The largest withdrawal fee.
        main_net: Whether this chain is the currency's main network.
        need_tag: Whether withdrawals on this chain need a tag or memo.
        min_dep_arrival_confirm: Confirmations before a deposit is credited.
        min_wd_unlock_confirm: Confirmations before a deposit can be withdrawn.
    """

    ccy: str
    name: str
    logo_link: str
    chain: str
    can_dep: bool
    can_wd: bool
    can_internal: bool
    min_dep: Decimal
    min_wd: Decimal
    max_wd: Decimal
    wd_tick_sz: int
    wd_quota: Decimal
    used_wd_quota: Decimal
    min_fee: Decimal
    max_fee: Decimal
    main_net: bool
    need_tag: bool
    min_dep_arrival_confirm: int
    min_wd_unlock_confirm: int


class DepositAddress(Record, frozen=True, kw_only=True):
    """A deposit address of the account (`funding.deposit_address()`).

    Attributes:
        addr: The address.
        tag: The tag, for currencies that need one.
        memo: The memo, for currencies that need one.
        pmt_id: The payment id, for currencies that need one.
        addr_ex: Extra address fields some chains need, by name.
        ccy: The currency code.
        chain: The chain, e.g. `"USDT-TRC20"`.
        to: The account deposits are credited to (`"6"` funding, `"18"` trading).
        selected: Whether this is the chain's selected (current) address.
        ct_addr: The last characters of the token's contract address.
    """

    addr: str
    tag: str | None = None
    memo: str | None = None
    pmt_id: str | None = None
    addr_ex: dict[str, str] | None = None
    ccy: str
    chain: str
    to: str
    selected: bool
    ct_addr: str


class Deposit(Timestamped, frozen=True, kw_only=True):
    """A deposit (`funding.deposit_history()`, `funding.iter_deposits()`).

    Attributes:
        ts_ms: When the record was created, Unix milliseconds (read it as `ts`).
        ccy: The currency code.
        chain: The chain, e.g. `"USDT-TRC20"`.
        amt: The amount deposited.
        from_: The sending account, for internal transfers (else empty).
        to: The receiving address or account.
        tx_id: The on-chain transaction hash (empty for internal transfers).
        state: Where the deposit is ([`DepositState`][okxasync.DepositState]).
        dep_id: The deposit's id: unique, stable across states.
        actual_dep_blk_confirm: The confirmations it has so far.
        uid: The account that produced the record (WebSocket pushes only, else `None`).
        sub_acct: The sub-account name, `""` for the master (pushes only, else `None`).
        p_time_ms: When the server pushed it, Unix ms (pushes only; read it as `p_time`).
    """

    ccy: str
    chain: str
    amt: Decimal
    from_: str
    to: str
    tx_id: str
    state: DepositState
    dep_id: str
    actual_dep_blk_confirm: int
    uid: str | None = None
    sub_acct: str | None = None
    p_time_ms: Ms | None = msgspec.field(default=None, name="pTime")

    @property
    def p_time(self) -> datetime | None:
        """When the server pushed this record (WebSocket only), aware UTC."""
        return ms_to_datetime(self.p_time_ms)


class Bill(Timestamped, frozen=True, kw_only=True):
    """A change of the funding account's balance (`funding.bills()`, `funding.iter_bills()`).

    Attributes:
        ts_ms: When the record was created, Unix milliseconds (read it as `ts`).
        bill_id: The bill's id.
        ccy: The currency code.
        client_id: The client id of the withdrawal or transfer that made it, if any.
        bal_chg: The change of the balance (negative for money out).
        bal: The balance after the change.
        type: What made it ([`BillType`][okxasync.BillType]).
        notes: The archive's note on the bill (`None` for bills from `/asset/bills`).
    """

    bill_id: str
    ccy: str
    client_id: str
    bal_chg: Decimal
    bal: Decimal
    type: BillType
    notes: str | None = None


class Withdrawal(Record, frozen=True, kw_only=True):
    """The answer to a withdrawal request (`funding.withdraw()`).

    Attributes:
        amt: The amount requested.
        wd_id: The withdrawal's id: look it up with `funding.withdrawal_history(wd_id=...)`.
        ccy: The currency code.
        client_id: The client id it carries (yours, or the one generated for it).
        chain: The chain it is sent on.
    """

    amt: Decimal
    wd_id: str
    ccy: str
    client_id: str
    chain: str


class WithdrawalId(Record, frozen=True, kw_only=True):
    """The answer to ``POST /api/v5/asset/cancel-withdrawal``: the withdrawal's id."""

    wd_id: str


class WithdrawalRecord(Timestamped, frozen=True, kw_only=True):
    """A withdrawal, as the history shows it (`funding.withdrawal_history()`,
    `funding.iter_withdrawals()`).

    Attributes:
        ts_ms: When the record was created, Unix milliseconds (read it as `ts`).
        ccy: The currency code.
        chain: The chain, e.g. `"USDT-TRC20"`.
        amt: The amount withdrawn (the fee excluded).
        from_: The sending account, for internal transfers (else empty).
        to: The receiving address or account.
        tag: The tag, for currencies that need one.
        pmt_id: The payment id, for currencies that need one.
        memo: The memo, for currencies that need one.
        tx_id: The on-chain transaction hash, once sent.
        fee: The fee paid.
        state: Where the withdrawal is ([`WithdrawalState`][okxasync.WithdrawalState]).
        wd_id: The withdrawal's id.
        client_id: The client id it was requested with.
        uid: The account that produced the record (WebSocket pushes only, else `None`).
        sub_acct: The sub-account name, `""` for the master (pushes only, else `None`).
        p_time_ms: When the server pushed it, Unix ms (pushes only; read it as `p_time`).
    """

    ccy: str
    chain: str
    amt: Decimal
    from_: str
    to: str
    tag: str | None = None
    pmt_id: str | None = None
    memo: str | None = None
    tx_id: str
    fee: Decimal
    state: WithdrawalState
    wd_id: str
    client_id: str
    uid: str | None = None
    sub_acct: str | None = None
    p_time_ms: Ms | None = msgspec.field(default=None, name="pTime")

    @property
    def p_time(self) -> datetime | None:
        """When the server pushed this record (WebSocket only), aware UTC."""
        return ms_to_datetime(self.p_time_ms)


class AccountType(OpenEnum):
    """An account of a transfer (``from`` / ``to``)."""

    FUNDING = "6"
    TRADING = "18"


class TransferType(OpenEnum):
    """Who moves funds to whom (``type`` of a transfer)."""

    WITHIN_ACCOUNT = "0"
    MASTER_TO_SUB = "1"  # master account's key; sub_acct required
    SUB_TO_MASTER = "2"  # master account's key; sub_acct required
    SUB_TO_MASTER_BY_SUB = "3"  # the sub-account's own key
    SUB_TO_SUB = "4"  # the sub-account's key, same master; sub_acct required


class TransferStatus(OpenEnum):
    """``state`` of a transfer."""

    SUCCESS = "success"
    PENDING = "pending"
    FAILED = "failed"


class Transfer(Record, frozen=True, kw_only=True):
    """The answer to a transfer (``POST /api/v5/asset/transfer``): accepted, which does not
    mean completed (see :class:`TransferState`).

    Attributes:
        trans_id: Transfer id.
        client_id: The client id sent.
        ccy: Currency.
        amt: Amount.
        from_: Source account (``6`` funding, ``18`` trading).
        to: Destination account.
    """

    trans_id: str
    client_id: str
    ccy: str
    amt: Decimal
    from_: AccountType
    to: AccountType


class TransferState(Record, frozen=True, kw_only=True):
    """A transfer of the last two weeks (``GET /api/v5/asset/transfer-state``).

    Attributes:
        trans_id: Transfer id.
        client_id: Client id (``""`` when none was sent).
        ccy: Currency.
        amt: Amount.
        type: Who moved funds to whom (:class:`TransferType`).
        from_: Source account (``6`` funding, ``18`` trading).
        to: Destination account.
        sub_acct: Sub-account name (``""`` within one account).
        state: ``success``, ``pending`` or ``failed`` (:class:`TransferStatus`).
    """

    trans_id: str
    client_id: str
    ccy: str
    amt: Decimal
    type: TransferType
    from_: AccountType
    to: AccountType
    sub_acct: str
    state: TransferStatus


_UTC8 = timezone(timedelta(hours=8))
_ETA = re.compile(r"\d{2}/\d{2}/\d{4}, \d{1,2}:\d{2}:\d{2} [AP]M")


def parse_eta(text: str) -> datetime | None:
    """``01/09/2023, 8:10:48 PM`` (UTC+8, the API's ETA format) as an aware datetime;
    ``None`` for ``""``. Raises ``ValueError`` for anything else."""
    if not text:
        return None
    if not _ETA.fullmatch(text):
        raise ValueError(f"estCompleteTime {text!r} is not MM/dd/yyyy, h:mm:ss AM/PM")
    return datetime.strptime(text, "%m/%d/%Y, %I:%M:%S %p").replace(tzinfo=_UTC8)


class DepositWithdrawStatus(Record, frozen=True, kw_only=True):
    """Detailed progress of one deposit or withdrawal, with an ETA
    (``GET /api/v5/asset/deposit-withdraw-status``).

    Attributes:
        wd_id: Withdrawal id (``""`` for a deposit).
        tx_id: On-chain hash (``""`` until a withdrawal has one).
        state: Free text ``"<stage>: <status>"``, e.g. ``"Pending withdrawal: Wallet is
            under maintenance, please wait."`` (:attr:`stage` is the part before the colon).
        est_complete_time: The ETA as sent: UTC+8 text ``MM/dd/yyyy, h:mm:ss AM/PM``, or
            ``""``. :attr:`est_complete_at` is the same moment as an aware datetime.
    """

    wd_id: str
    tx_id: str
    state: str
    est_complete_time: str

    def __post_init__(self) -> None:
        parse_eta(self.est_complete_time)  # a bad ETA is a bad response, found at decode

    @property
    def est_complete_at(self) -> datetime | None:
        """The estimated completion, aware (UTC+8 as sent; compare or convert freely);
        ``None`` when the API sent no ETA. Approximate only."""
        return parse_eta(self.est_complete_time)

    @property
    def stage(self) -> str:
        """The stage: the text of :attr:`state` before its first colon."""
        return self.state.split(":", 1)[0].strip()
