"""Every public record, enum and call says what it is: a docstring that names each field
(records) or parameter (calls), and enums that read as names where a person reads them."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from record_helpers import deposit

import okxasync
from okxasync import models as m
from okxasync._resources import ConvertApi, FundingApi, OtcApi


def mentions(doc: str | None, name: str) -> bool:
    return doc is not None and re.search(rf"\b{re.escape(name)}\b", doc) is not None


def public_name(field: str) -> str:
    """How a field is read: ``ts_ms`` is read as ``ts``, ``quote_ts_ms`` as ``quote_ts``."""
    return field.removesuffix("_ms") if field.endswith("ts_ms") else field


RECORDS = [getattr(m, name) for name in m.__all__]


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.__name__)
def test_every_record_and_enum_has_a_docstring(record: type[Any]) -> None:
    assert record.__doc__ and record.__doc__.strip(), record
    if issubclass(record, msgspec.Struct):
        missing = [
            f.name
            for f in msgspec.structs.fields(record)
            if not mentions(record.__doc__, public_name(f.name))
        ]
        assert missing == [], f"{record.__name__} does not describe {missing}"


def public_methods(cls: type[Any]) -> list[tuple[str, Callable[..., Any]]]:
    return [
        (name, member)
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    ]


CALLS = [
    (f"{cls.__name__}.{name}", method)
    for cls in (FundingApi, OtcApi, ConvertApi, okxasync.Client)
    for name, method in public_methods(cls)
]


@pytest.mark.parametrize(("name", "method"), CALLS, ids=[name for name, _ in CALLS])
def test_every_public_call_names_its_parameters(name: str, method: Callable[..., Any]) -> None:
    doc = inspect.getdoc(method)
    assert doc, f"{name} has no docstring"
    params = [p for p in inspect.signature(method).parameters if p != "self"]
    missing = [p for p in params if not mentions(doc, p)]
    assert missing == [], f"{name} does not describe {missing}"


def test_the_client_describes_its_constructor_arguments() -> None:
    params = [p for p in inspect.signature(okxasync.Client).parameters]
    missing = [p for p in params if not mentions(okxasync.Client.__doc__, p)]
    assert missing == []


def test_withdraw_explains_dest() -> None:
    doc = inspect.getdoc(FundingApi.withdraw) or ""
    assert re.search(r'"3"\W+internal', doc) and re.search(r'"4"\W+on.chain', doc)


def test_states_read_as_names_and_keep_their_codes() -> None:
    record = deposit(state=m.DepositState.SUCCESSFUL)
    assert str(record.state) == f"{record.state}" == "SUCCESSFUL"
    assert f"{record.state:>12}" == "  SUCCESSFUL"
    assert record.state.value == "2" and record.state == "2"
    assert str(m.WithdrawalState.PENDING_CANCEL) == "PENDING_CANCEL"
    assert str(m.TradeState("FullyFilled")) == "FULLY_FILLED"
    unknown = m.DepositState("99")
    assert (str(unknown), unknown.value, unknown == "99") == ("UNKNOWN(99)", "99", True)
    assert msgspec.json.encode(record).count(b'"state":"2"') == 1  # the wire keeps the code


async def test_an_iterator_says_what_it_iterates_and_how_far(client: okxasync.Client) -> None:
    deposits = client.funding.iter_deposits(ccy="usdt", state="2", page_size=10)
    assert repr(deposits) == (
        "<HistoryIterator Deposit from GET /api/v5/asset/deposit-history ccy='USDT'"
        " state='2' page_size=10: 0 yielded, open>"
    )
    async with deposits:
        async for _ in deposits:
            break
    assert repr(deposits).endswith(": 1 yielded, finished>")
    trades = client.otc.iter_history()
    assert repr(trades).startswith("<HistoryIterator HistoryTrade from GET /api/v5/otc")
