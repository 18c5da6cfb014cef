"""Records of the funding account: balances, currencies, deposits, withdrawals, bills."""

from __future__ import annotations

from decimal import Decimal

from ._base import OpenEnum, Record, Timestamped

__all__ = [
    "Balance",
    "Bill",
    "BillType",
    "Currency",
    "Deposit",
    "DepositAddress",
    "DepositState",
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


class BillType(OpenEnum):
    DEPOSIT = "1"
    WITHDRAWAL = "2"
    CANCELED_WITHDRAWAL = "13"


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


class Withdrawal(Record, frozen=True, kw_only=True):
    """The answer to a withdrawal request."""

    amt: Decimal | None = None
    wd_id: str = ""
    ccy: str = ""
    client_id: str = ""
    chain: str = ""


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
