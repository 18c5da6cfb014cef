"""Handlers of the endpoints OKX added to the funding API: transfers, transfer state,
withdrawal cancels, deposit/withdrawal status and Convert (``ExchangeState.moves`` and
``ExchangeState.convert`` hold their state). Same shape as ``_routes``: plain functions of
``(backend, params)`` returning the envelope's ``data``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from okxasync.testing import _checks as checks
from okxasync.testing._catalogue import COINS_BY_CCY
from okxasync.testing._checks import EmulatorRefusal, param_error
from okxasync.testing._convert import (
    ConvertQuoteRequest,
    ConvertTradeRequest,
    history_view,
    trade_view,
)
from okxasync.testing._moves import TransferRequest

if TYPE_CHECKING:
    from okxasync.testing._backend import Backend

__all__ = [
    "cancel_withdrawal",
    "convert_currencies",
    "convert_history",
    "convert_pair",
    "convert_quote",
    "convert_trade",
    "deposit_withdraw_status",
    "transfer",
    "transfer_state",
]

Params = Mapping[str, Any]
Data = list[Any]
TRANSFER_TYPES = ("0", "1", "2", "3", "4")
ACCOUNTS = ("6", "18")
STATE_FIELDS = (
    "amt", "ccy", "clientId", "from", "instId", "state", "subAcct", "to", "toInstId",
    "transId", "type",
)  # fmt: skip


def _ccy(params: Params, name: str = "ccy") -> str:
    ccy = checks.required_str(params, name)
    if ccy not in COINS_BY_CCY:
        raise param_error(name)
    return ccy


def _flag(params: Params, name: str) -> None:
    """An optional boolean flag, as JSON ``true``/``false`` or the text ``"true"``/``"false"``."""
    value = params.get(name)
    if value is not None and value not in (True, False, "true", "false"):
        raise param_error(name)


def transfer(backend: Backend, params: Params) -> Data:
    _flag(params, "loanTrans")
    _flag(params, "omitPosRisk")
    request = TransferRequest(
        type=checks.choice(params, "type", TRANSFER_TYPES, required=False) or "0",
        ccy=_ccy(params),
        amt=checks.amount(params, "amt"),
        from_=str(checks.choice(params, "from", ACCOUNTS, required=True)),
        to=str(checks.choice(params, "to", ACCOUNTS, required=True)),
        sub_acct=checks.optional_str(params, "subAcct"),
        client_id=checks.client_id(params),
    )
    record = backend.state.moves.transfer(request, backend.clock())
    return [{key: record[key] for key in ("transId", "ccy", "clientId", "from", "amt", "to")}]


def transfer_state(backend: Backend, params: Params) -> Data:
    """By transId (wins) or clientId, of the given type (default 0); none -> empty data."""
    trans_id = checks.optional_str(params, "transId")
    client_id = checks.client_id(params)
    if trans_id is None and client_id is None:
        raise EmulatorRefusal("50015", "Either parameter transId or clientId is required", 400)
    record = backend.state.moves.find(
        trans_id=trans_id,
        client_id=client_id,
        type_=checks.choice(params, "type", TRANSFER_TYPES, required=False) or "0",
        now_ms=backend.clock(),
    )
    return [] if record is None else [{key: record[key] for key in STATE_FIELDS}]


def cancel_withdrawal(backend: Backend, params: Params) -> Data:
    wd_id = checks.required_str(params, "wdId")
    backend.state.moves.cancel_withdrawal(wd_id, backend.clock())
    return [{"wdId": wd_id}]


def deposit_withdraw_status(backend: Backend, params: Params) -> Data:
    wd_id = checks.optional_str(params, "wdId")
    tx_id = checks.optional_str(params, "txId")
    if (wd_id is None) == (tx_id is None):
        raise EmulatorRefusal("50015", "Either parameter wdId or txId is required", 400)
    moves = backend.state.moves
    if wd_id is not None:
        return moves.withdrawal_status(wd_id)
    ccy, to, chain = (checks.optional_str(params, name) for name in ("ccy", "to", "chain"))
    if ccy is None or to is None or chain is None:
        missing = next(n for n, v in (("ccy", ccy), ("to", to), ("chain", chain)) if v is None)
        raise EmulatorRefusal("50014", f"Parameter {missing} can not be empty.", 400)
    return moves.deposit_status(str(tx_id), ccy, to, chain)


# ---------------------------------------------------------------------- Convert


def convert_currencies(backend: Backend, params: Params) -> Data:
    return backend.state.convert.currencies()


def convert_pair(backend: Backend, params: Params) -> Data:
    desk = backend.state.convert
    return [desk.pair(checks.required_str(params, "fromCcy"), checks.required_str(params, "toCcy"))]


def convert_quote(backend: Backend, params: Params) -> Data:
    request = ConvertQuoteRequest(
        base_ccy=checks.required_str(params, "baseCcy"),
        quote_ccy=checks.required_str(params, "quoteCcy"),
        side=str(checks.choice(params, "side", ("buy", "sell"), required=True)),
        rfq_sz=checks.amount(params, "rfqSz"),
        rfq_sz_ccy=checks.required_str(params, "rfqSzCcy"),
        cl_q_req_id=checks.client_id(params, "clQReqId") or "",
        tag=checks.optional_str(params, "tag") or "",
    )
    return [backend.state.convert.quote(request, backend.clock())]


def convert_trade(backend: Backend, params: Params) -> Data:
    request = ConvertTradeRequest(
        quote_id=checks.required_str(params, "quoteId"),
        base_ccy=checks.required_str(params, "baseCcy"),
        quote_ccy=checks.required_str(params, "quoteCcy"),
        side=str(checks.choice(params, "side", ("buy", "sell"), required=True)),
        sz=checks.amount(params, "sz"),
        sz_ccy=checks.required_str(params, "szCcy"),
        cl_t_req_id=checks.client_id(params, "clTReqId") or "",
        tag=checks.optional_str(params, "tag") or "",
    )
    return [trade_view(backend.state.convert.trade(request, backend.clock()))]


def convert_history(backend: Backend, params: Params) -> Data:
    trades = backend.state.convert.history(
        cl_t_req_id=checks.client_id(params, "clTReqId"),
        tag=checks.optional_str(params, "tag"),
        after=checks.optional_int(params, "after"),
        before=checks.optional_int(params, "before"),
        limit=checks.limit(params),
    )
    return [history_view(t) for t in trades]
