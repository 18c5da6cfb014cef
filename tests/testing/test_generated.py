"""The emulator's generated large histories and simulated latency."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from decimal import Decimal

from paging_helpers import fast_exchange

from okxasync.testing import ExchangeState
from okxasync.testing._state import page_newest_first

NOW_MS = 1_720_000_000_000


def test_generated_history_is_ordered_clustered_and_deterministic() -> None:
    state = ExchangeState(4, now_ms=NOW_MS, history_size=2_000)
    for records, id_field in ((state.deposits, "depId"), (state.bills, "billId")):
        assert len(records) == 2_000
        keys = [(int(r["ts"]), int(r[id_field])) for r in records]
        assert keys == sorted(keys, reverse=True)
        assert len({k[1] for k in keys}) == 2_000
        straddling = sum(records[i - 1]["ts"] == records[i]["ts"] for i in range(100, 2_000, 100))
        assert straddling >= 3  # clusters across page edges
        assert all(NOW_MS - 91 * 86_400_000 < k[0] < NOW_MS for k in keys)
    again = ExchangeState(4, now_ms=NOW_MS, history_size=2_000)
    assert again.withdrawals[1_234] == state.withdrawals[1_234]
    assert ExchangeState(5, now_ms=NOW_MS, history_size=2_000).deposits[7] != state.deposits[7]


def test_paging_a_generated_history_matches_a_list_of_it() -> None:
    generated = ExchangeState(1, now_ms=NOW_MS, history_size=700).deposits
    listed = list(generated)
    after, before = int(listed[123]["ts"]), int(listed[611]["ts"])
    for kwargs in (
        {"after": None, "before": None},
        {"after": after, "before": None},
        {"after": after, "before": before},
    ):
        for match in ({}, {"ccy": "BTC"}):
            want = page_newest_first(listed, limit=100, match=match, **kwargs)
            assert page_newest_first(generated, limit=100, match=match, **kwargs) == want


def test_a_million_records_are_not_held_in_memory() -> None:
    tracemalloc.start()
    try:
        state = ExchangeState(0, now_ms=NOW_MS, history_size=1_000_000)
        page = page_newest_first(
            state.bills, after=int(state.bills[700_000]["ts"]), before=None, limit=100, match={}
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(state.bills) == 1_000_000 and len(page) == 100
    assert peak < 20_000_000  # the seeded state plus one page, far below 1M records


async def test_withdrawals_on_a_generated_history() -> None:
    async with fast_exchange(seed=2, history_size=5_000) as (fake, client):
        before = int(fake.state.withdrawals[0]["wdId"])
        sent = await client.funding.withdraw(
            ccy="USDT", amt=Decimal(20), dest="4", to_addr="0xabc", fee=Decimal("2.4")
        )
        assert int(sent.wd_id) > before
        newest = await client.funding.withdrawal_history(limit=2)
        assert [w.wd_id for w in newest] == [sent.wd_id, str(before)]
        assert len(fake.state.withdrawals) == 5_001


async def test_latency_delays_each_round_trip_and_overlaps_requests() -> None:
    latency = 0.25
    async with fast_exchange(latency) as (fake, client):
        started = time.monotonic()
        await client.funding.balances()
        assert time.monotonic() - started >= latency
        await asyncio.gather(*(client.funding.balances() for _ in range(4)))
        arrivals = [r.arrival for r in fake.requests[1:]]
        assert max(arrivals) - min(arrivals) < latency  # all four were in flight at once
