"""OTC RFQ endpoints (rate group ``otc``, 2 requests per 2 seconds)."""

from __future__ import annotations

from .. import models as m
from .._http.encode import AMOUNT, CCY1, CLIENT_ID, COUNT, LIMIT, MS, TEXT, Param, choice
from .._ratelimit.rules import OTC
from .base import Endpoint

__all__ = ["RFQ_GET_TRADE", "RFQ_HISTORY", "RFQ_INSTRUMENTS", "RFQ_QUOTE", "RFQ_TRADE"]

_SIDES = choice("buy", "sell")
RFQ_INSTRUMENTS = Endpoint(
    method="GET",
    path="/api/v5/otc/rfq/instruments",
    buckets=(OTC,),
    record=m.InstrumentList,
    retry_safe=True,
)
RFQ_QUOTE = Endpoint(
    method="POST",
    path="/api/v5/otc/rfq/quote",
    buckets=(OTC,),
    record=m.Quote,
    params={
        "base_ccy": Param("baseCcy", CCY1, required=True),
        "quote_ccy": Param("quoteCcy", CCY1, required=True),
        "side": Param("side", choice("buy", "sell", "two_way"), required=True),
        "rfq_sz": Param("rfqSz", AMOUNT, required=True),
        "rfq_sz_ccy": Param("rfqSzCcy", CCY1, required=True),
        "cl_q_req_id": Param("clQReqId", CLIENT_ID),
        "cl_q_req_ts": Param("clQReqTs", MS),
    },
    retry_safe=True,
)
RFQ_TRADE = Endpoint(
    method="POST",
    path="/api/v5/otc/rfq/trade",
    buckets=(OTC,),
    record=m.Trade,
    params={
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
    method="GET",
    path="/api/v5/otc/rfq/trade",
    buckets=(OTC,),
    record=m.Trade,
    params={"trade_id": Param("tradeId"), "cl_t_req_id": Param("clTReqId", CLIENT_ID)},
    retry_safe=True,
)
RFQ_HISTORY = Endpoint(
    method="GET",
    path="/api/v5/otc/rfq/history",
    buckets=(OTC,),
    record=m.HistoryPage,
    params={
        "begin": Param("begin", MS),
        "end": Param("end", MS),
        "page_sz": Param("pageSz", LIMIT),
        "page_idx": Param("pageIdx", COUNT),
    },
    retry_safe=True,
)
