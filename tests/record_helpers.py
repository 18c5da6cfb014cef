"""Complete records for tests that build them by hand: the reference's examples, with
any field replaced (records are precise: every required field must be given)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from okxasync import models as m


def deposit(**fields: Any) -> m.Deposit:
    base: dict[str, Any] = {
        "ts_ms": 1655251200000,
        "ccy": "USDT",
        "chain": "USDT-TRC20",
        "amt": Decimal("135.705808"),
        "from_": "",
        "to": "TN4hxxxxxxxxxxxizqs",
        "tx_id": "16f36383292f451xxxxxxxxxxxxxxx584f3391642d988f97",
        "state": m.DepositState.SUCCESSFUL,
        "dep_id": "34579090",
        "actual_dep_blk_confirm": 17,
    }
    return m.Deposit(**{**base, **fields})


def withdrawal_record(**fields: Any) -> m.WithdrawalRecord:
    base: dict[str, Any] = {
        "ts_ms": 1655251200000,
        "ccy": "ETH",
        "chain": "ETH-Ethereum",
        "amt": Decimal("0.029809"),
        "from_": "156****359",
        "to": "0xa30d1fab********7CF18C7B6C579",
        "tx_id": "0x35c******b360a174d",
        "fee": Decimal("0.007"),
        "state": m.WithdrawalState.SENT,
        "wd_id": "15447421",
        "client_id": "",
    }
    return m.WithdrawalRecord(**{**base, **fields})


def balance(**fields: Any) -> m.Balance:
    base: dict[str, Any] = {
        "ccy": "ETH",
        "bal": Decimal("37.11827078"),
        "frozen_bal": Decimal(0),
        "avail_bal": Decimal("37.11827078"),
    }
    return m.Balance(**{**base, **fields})


def trade(**fields: Any) -> m.Trade:
    base: dict[str, Any] = {
        "ts_ms": 1710326102144,
        "trade_id": "tradernext217103261021411004",
        "quote_id": "quoternextETH-USD17103260943476811",
        "cl_t_req_id": "ETHTest005",
        "state": m.TradeState.FULLY_FILLED,
        "inst_id": "ETH-USD",
        "base_ccy": "ETH",
        "quote_ccy": "USD",
        "side": m.Side.SELL,
        "px": Decimal("3981.2672"),
        "filled_base_sz": Decimal("0.05"),
        "filled_quote_sz": Decimal("199.06336"),
    }
    return m.Trade(**{**base, **fields})


def history_trade(**fields: Any) -> m.HistoryTrade:
    base: dict[str, Any] = {
        "ts_ms": 1710326102000,
        "trade_ts_ms": 1710326102000,
        "trade_id": "tradernext217103261021411004",
        "cl_t_req_id": "ETHTest005",
        "inst_id": "ETH-USD",
        "side": m.Side.SELL,
        "px": Decimal("3981.2672"),
        "base_ccy": "ETH",
        "base_sz": Decimal("0.05"),
        "quote_ccy": "USD",
        "quote_sz": Decimal("199.06336"),
    }
    return m.HistoryTrade(**{**base, **fields})
