"""Funding account endpoints (rate group ``funding``, 6 requests per second).

Some endpoints have limits of their own, as further buckets: ``transfer`` 2/s per
currency, ``deposit-withdraw-status`` 1/2 s, ``bills-archive`` (``bills-history``) 1/s;
``transfer-state``'s own 10/s is looser than the group's, which binds. Permissions:
``transfer`` and ``cancel-withdrawal`` need Trade, ``withdrawal``
Withdraw, the reads Read.
"""

from __future__ import annotations

from .. import models as m
from .._http.encode import (
    AMOUNT,
    BOOL_TEXT,
    CCY,
    CCY1,
    CLIENT_ID,
    LIMIT,
    MS,
    TEXT,
    Param,
    choice,
)
from .._ratelimit import rules
from .._ratelimit.rules import BILLS_ARCHIVE, FUNDING
from .base import Endpoint

__all__ = [
    "BALANCES",
    "BILLS",
    "BILLS_HISTORY",
    "CANCEL_WITHDRAWAL",
    "CURRENCIES",
    "DEPOSIT_ADDRESS",
    "DEPOSIT_HISTORY",
    "DEPOSIT_WITHDRAW_STATUS",
    "TRANSFER",
    "TRANSFER_STATE",
    "WITHDRAW",
    "WITHDRAWAL_HISTORY",
]

_DEPOSIT_STATES = choice(*(s.value for s in m.DepositState))
_WITHDRAWAL_STATES = choice(*(s.value for s in m.WithdrawalState))
_BILL_TYPES = choice(*(s.value for s in m.BillType))
_ACCOUNTS = choice(*(s.value for s in m.AccountType))
_TRANSFER_TYPES = choice(*(s.value for s in m.TransferType))
_PAGE = {"after": Param("after", MS), "before": Param("before", MS), "limit": Param("limit", LIMIT)}

BALANCES = Endpoint(
    method="GET",
    path="/api/v5/asset/balances",
    buckets=(FUNDING,),
    record=m.Balance,
    params={"ccy": Param("ccy", CCY)},
    retry_safe=True,
)
CURRENCIES = Endpoint(
    method="GET",
    path="/api/v5/asset/currencies",
    buckets=(FUNDING,),
    record=m.Currency,
    params={"ccy": Param("ccy", CCY)},
    retry_safe=True,
)
DEPOSIT_ADDRESS = Endpoint(
    method="GET",
    path="/api/v5/asset/deposit-address",
    buckets=(FUNDING,),
    record=m.DepositAddress,
    params={"ccy": Param("ccy", CCY1, required=True)},
    retry_safe=True,
)
DEPOSIT_HISTORY = Endpoint(
    method="GET",
    path="/api/v5/asset/deposit-history",
    buckets=(FUNDING,),
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
    buckets=(FUNDING,),
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
    buckets=(FUNDING,),
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
    buckets=(FUNDING,),
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
BILLS_HISTORY = Endpoint(
    method="GET",
    path="/api/v5/asset/bills-history",
    buckets=(FUNDING, BILLS_ARCHIVE),
    record=m.Bill,
    params={
        "ccy": Param("ccy", CCY1),
        "type": Param("type", _BILL_TYPES),
        "client_id": Param("clientId", CLIENT_ID),
        **_PAGE,
    },
    retry_safe=True,
)
TRANSFER = Endpoint(
    method="POST",
    path="/api/v5/asset/transfer",
    buckets=(FUNDING, rules.TRANSFER),
    record=m.Transfer,
    params={
        "type": Param("type", _TRANSFER_TYPES),
        "ccy": Param("ccy", CCY1, required=True),
        "amt": Param("amt", AMOUNT, required=True),
        "from_": Param("from", _ACCOUNTS, required=True),
        "to": Param("to", _ACCOUNTS, required=True),
        "sub_acct": Param("subAcct", TEXT),
        "omit_pos_risk": Param("omitPosRisk", BOOL_TEXT),
        "client_id": Param("clientId", CLIENT_ID, required=True),
    },
    retry_safe=False,
)
TRANSFER_STATE = Endpoint(
    method="GET",
    path="/api/v5/asset/transfer-state",
    buckets=(FUNDING,),  # its own limit (10 / s) is looser than the group's
    record=m.TransferState,
    params={
        "trans_id": Param("transId", TEXT),
        "client_id": Param("clientId", CLIENT_ID),
        "type": Param("type", _TRANSFER_TYPES),
    },
    retry_safe=True,
)
CANCEL_WITHDRAWAL = Endpoint(
    method="POST",
    path="/api/v5/asset/cancel-withdrawal",
    buckets=(FUNDING,),
    record=m.WithdrawalId,
    params={"wd_id": Param("wdId", TEXT, required=True)},
    retry_safe=True,  # cancelling twice cancels once; a second answer is 58220
)
DEPOSIT_WITHDRAW_STATUS = Endpoint(
    method="GET",
    path="/api/v5/asset/deposit-withdraw-status",
    buckets=(FUNDING, rules.DEPOSIT_WITHDRAW_STATUS),
    record=m.DepositWithdrawStatus,
    params={
        "wd_id": Param("wdId", TEXT),
        "tx_id": Param("txId", TEXT),
        "ccy": Param("ccy", CCY1),
        "to": Param("to", TEXT),
        "chain": Param("chain", TEXT),
    },
    retry_safe=True,
)
