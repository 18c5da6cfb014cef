"""Records keep their fields in the order the API sends keys (by name; the optional ones,
usually absent, last), which lets msgspec find each key at the next position, while people
(and CSV columns) see the declared order."""

from __future__ import annotations

import msgspec

from okxasync import models as m
from okxasync._cli._records import PUSH_ONLY, columns
from okxasync.models._base import Record, Timestamped, declared_fields


class Sample(Timestamped, frozen=True, kw_only=True):
    zulu: str
    alpha_beta: int
    mid_: str = msgspec.field(name="kilo")
    from_: str = ""


def test_fields_are_stored_in_wire_order_and_declared_order_is_kept() -> None:
    assert Sample.__struct_encode_fields__ == ("alphaBeta", "kilo", "ts", "zulu", "from")
    assert declared_fields(Sample) == ("ts_ms", "zulu", "alpha_beta", "mid_", "from_")
    body = b'{"zulu": "z", "ts": "5", "kilo": "k", "alphaBeta": 1, "from": "f"}'
    record = msgspec.json.decode(body, type=Sample, strict=False)
    assert record == Sample(ts_ms=5, zulu="z", alpha_beta=1, mid_="k", from_="f")


def test_every_record_stores_its_fields_sorted_by_wire_name_optional_last() -> None:
    records = [
        cls
        for cls in vars(m).values()
        if isinstance(cls, type) and issubclass(cls, Record) and cls not in (Record, Timestamped)
    ]
    assert len(records) >= 10
    for cls in records:
        info = msgspec.inspect.type_info(cls)
        assert isinstance(info, msgspec.inspect.StructType)
        required = [f.encode_name for f in info.fields if f.required]
        optional = [f.encode_name for f in info.fields if not f.required]
        assert list(cls.__struct_encode_fields__) == sorted(required) + sorted(optional)
        assert set(declared_fields(cls)) == set(cls.__struct_fields__), cls.__name__
        if issubclass(cls, Timestamped):
            assert "ts" in required and declared_fields(cls)[0] == "ts_ms", cls.__name__


def test_a_page_in_the_api_key_order_decodes_without_a_search() -> None:
    """A REST deposit sends its keys sorted by name and no push-only key: the record's
    stored order is exactly that sequence, push-only fields after it."""
    keys = ["actualDepBlkConfirm", "amt", "ccy", "chain", "depId", "from", "state", "to"]
    keys += ["ts", "txId"]
    assert m.Deposit.__struct_encode_fields__[: len(keys)] == tuple(keys)


def test_export_columns_follow_the_declared_order() -> None:
    names = [attribute for attribute, _ in columns(m.Deposit, pushed=True)]
    assert names == list(declared_fields(m.Deposit))
    exported = [attribute for attribute, _ in columns(m.Deposit)]  # push-only fields left out
    assert exported == [name for name in names if name not in PUSH_ONLY]
    assert names != list(m.Deposit.__struct_fields__)  # the stored order differs
