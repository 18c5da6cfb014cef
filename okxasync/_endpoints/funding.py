"""Funding account endpoints (rate group ``funding``, 6 requests per second)."""

from __future__ import annotations

from .. import models as m
from .._http.encode import AMOUNT, CCY, CCY1, CLIENT_ID, LIMIT, MS, TEXT, Param, choice
from .base import Endpoint

__all__ = [
    "BALANCES",
    "BILLS",
    "CURRENCIES",
    "DEPOSIT_ADDRESS",
    "DEPOSIT_HISTORY",
    "WITHDRAW",
    "WITHDRAWAL_HISTORY",
]

_DEPOSIT_STATES = choice(*(s.value for s in m.DepositState))
_WITHDRAWAL_STATES = choice(*(s.value for s in m.WithdrawalState))
_BILL_TYPES = choice(*(s.value for s in m.BillType))
_PAGE = {"after": Param("after", MS), "before": Param("before", MS), "limit": Param("limit", LIMIT)}

BALANCES = Endpoint(
    method="GET",
    path="/api/v5/asset/balances",
    group="funding",
    record=m.Balance,
    params={"ccy": Param("ccy", CCY)},
    retry_safe=True,
)
CURRENCIES = Endpoint(
    method="GET",
    path="/api/v5/asset/currencies",
    group="funding",
    record=m.Currency,
    params={"ccy": Param("ccy", CCY)},
    retry_safe=True,
)
DEPOSIT_ADDRESS = Endpoint(
    method="GET",
    path="/api/v5/asset/deposit-address",
    group="funding",
    record=m.DepositAddress,
    params={"ccy": Param("ccy", CCY1, required=True)},
    retry_safe=True,
)
DEPOSIT_HISTORY = Endpoint(
    method="GET",
    path="/api/v5/asset/deposit-history",
    group="funding",
    record=m.Deposit,
    params={
        "ccy": Param("ccy", CCY1),  # the history endpoints take one currency
        "dep_id": Param("depId"),
        "tx_id": Param("txId"),
        "state": Param("state", _DEPOSIT_STATES),
        **_PAGE,
    },
    retry_safe=True,
)
BILLS = Endpoint(
    method="GET",
    path="/api/v5/asset/bills",
    group="funding",
    record=m.Bill,
    params={
        "ccy": Param("ccy", CCY1),  # the history endpoints take one currency
        "type": Param("type", _BILL_TYPES),
        "client_id": Param("clientId", CLIENT_ID),
        **_PAGE,
    },
    retry_safe=True,
)
WITHDRAW = Endpoint(
    method="POST",
    path="/api/v5/asset/withdrawal",
    group="funding",
    record=m.Withdrawal,
    params={
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
    method="GET",
    path="/api/v5/asset/withdrawal-history",
    group="funding",
    record=m.WithdrawalRecord,
    params={
        "ccy": Param("ccy", CCY1),  # the history endpoints take one currency
        "wd_id": Param("wdId"),
        "client_id": Param("clientId", CLIENT_ID),
        "tx_id": Param("txId"),
        "state": Param("state", _WITHDRAWAL_STATES),
        **_PAGE,
    },
    retry_safe=True,
)
