"""okxasync: an asyncio client for the OKLink/OKX V5 funding and OTC RFQ REST API."""

from __future__ import annotations

from ._client import Client
from ._config import OKLINK, OKX
from ._errors import (
    APIError,
    AuthenticationError,
    LimiterUnavailableError,
    OkxError,
    OutcomeUnknownError,
    PagingError,
    RateLimitError,
    ResponseError,
    TransportError,
    ValidationError,
)
from ._http.retry import RetryPolicy
from ._paging import HistoryIterator
from ._ratelimit import Limiter, LocalLimiter, Priority, Rate, RateLimitStats, RedisLimiter, Slot
from .models import (
    Balance,
    Bill,
    BillType,
    Currency,
    Deposit,
    DepositAddress,
    DepositState,
    HistoryPage,
    HistoryTrade,
    Quote,
    RfqInstrument,
    Side,
    Trade,
    TradeState,
    Withdrawal,
    WithdrawalRecord,
    WithdrawalState,
)

__version__ = "0.1.0"

__all__ = [
    "APIError",
    "AuthenticationError",
    "Balance",
    "Bill",
    "BillType",
    "Client",
    "Currency",
    "Deposit",
    "DepositAddress",
    "DepositState",
    "HistoryIterator",
    "HistoryPage",
    "HistoryTrade",
    "Limiter",
    "LimiterUnavailableError",
    "LocalLimiter",
    "OKLINK",
    "OKX",
    "OkxError",
    "OutcomeUnknownError",
    "PagingError",
    "Priority",
    "Quote",
    "Rate",
    "RateLimitError",
    "RateLimitStats",
    "RedisLimiter",
    "ResponseError",
    "RetryPolicy",
    "RfqInstrument",
    "Side",
    "Slot",
    "Trade",
    "TradeState",
    "TransportError",
    "ValidationError",
    "Withdrawal",
    "WithdrawalRecord",
    "WithdrawalState",
    "__version__",
]
