"""Typed records of the OKLink/OKX V5 funding and OTC RFQ API.

Every record is a frozen ``Struct`` whose fields are the API's names in
snake_case (``availBal`` -> ``avail_bal``, ``from`` -> ``from_``). Records are precise: a
field the API always sends is required and never ``None``; a response that lacks it, or
carries a value of the wrong kind, raises ``ResponseError`` when it is decoded. Only
fields the API documents as optional, or sends as ``""`` where a number is expected, are
``X | None`` (``None`` meaning "absent" or "empty"). Text fields keep ``""``.

Amounts, prices and sizes are finite ``Decimal`` from ``1E-100`` to below ``1E+101`` in size,
or zero (``"NaN"``, ``"Infinity"`` or ``"1E+999999999"`` is a bad response). Millisecond
timestamps are kept raw (``ts_ms``, ``quote_ts_ms``, ``p_time_ms``, ...; from 1970 to the
end of year 9999, a quote's ``ttl_ms`` up to 30 days and its expiry within the same years,
checked when decoded) and read as aware UTC ``datetime`` through ``ts``, ``quote_ts``,
``expires_at``, ...: decoding stays cheap and the datetime is built only when read, where
it cannot fail.
Documented state codes are enums (``OpenEnum``): ``str()`` gives the name a person reads,
``.value`` the API's code; unknown codes decode as a pseudo-member instead of failing.
Unknown extra fields are ignored.
"""

from __future__ import annotations

from ._base import MAX_MS as MAX_MS
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
from .otc import InstrumentPair as InstrumentPair

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
