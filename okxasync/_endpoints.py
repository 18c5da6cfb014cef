"""Every endpoint okxasync calls, described as data.

Adding an endpoint is one :class:`Endpoint` here and a thin method in ``_resources``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

from . import models as m
from ._params import AMOUNT, CCY, CCY1, CLIENT_ID, COUNT, LIMIT, MS, TEXT, Param, choice
from ._ratelimit import DEFAULT_RATES, PUBLIC_RATES

__all__ = ["GROUPS", "Endpoint"]

R = TypeVar("R")

#: The rate-limit groups every endpoint must belong to: those with a default rate.
GROUPS = frozenset(DEFAULT_RATES) | frozenset(PUBLIC_RATES)


@dataclass(frozen=True)
class Endpoint(Generic[R]):
    """One API call: how to send it, which rate group it spends, what it returns.

    ``retry_safe`` says whether sending it twice is harmless (true for reads and for
    quotes; false for withdrawals and trades, which are reconciled instead). ``signed``
    is false for public endpoints, which are sent without the ``OK-ACCESS-*`` headers.
    """

    method: Literal["GET", "POST"]
    path: str
    group: str
    record: type[R]
    params: Mapping[str, Param] = field(default_factory=dict)
    retry_safe: bool = True
    signed: bool = True

    def __post_init__(self) -> None:
        if self.group not in GROUPS:
            raise ValueError(f"{self.path}: unknown rate-limit group {self.group!r}")


_DEPOSIT_STATES = choice(*(s.value for s in m.DepositState))
_WITHDRAWAL_STATES = choice(*(s.value for s in m.WithdrawalState))
_BILL_TYPES = choice(*(s.value for s in m.BillType))
_PAGE = {"after": Param("after", MS), "before": Param("before", MS), "limit": Param("limit", LIMIT)}

SERVER_TIME = Endpoint("GET", "/api/v5/public/time", "public", m.ServerTime, signed=False)
BALANCES = Endpoint(
    "GET", "/api/v5/asset/balances", "funding", m.Balance, {"ccy": Param("ccy", CCY)}
)
CURRENCIES = Endpoint(
    "GET", "/api/v5/asset/currencies", "funding", m.Currency, {"ccy": Param("ccy", CCY)}
)
DEPOSIT_ADDRESS = Endpoint(
    "GET",
    "/api/v5/asset/deposit-address",
    "funding",
    m.DepositAddress,
    {"ccy": Param("ccy", CCY1, required=True)},
)
DEPOSIT_HISTORY = Endpoint(
    "GET",
    "/api/v5/asset/deposit-history",
    "funding",
    m.Deposit,
    {
        "ccy": Param("ccy", CCY1),  # the history endpoints take one currency
        "dep_id": Param("depId"),
        "tx_id": Param("txId"),
        "state": Param("state", _DEPOSIT_STATES),
        **_PAGE,
    },
)
BILLS = Endpoint(
    "GET",
    "/api/v5/asset/bills",
    "funding",
    m.Bill,
    {
        "ccy": Param("ccy", CCY1),  # the history endpoints take one currency
        "type": Param("type", _BILL_TYPES),
        "client_id": Param("clientId", CLIENT_ID),
        **_PAGE,
    },
)
WITHDRAW = Endpoint(
    "POST",
    "/api/v5/asset/withdrawal",
    "funding",
    m.Withdrawal,
    {
        "ccy": Param("ccy", CCY1, required=True),
        "amt": Param("amt", AMOUNT, required=True),
        "dest": Param("dest", choice("3", "4"), required=True),
        "to_addr": Param("toAddr", TEXT, required=True),
        "fee": Param("fee", AMOUNT, required=True),
        "chain": Param("chain"),
        "client_id": Param("clientId", CLIENT_ID),
    },
    retry_safe=False,
)
WITHDRAWAL_HISTORY = Endpoint(
    "GET",
    "/api/v5/asset/withdrawal-history",
    "funding",
    m.WithdrawalRecord,
    {
        "ccy": Param("ccy", CCY1),  # the history endpoints take one currency
        "wd_id": Param("wdId"),
        "client_id": Param("clientId", CLIENT_ID),
        "tx_id": Param("txId"),
        "state": Param("state", _WITHDRAWAL_STATES),
        **_PAGE,
    },
)

_SIDES = choice("buy", "sell")
RFQ_INSTRUMENTS = Endpoint("GET", "/api/v5/otc/rfq/instruments", "otc", m.InstrumentList)
RFQ_QUOTE = Endpoint(
    "POST",
    "/api/v5/otc/rfq/quote",
    "otc",
    m.Quote,
    {
        "base_ccy": Param("baseCcy", CCY1, required=True),
        "quote_ccy": Param("quoteCcy", CCY1, required=True),
        "side": Param("side", choice("buy", "sell", "two_way"), required=True),
        "rfq_sz": Param("rfqSz", AMOUNT, required=True),
        "rfq_sz_ccy": Param("rfqSzCcy", CCY1, required=True),
        "cl_q_req_id": Param("clQReqId", CLIENT_ID),
        "cl_q_req_ts": Param("clQReqTs", MS),
    },
)
RFQ_TRADE = Endpoint(
    "POST",
    "/api/v5/otc/rfq/trade",
    "otc",
    m.Trade,
    {
        "cl_t_req_id": Param("clTReqId", CLIENT_ID, required=True),
        "cl_t_req_ts": Param("clTReqTs", MS),
        "quote_id": Param("quoteId", TEXT, required=True),
        "base_ccy": Param("baseCcy", CCY1, required=True),
        "quote_ccy": Param("quoteCcy", CCY1, required=True),
        "side": Param("side", _SIDES, required=True),
        "sz": Param("sz", AMOUNT, required=True),
        "sz_ccy": Param("szCcy", CCY1, required=True),
    },
    retry_safe=False,
)
RFQ_GET_TRADE = Endpoint(
    "GET",
    "/api/v5/otc/rfq/trade",
    "otc",
    m.Trade,
    {"trade_id": Param("tradeId"), "cl_t_req_id": Param("clTReqId", CLIENT_ID)},
)
RFQ_HISTORY = Endpoint(
    "GET",
    "/api/v5/otc/rfq/history",
    "otc",
    m.HistoryPage,
    {
        "begin": Param("begin", MS),
        "end": Param("end", MS),
        "page_sz": Param("pageSz", LIMIT),
        "page_idx": Param("pageIdx", COUNT),
    },
)
