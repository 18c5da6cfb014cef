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

from ._base import OpenEnum as OpenEnum
from ._base import ms_to_datetime as ms_to_datetime
from .funding import (
    Balance,
    Bill,
    BillType,
    Currency,
    Deposit,
    DepositAddress,
    DepositState,
    Withdrawal,
    WithdrawalRecord,
    WithdrawalState,
)
from .otc import (
    HistoryPage,
    HistoryTrade,
    Quote,
    RfqInstrument,
    Side,
    Trade,
    TradeState,
)
from .otc import InstrumentList as InstrumentList

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
