"""The emulator's seeded data is reproducible (a fixed clock anchor), and it refuses
withdrawals outside a chain's limits with the real API's codes."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from paging_helpers import FAST

import okxasync
from okxasync import APIError
from okxasync.testing import ANCHOR_MS, FakeExchange

pytestmark = pytest.mark.fake_exchange(seed=0, rate_limits=FAST)


async def test_the_same_seed_gives_the_same_records_later() -> None:
    async with FakeExchange(seed=3) as first:
        await asyncio.sleep(0.01)  # the wall clock moved on
        async with (
            FakeExchange(seed=3) as second,
            okxasync.Client(base_url=first.url, **first.credentials) as one,
            okxasync.Client(base_url=second.url, **second.credentials) as two,
        ):
            assert await one.funding.deposit_history() == await two.funding.deposit_history()
            trades = (await one.otc.history()).trades
            assert trades and trades == (await two.otc.history()).trades
    assert first.state.now_ms == second.state.now_ms == ANCHOR_MS
    assert max(int(r["ts"]) for r in first.state.deposits) < ANCHOR_MS


async def test_now_ms_still_moves_the_histories() -> None:
    async with FakeExchange(seed=3, now_ms=ANCHOR_MS + 86_400_000) as later:
        assert later.state.now_ms == ANCHOR_MS + 86_400_000
        newest = int(later.state.deposits[0]["ts"])
    assert newest > ANCHOR_MS


async def withdraw(client: okxasync.Client, **args: object) -> okxasync.Withdrawal:
    sent = {"ccy": "USDT", "amt": "20", "dest": "4", "to_addr": "TN4hx", "fee": "1"}
    return await client.funding.withdraw(**{**sent, "chain": "USDT-TRC20", **args})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ({"amt": "0.5"}, "58206"),  # USDT-TRC20 minWd is 1
        ({"fee": "0.5"}, "58211"),  # minFee 0.8
        ({"fee": "1.7"}, "58210"),  # maxFee 1.6
        ({"chain": None, "fee": "1"}, "58211"),  # the main chain, USDT-ERC20: minFee 2.4
    ],
)
async def test_withdrawals_outside_the_chain_limits_are_refused(
    client: okxasync.Client, fake: FakeExchange, args: dict[str, object], code: str
) -> None:
    before = (list(fake.state.withdrawals), [dict(b) for b in fake.state.balances])
    with pytest.raises(APIError) as info:
        await withdraw(client, **args)
    assert info.value.code == code
    assert (list(fake.state.withdrawals), fake.state.balances) == before  # nothing changed


async def test_withdrawals_at_the_limits_are_accepted(
    client: okxasync.Client, fake: FakeExchange
) -> None:
    row = fake.state.currency_row("USDT", "USDT-TRC20")
    assert (row["minWd"], row["minFee"], row["maxFee"]) == ("1", "0.8", "1.6")
    low = await withdraw(client, amt="1", fee="0.8")
    high = await withdraw(client, amt="1", fee="1.6")
    internal = await withdraw(client, amt="1", dest="3", to_addr="a@b.example", fee="9")
    assert low.amt == high.amt == internal.amt == Decimal(1)
