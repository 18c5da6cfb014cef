"""The aiohttp application: middlewares and the endpoint table.

A request passes ``record`` (appends a ``RecordedRequest``), ``errors`` (turns
``EmulatorRefusal`` and router errors into envelopes), then ``auth`` (private
endpoints only), then the endpoint's handler. Handlers are plain functions of
``(Backend, params)`` returning the envelope's ``data`` list; ``params`` is the
query for GET and the JSON object body for POST. Later middlewares (rate
limits, latency, fault injection) slot in between ``errors`` and ``auth``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware

from okxasync._endpoints import Endpoint as ClientEndpoint
from okxasync._endpoints import convert, funding, otc, public
from okxasync.testing import _checks as checks
from okxasync.testing import _routes_okx as okx
from okxasync.testing._backend import Backend, RecordedRequest, history_view, trade_view
from okxasync.testing._catalogue import COINS_BY_CCY
from okxasync.testing._checks import EmulatorRefusal, param_error
from okxasync.testing._routes_history import (
    bills,
    bills_history,
    deposit_history,
    withdrawal_history,
)
from okxasync.testing._state import (
    QuoteRequest,
    TradeRequest,
    Withdraw,
)

__all__ = ["ROUTES", "Route", "make_app"]

log = logging.getLogger("okxasync.testing")

Params = Mapping[str, Any]
Data = list[Any]


@dataclass(frozen=True)
class Route:
    """One endpoint the emulator serves: the client's own description of it (method, path,
    rate group, whether it is signed or moves money) and the emulator's behaviour."""

    endpoint: ClientEndpoint[Any]
    handler: Callable[[Backend, Params], Data]

    @property
    def method(self) -> str:
        return self.endpoint.method

    @property
    def path(self) -> str:
        return self.endpoint.path

    @property
    def group(self) -> str:
        return self.endpoint.group

    @property
    def private(self) -> bool:
        return self.endpoint.signed

    @property
    def commits(self) -> bool:
        """Whether a request changes funds (a withdrawal, a trade): not safe to resend."""
        return not self.endpoint.retry_safe


BACKEND = web.AppKey("backend", Backend)
ROUTE_TABLE = web.AppKey("routes", dict)  # (method, path) -> Route


def envelope(data: Data, code: str = "0", msg: str = "", status: int = 200) -> web.Response:
    return web.json_response({"code": code, "msg": msg, "data": data}, status=status)


# ----------------------------------------------------------------- middlewares


async def body_text(request: web.Request) -> str:
    """The raw body as text (aiohttp caches it; bad UTF-8 never raises)."""
    return (await request.read()).decode("utf-8", "replace")


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


_SECRET_HEADERS = frozenset({"OK-ACCESS-PASSPHRASE", "OK-ACCESS-SIGN"})


def _redacted(headers: Mapping[str, str]) -> dict[str, str]:
    """The request headers with the passphrase and signature masked, so a recorded
    request can be printed in a failing test without leaking them."""
    return {k: "***" if k.upper() in _SECRET_HEADERS else v for k, v in headers.items()}


@web.middleware
async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
    arrival = time.monotonic()
    entry = RecordedRequest(
        method=request.method,
        path=request.path,
        query=dict(request.query),
        body=await body_text(request),
        headers=_redacted(request.headers),
        arrival=arrival,
        simulated_trading="x-simulated-trading" in request.headers,
    )
    request.app[BACKEND].requests.append(entry)
    response = await handler(request)
    entry.status = response.status if _connected(request) else 0
    entry.code = _envelope_code(response)
    return response


def _connected(request: web.Request) -> bool:
    """False once the connection is closed: the answer will not be delivered."""
    return request.transport is not None and not request.transport.is_closing()


def _envelope_code(response: web.StreamResponse) -> str:
    body = response.body if isinstance(response, web.Response) else None
    try:
        return str(json.loads(body)["code"]) if isinstance(body, bytes) else ""
    except (ValueError, KeyError, TypeError):
        return ""


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except EmulatorRefusal as exc:
        return envelope([], exc.code, exc.msg, exc.status)
    except web.HTTPException as exc:  # the router's 404 / 405
        return envelope([], "50000", f"{exc.reason}: {request.method} {request.path}", exc.status)
    except Exception:
        log.exception("FakeExchange failed on %s %s", request.method, request.path_qs)
        return envelope([], "50001", "Internal emulator error", 500)


@web.middleware
async def auth(request: web.Request, handler: Handler) -> web.StreamResponse:
    endpoint = request.app[ROUTE_TABLE].get((request.method, request.path))
    if endpoint is not None and endpoint.private:
        backend = request.app[BACKEND]
        checks.check_auth(
            request.headers,
            request.method,
            request.raw_path,
            await body_text(request),
            backend.secrets,
            backend.clock(),
        )
    return await handler(request)


# -------------------------------------------------------------------- handlers


def server_time(backend: Backend, params: Params) -> Data:
    return [{"ts": str(backend.clock())}]


def balances(backend: Backend, params: Params) -> Data:
    return backend.state.balance_rows(checks.ccy_list(params))


def currencies(backend: Backend, params: Params) -> Data:
    return backend.state.currency_rows(checks.ccy_list(params))


def deposit_address(backend: Backend, params: Params) -> Data:
    rows = backend.state.deposit_addresses.get(checks.required_str(params, "ccy"))
    if rows is None:
        raise param_error("ccy")
    return rows


def withdrawal(backend: Backend, params: Params) -> Data:
    """POST /asset/withdrawal; ``fee`` may be ``"0"`` (internal transfers)."""
    ccy = checks.required_str(params, "ccy")
    if ccy not in COINS_BY_CCY:
        raise param_error("ccy")
    request = Withdraw(
        ccy=ccy,
        amt=checks.amount(params, "amt"),
        fee=checks.amount(params, "fee", True),
        dest=str(checks.choice(params, "dest", ("3", "4"), required=True)),
        to_addr=checks.required_str(params, "toAddr"),
        chain=checks.optional_str(params, "chain"),
        client_id=checks.client_id(params),
    )
    if request.chain is not None and request.chain not in backend.state.chains(ccy):
        raise param_error("chain")
    record = backend.state.withdraw(request, backend.clock())
    return [{key: record[key] for key in ("amt", "wdId", "ccy", "clientId", "chain")}]


def rfq_instruments(backend: Backend, params: Params) -> Data:
    return [{"instruments": backend.state.rfq_instruments, "ts": str(backend.clock())}]


def rfq_quote(backend: Backend, params: Params) -> Data:
    checks.optional_int(params, "clQReqTs")
    request = QuoteRequest(
        base_ccy=checks.required_str(params, "baseCcy"),
        quote_ccy=checks.required_str(params, "quoteCcy"),
        side=str(checks.choice(params, "side", ("buy", "sell", "two_way"), required=True)),
        rfq_sz=checks.amount(params, "rfqSz"),
        rfq_sz_ccy=checks.required_str(params, "rfqSzCcy"),
        cl_q_req_id=checks.optional_str(params, "clQReqId"),
    )
    return [backend.state.make_quote(request, backend.clock())]


def rfq_trade(backend: Backend, params: Params) -> Data:
    checks.optional_int(params, "clTReqTs")
    request = TradeRequest(
        cl_t_req_id=checks.required_str(params, "clTReqId"),
        quote_id=checks.required_str(params, "quoteId"),
        base_ccy=checks.required_str(params, "baseCcy"),
        quote_ccy=checks.required_str(params, "quoteCcy"),
        side=str(checks.choice(params, "side", ("buy", "sell"), required=True)),
        sz=checks.amount(params, "sz"),
        sz_ccy=checks.required_str(params, "szCcy"),
    )
    return [trade_view(backend.state.execute_trade(request, backend.clock()))]


def rfq_get_trade(backend: Backend, params: Params) -> Data:
    """GET /otc/rfq/trade: tradeId wins over clTReqId; not found -> empty ``data``."""
    trade_id = checks.optional_str(params, "tradeId")
    cl_t_req_id = checks.optional_str(params, "clTReqId")
    if trade_id is None and cl_t_req_id is None:
        raise param_error("tradeId", "error: tradeId or clTReqId is required")
    trade = backend.state.find_trade(trade_id=trade_id, cl_t_req_id=cl_t_req_id)
    return [] if trade is None else [trade_view(trade)]


def rfq_history(backend: Backend, params: Params) -> Data:
    page_sz = checks.optional_int(params, "pageSz", 1, 100) or 100
    page_idx = checks.optional_int(params, "pageIdx") or 0
    page = backend.state.rfq_history(
        begin=checks.optional_int(params, "begin"),
        end=checks.optional_int(params, "end"),
        page_sz=page_sz,
        page_idx=page_idx,
    )
    return [
        {
            "pageIdx": str(page_idx),
            "totalPageCnt": str(page.total_pages),
            "totalRecordCnt": str(page.total_records),
            "trades": [history_view(t) for t in page.trades],
            "ts": str(backend.clock()),
        }
    ]


ROUTES: tuple[Route, ...] = (
    Route(public.SERVER_TIME, server_time),
    Route(funding.BALANCES, balances),
    Route(funding.CURRENCIES, currencies),
    Route(funding.DEPOSIT_ADDRESS, deposit_address),
    Route(funding.DEPOSIT_HISTORY, deposit_history),
    Route(funding.BILLS, bills),
    Route(funding.WITHDRAW, withdrawal),
    Route(funding.WITHDRAWAL_HISTORY, withdrawal_history),
    Route(otc.RFQ_INSTRUMENTS, rfq_instruments),
    Route(otc.RFQ_QUOTE, rfq_quote),
    Route(otc.RFQ_TRADE, rfq_trade),
    Route(otc.RFQ_GET_TRADE, rfq_get_trade),
    Route(otc.RFQ_HISTORY, rfq_history),
    Route(funding.BILLS_HISTORY, bills_history),
    Route(funding.TRANSFER, okx.transfer),
    Route(funding.TRANSFER_STATE, okx.transfer_state),
    Route(funding.CANCEL_WITHDRAWAL, okx.cancel_withdrawal),
    Route(funding.DEPOSIT_WITHDRAW_STATUS, okx.deposit_withdraw_status),
    Route(convert.CONVERT_CURRENCIES, okx.convert_currencies),
    Route(convert.CONVERT_PAIR, okx.convert_pair),
    Route(convert.CONVERT_ESTIMATE_QUOTE, okx.convert_quote),
    Route(convert.CONVERT_TRADE, okx.convert_trade),
    Route(convert.CONVERT_HISTORY, okx.convert_history),
)


def _web_handler(route: Route) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        if request.method == "POST":
            params: Params = checks.json_object(await body_text(request))
        else:
            params = request.query
        return envelope(route.handler(request.app[BACKEND], params))

    return handle


def make_app(
    backend: Backend,
    outer: Sequence[Middleware] = (),
    inner: Sequence[Middleware] = (),
) -> web.Application:
    """The application; ``outer`` middlewares run before a request is recorded as
    arrived (network effects), ``inner`` ones between ``errors`` and ``auth``."""
    app = web.Application(middlewares=[*outer, record, errors, *inner, auth])
    app[BACKEND] = backend
    app[ROUTE_TABLE] = {(r.method, r.path): r for r in ROUTES}
    for route in ROUTES:
        app.router.add_route(route.method, route.path, _web_handler(route))
    return app
