"""The public names: complete and importable."""

from __future__ import annotations

import okxasync
from okxasync import models

CONTRACT = {
    "Client",
    "OKLINK",
    "OKX",
    "Rate",
    "OkxError",
    "APIError",
    "RateLimitError",
    "AuthenticationError",
    "TransportError",
    "ValidationError",
    "OutcomeUnknownError",
    "Balance",
    "Currency",
    "DepositAddress",
    "Deposit",
    "Bill",
    "Withdrawal",
    "WithdrawalRecord",
    "RfqInstrument",
    "Quote",
    "Trade",
    "HistoryPage",
    "HistoryTrade",
    "DepositState",
    "WithdrawalState",
    "BillType",
    "TradeState",
    # Phase 2
    "OKX_US",
    "OKX_EEA",
    "Transfer",
    "TransferState",
    "DepositWithdrawStatus",
    "ConvertCurrency",
    "ConvertPair",
    "ConvertQuote",
    "ConvertTrade",
    "EventStream",
}


def test_contract_names_are_exported() -> None:
    assert set(okxasync.__all__) >= CONTRACT
    for name in okxasync.__all__:
        assert hasattr(okxasync, name), name


def test_all_is_sorted_and_public_modules_match() -> None:
    assert okxasync.__all__ == sorted(set(okxasync.__all__))  # sorted, no duplicates
    for name in models.__all__:
        assert getattr(okxasync, name) is getattr(models, name)
    assert okxasync.OKLINK == "https://www.oklink.com"
    assert okxasync.OKX == "https://openapi.okx.com"
    assert (okxasync.OKX_US, okxasync.OKX_EEA) == ("https://us.okx.com", "https://eea.okx.com")
    assert okxasync.OKX_WS == "wss://ws.okx.com:8443/ws/v5/business"
    assert okxasync.OKX_DEMO_WS == "wss://wspap.okx.com:8443/ws/v5/business"
    assert okxasync.OKX_US_WS == "wss://wsus.okx.com:8443/ws/v5/business"
    assert okxasync.OKX_US_DEMO_WS == "wss://wsuspap.okx.com:8443/ws/v5/business"
    assert okxasync.OKX_EEA_WS == "wss://wseea.okx.com:8443/ws/v5/business"
    assert okxasync.OKX_EEA_DEMO_WS == "wss://wseeapap.okx.com:8443/ws/v5/business"


def test_exported_objects_belong_to_the_package() -> None:
    for name in okxasync.__all__:
        obj = getattr(okxasync, name)
        module = getattr(obj, "__module__", "okxasync")
        assert module.startswith("okxasync"), (name, module)
