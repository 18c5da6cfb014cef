"""Records of the funding account: balances, currencies, deposits, withdrawals, bills."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from ._base import OpenEnum, Record, Timestamped

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
    WAITING_CONFIRMATION = "0"
    CREDITED = "1"
    SUCCESSFUL = "2"
    PENDING_SUSPENSION = "8"
    FROZEN = "12"
    INTERCEPTED = "13"


class WithdrawalState(OpenEnum):
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
    ccy: str = ""
    bal: Decimal | None = None
    frozen_bal: Decimal | None = None
    avail_bal: Decimal | None = None


class Currency(Record, frozen=True, kw_only=True):
    ccy: str = ""
    name: str = ""
    logo_link: str = ""
    chain: str = ""
    can_dep: bool | None = None
    can_wd: bool | None = None
    can_internal: bool | None = None
    min_dep: Decimal | None = None
    min_wd: Decimal | None = None
    max_wd: Decimal | None = None
    wd_tick_sz: int | None = None
    wd_quota: Decimal | None = None
    used_wd_quota: Decimal | None = None
    min_fee: Decimal | None = None
    max_fee: Decimal | None = None
    main_net: bool | None = None
    need_tag: bool | None = None
    min_dep_arrival_confirm: int | None = None
    min_wd_unlock_confirm: int | None = None


class DepositAddress(Record, frozen=True, kw_only=True):
    addr: str = ""
    tag: str | None = None
    memo: str | None = None
    pmt_id: str | None = None
    addr_ex: dict[str, str] | None = None
    ccy: str = ""
    chain: str = ""
    to: str = ""
    selected: bool | None = None
    ct_addr: str = ""


class Deposit(Timestamped, frozen=True, kw_only=True):
    ccy: str = ""
    chain: str = ""
    amt: Decimal | None = None
    from_: str = ""
    to: str = ""
    tx_id: str = ""
    state: DepositState | None = None
    dep_id: str = ""
    actual_dep_blk_confirm: int | None = None


class Bill(Timestamped, frozen=True, kw_only=True):
    bill_id: str = ""
    ccy: str = ""
    client_id: str = ""
    bal_chg: Decimal | None = None
    bal: Decimal | None = None
    type: BillType | None = None
    #: Notes; sent by the archive (``/asset/bills-history``) only, else ``None``.
    notes: str | None = None


class Withdrawal(Record, frozen=True, kw_only=True):
    """The answer to a withdrawal request."""

    amt: Decimal | None = None
    wd_id: str = ""
    ccy: str = ""
    client_id: str = ""
    chain: str = ""


class WithdrawalId(Record, frozen=True, kw_only=True):
    """The answer to ``POST /api/v5/asset/cancel-withdrawal``: the withdrawal's id."""

    wd_id: str


class WithdrawalRecord(Timestamped, frozen=True, kw_only=True):
    ccy: str = ""
    chain: str = ""
    amt: Decimal | None = None
    from_: str = ""
    to: str = ""
    tag: str | None = None
    pmt_id: str | None = None
    memo: str | None = None
    tx_id: str = ""
    fee: Decimal | None = None
    state: WithdrawalState | None = None
    wd_id: str = ""
    client_id: str = ""


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
