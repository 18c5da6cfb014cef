"""OKX Convert endpoints (``/api/v5/asset/convert/*``).

Their documented limits, as buckets: currencies, currency-pair and history ``convert``
6/s; estimate-quote ``convert-quote`` 10/s and ``convert-quote-pair`` 1 per 5 s per pair;
trade ``convert-trade`` 10/s and ``convert-trade-side`` 1 per 5 s per side.
Permissions: estimate-quote and trade need Trade, the reads Read.
"""

from __future__ import annotations

from .. import models as m
from .._http.encode import AMOUNT, CCY1, CLIENT_ID, LIMIT, MS, TEXT, Param, choice
from .._ratelimit import rules
from .._ratelimit.rules import CONVERT, CONVERT_QUOTE, CONVERT_QUOTE_PAIR, CONVERT_TRADE_SIDE
from .base import Endpoint

__all__ = [
    "CONVERT_CURRENCIES",
    "CONVERT_ESTIMATE_QUOTE",
    "CONVERT_HISTORY",
    "CONVERT_PAIR",
    "CONVERT_TRADE",
]

_SIDES = choice("buy", "sell")

CONVERT_CURRENCIES = Endpoint(
    method="GET",
    path="/api/v5/asset/convert/currencies",
    buckets=(CONVERT,),
    record=m.ConvertCurrency,
    retry_safe=True,
)
CONVERT_PAIR = Endpoint(
    method="GET",
    path="/api/v5/asset/convert/currency-pair",
    buckets=(CONVERT,),
    record=m.ConvertPair,
    params={
        "from_ccy": Param("fromCcy", CCY1, required=True),
        "to_ccy": Param("toCcy", CCY1, required=True),
    },
    retry_safe=True,
)
CONVERT_ESTIMATE_QUOTE = Endpoint(
    method="POST",
    path="/api/v5/asset/convert/estimate-quote",
    buckets=(CONVERT_QUOTE, CONVERT_QUOTE_PAIR),
    record=m.ConvertQuote,
    params={
        "base_ccy": Param("baseCcy", CCY1, required=True),
        "quote_ccy": Param("quoteCcy", CCY1, required=True),
        "side": Param("side", _SIDES, required=True),
        "rfq_sz": Param("rfqSz", AMOUNT, required=True),
        "rfq_sz_ccy": Param("rfqSzCcy", CCY1, required=True),
        "cl_q_req_id": Param("clQReqId", CLIENT_ID),
        "tag": Param("tag", TEXT),
    },
    retry_safe=True,  # a quote moves nothing; an unused one expires
)
CONVERT_TRADE = Endpoint(
    method="POST",
    path="/api/v5/asset/convert/trade",
    buckets=(rules.CONVERT_TRADE, CONVERT_TRADE_SIDE),
    record=m.ConvertTrade,
    params={
        "quote_id": Param("quoteId", TEXT, required=True),
        "base_ccy": Param("baseCcy", CCY1, required=True),
        "quote_ccy": Param("quoteCcy", CCY1, required=True),
        "side": Param("side", _SIDES, required=True),
        "sz": Param("sz", AMOUNT, required=True),
        "sz_ccy": Param("szCcy", CCY1, required=True),
        "cl_t_req_id": Param("clTReqId", CLIENT_ID, required=True),
        "tag": Param("tag", TEXT),
    },
    retry_safe=False,
)
CONVERT_HISTORY = Endpoint(
    method="GET",
    path="/api/v5/asset/convert/history",
    buckets=(CONVERT,),
    record=m.ConvertTrade,
    params={
        "cl_t_req_id": Param("clTReqId", CLIENT_ID),
        "after": Param("after", MS),
        "before": Param("before", MS),
        "limit": Param("limit", LIMIT),
        "tag": Param("tag", TEXT),
    },
    retry_safe=True,
)
