"""Typed records of the OKLink/OKX V5 funding and OTC RFQ API.

Every record is a frozen ``Struct`` whose fields are the API's names in
snake_case (``availBal`` -> ``avail_bal``, ``from`` -> ``from_``). Amounts, prices and
sizes are ``Decimal``, or ``None`` where the API sends ``""``. Millisecond
timestamps are kept raw (``ts_ms``, ``quote_ts_ms``, ...) and read as aware UTC
``datetime`` through ``ts``, ``quote_ts``, ...: decoding stays cheap and
the datetime is built only when read. Documented state codes are enums whose unknown
values decode as a pseudo-member that equals (and is) the raw string. Unknown extra
fields are ignored.
"""

from __future__ import annotations

from ._base import OpenEnum as OpenEnum
from ._base import ms_to_datetime as ms_to_datetime
from .convert import (
    ConvertCurrency,
    ConvertPair,
    ConvertQuote,
    ConvertTrade,
    ConvertTradeState,
)
from .funding import CANCELLABLE_WITHDRAWAL_STATES as CANCELLABLE_WITHDRAWAL_STATES
from .funding import (
    AccountType,
    Balance,
    Bill,
    BillType,
    Currency,
    Deposit,
    DepositAddress,
    DepositState,
    DepositWithdrawStatus,
    Transfer,
    TransferState,
    TransferStatus,
    TransferType,
    Withdrawal,
    WithdrawalRecord,
    WithdrawalState,
)
from .funding import WithdrawalId as WithdrawalId
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
    "AccountType",
    "Balance",
    "Bill",
    "BillType",
    "ConvertCurrency",
    "ConvertPair",
    "ConvertQuote",
    "ConvertTrade",
    "ConvertTradeState",
    "Currency",
    "Deposit",
    "DepositAddress",
    "DepositState",
    "DepositWithdrawStatus",
    "HistoryPage",
    "HistoryTrade",
    "Quote",
    "RfqInstrument",
    "Side",
    "Trade",
    "TradeState",
    "Transfer",
    "TransferState",
    "TransferStatus",
    "TransferType",
    "Withdrawal",
    "WithdrawalRecord",
    "WithdrawalState",
]
