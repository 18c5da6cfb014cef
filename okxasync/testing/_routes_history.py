"""Handlers of the time-paged history endpoints: deposits, withdrawals, bills and the bills
archive (newest first, ``after``/``before`` exclusive ms cursors, ``limit`` up to 100)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from okxasync.testing import _checks as checks
from okxasync.testing._checks import param_error
from okxasync.testing._data import Row
from okxasync.testing._lists import page_newest_first

if TYPE_CHECKING:
    from okxasync.testing._backend import Backend

__all__ = ["bills", "bills_history", "deposit_history", "withdrawal_history"]

Params = Mapping[str, Any]
Data = list[Any]

DEPOSIT_STATES = ("0", "1", "2", "8", "12", "13")
WITHDRAWAL_STATES = ("-3", "-2", "-1", "0", "1", "2", "3", "4", "5")
BILL_TYPES = ("1", "2", "13", "20", "21", "22", "23", "130", "131")


def _history(
    records: Sequence[Row], params: Params, filters: Mapping[str, tuple[str, ...]]
) -> Data:
    """A newest-first page; ``filters`` maps filter params to allowed values (() = any)."""
    match: dict[str, str] = {}
    for name, allowed in filters.items():
        if name == "clientId":
            value = checks.client_id(params)
        elif allowed:
            value = checks.choice(params, name, allowed, required=False)
        else:
            value = checks.optional_str(params, name)
        if value is not None:
            match[name] = value
    if "," in match.get("ccy", ""):
        raise param_error("ccy", "error: a single currency is expected")
    return page_newest_first(
        records,
        after=checks.optional_int(params, "after"),
        before=checks.optional_int(params, "before"),
        limit=checks.limit(params),
        match=match,
    )


def deposit_history(backend: Backend, params: Params) -> Data:
    filters = {"ccy": (), "depId": (), "txId": (), "state": DEPOSIT_STATES}
    return _history(backend.state.deposits, params, filters)


def withdrawal_history(backend: Backend, params: Params) -> Data:
    filters = {"ccy": (), "wdId": (), "clientId": (), "txId": (), "state": WITHDRAWAL_STATES}
    return _history(backend.state.withdrawals, params, filters)


def bills(backend: Backend, params: Params) -> Data:
    filters = {"ccy": (), "type": BILL_TYPES, "clientId": ()}
    return _history(backend.state.bills, params, filters)


def bills_history(backend: Backend, params: Params) -> Data:
    """The archive: the recent bills, then the archived ones back to 2021-02-01."""
    checks.choice(params, "pagingType", ("1",), required=False)  # "2" (by billId): not emulated
    checks.choice(params, "thirdPartyType", ("1", "2", "5"), required=False)
    filters = {"ccy": (), "type": BILL_TYPES, "clientId": ()}
    return _history(backend.state.bills_archive, params, filters)
