"""Typed records of the OKLink/OKX V5 funding and OTC RFQ API.

Every record is a frozen :class:`msgspec.Struct` whose fields are the API's names in
snake_case (``availBal`` -> ``avail_bal``, ``from`` -> ``from_``). Amounts, prices and
sizes are :class:`~decimal.Decimal`, or ``None`` where the API sends ``""``. Millisecond
timestamps are kept raw (``ts_ms``, ``quote_ts_ms``, ...) and read as aware UTC
:class:`~datetime.datetime` through ``ts``, ``quote_ts``, ...: decoding stays cheap and
the datetime is built only when read. Documented state codes are enums whose unknown
values decode as a pseudo-member that equals (and is) the raw string. Unknown extra
fields are ignored.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import msgspec

__all__ = [
    "Balance",
    "Bill",
    "BillType",
    "Currency",
    "Deposit",
    "DepositAddress",
    "DepositState",
    "HistoryPage",
    "HistoryTrade",
    "Quote",
    "RfqInstrument",
    "Side",
    "Trade",
    "TradeState",
    "Withdrawal",
    "WithdrawalRecord",
    "WithdrawalState",
]

_UNKNOWN: dict[tuple[type[enum.Enum], str], Any] = {}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def ms_to_datetime(ms: int | None) -> datetime | None:
    """Exact conversion of Unix milliseconds to an aware UTC datetime (no float rounding)."""
    # Positional timedelta(days, seconds, microseconds, milliseconds): a third faster
    # than the keyword form, which matters when every record's ``ts`` is read.
    return None if ms is None else _EPOCH + timedelta(0, 0, 0, ms)


class OpenEnum(str, enum.Enum):
    """A string enum that tolerates values it does not know.

    ``DepositState("99")`` returns a pseudo-member with ``.value == "99"`` and
    ``name == "UNKNOWN"``; it is a ``str`` equal to ``"99"``, so new server states never
    break decoding.
    """

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        member = _UNKNOWN.get((cls, value))
        if member is None:
            member = str.__new__(cls, value)
            member._name_ = "UNKNOWN"
            member._value_ = value
            _UNKNOWN[(cls, value)] = member
        return member

    def __str__(self) -> str:
        return str(self.value)

    @property
    def known(self) -> bool:
        """False for a value the API documented after this library was written."""
        return self._name_ != "UNKNOWN"


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


class TradeState(OpenEnum):
    PENDING_NEW = "PendingNew"
    FULLY_FILLED = "FullyFilled"
    REJECTED = "Rejected"


class Side(OpenEnum):
    BUY = "buy"
    SELL = "sell"
    TWO_WAY = "two_way"


class Record(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Base of all records: frozen, keyword-only, camelCase on the wire."""


class _Timestamped(Record, frozen=True, kw_only=True):
    ts_ms: int | None = msgspec.field(default=None, name="ts")

    @property
    def ts(self) -> datetime | None:
        """``ts`` as an aware UTC datetime."""
        return ms_to_datetime(self.ts_ms)


class ServerTime(_Timestamped, frozen=True, kw_only=True):
    """The answer of ``GET /api/v5/public/time`` (used internally to sync the clock)."""


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


class Deposit(_Timestamped, frozen=True, kw_only=True):
    ccy: str = ""
    chain: str = ""
    amt: Decimal | None = None
    from_: str = ""
    to: str = ""
    tx_id: str = ""
    state: DepositState | None = None
    dep_id: str = ""
    actual_dep_blk_confirm: int | None = None


class Bill(_Timestamped, frozen=True, kw_only=True):
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


class WithdrawalRecord(_Timestamped, frozen=True, kw_only=True):
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


class RfqInstrument(_Timestamped, frozen=True, kw_only=True):
    """A tradable pair; ``ts`` is the update time of the list it came in."""

    inst_id: str = ""
    base_ccy: str = ""
    quote_ccy: str = ""
    base_single_min: Decimal | None = None
    quote_single_min: Decimal | None = None


class InstrumentList(_Timestamped, frozen=True, kw_only=True):
    """The wire shape of ``/otc/rfq/instruments``; ``OtcApi.instruments`` flattens it."""

    instruments: list[RfqInstrument] = msgspec.field(default_factory=list)


class Quote(Record, frozen=True, kw_only=True):
    quote_ts_ms: int | None = msgspec.field(default=None, name="quoteTs")
    ttl_ms: int | None = None
    cl_q_req_id: str = ""
    quote_id: str = ""
    base_ccy: str = ""
    quote_ccy: str = ""
    side: Side | None = None
    orig_rfq_sz: Decimal | None = None
    rfq_sz: Decimal | None = None
    rfq_sz_ccy: str = ""
    bid_px: Decimal | None = None
    bid_base_sz: Decimal | None = None
    bid_quote_sz: Decimal | None = None
    ask_px: Decimal | None = None
    ask_base_sz: Decimal | None = None
    ask_quote_sz: Decimal | None = None

    @property
    def quote_ts(self) -> datetime | None:
        return ms_to_datetime(self.quote_ts_ms)

    @property
    def expires_at(self) -> datetime | None:
        """When the quote stops being tradable (``quote_ts + ttl_ms``)."""
        if self.quote_ts_ms is None or self.ttl_ms is None:
            return None
        return ms_to_datetime(self.quote_ts_ms + self.ttl_ms)


class Trade(_Timestamped, frozen=True, kw_only=True):
    trade_id: str = ""
    quote_id: str = ""
    cl_t_req_id: str = ""
    cl_q_req_id: str = ""
    state: TradeState | None = None
    inst_id: str = ""
    base_ccy: str = ""
    quote_ccy: str = ""
    side: Side | None = None
    px: Decimal | None = None
    filled_base_sz: Decimal | None = None
    filled_quote_sz: Decimal | None = None


class HistoryTrade(_Timestamped, frozen=True, kw_only=True):
    trade_ts_ms: int | None = msgspec.field(default=None, name="tradeTs")
    trade_id: str = ""
    cl_t_req_id: str = ""
    inst_id: str = ""
    side: Side | None = None
    px: Decimal | None = None
    base_ccy: str = ""
    base_sz: Decimal | None = None
    quote_ccy: str = ""
    quote_sz: Decimal | None = None

    @property
    def trade_ts(self) -> datetime | None:
        return ms_to_datetime(self.trade_ts_ms)


class HistoryPage(_Timestamped, frozen=True, kw_only=True):
    page_idx: int | None = None
    total_page_cnt: int | None = None
    total_record_cnt: int | None = None
    trades: list[HistoryTrade] = msgspec.field(default_factory=list)
