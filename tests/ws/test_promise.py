"""The promise: every record whose state changes is yielded in its latest state, no
``(id, state)`` twice, whatever happens to the connection and the pushes."""

from __future__ import annotations

import asyncio

import pytest
from ws_helpers import Seen, Truth, consuming, exchange, opened, until, withdraw

from okxasync.testing import WsFaults

FAULTS = {
    "none": WsFaults(),
    "abrupt": WsFaults(every=0.3, kinds=("abrupt",)),
    "stall": WsFaults(every=0.3, kinds=("stall",)),
    "notice": WsFaults(every=0.3, kinds=("notice",), notice_grace=0.2),
    "lost": WsFaults(lose=0.3),
    "refused": WsFaults(every=0.3, kinds=("abrupt",), refuse=0.5),
}
ALL = {"every": 0.3, "lose": 0.2, "refuse": 0.3, "notice_grace": 0.2}


def check_promise(seen: Seen, truth: Truth, kind: str) -> None:
    assert len(seen.pairs) == len(set(seen.pairs)), "an (id, state) pair was yielded twice"
    assert seen.last() == truth.last(kind)  # exactly the changed records, each in its last state


async def run(seed: int, faults: WsFaults, *, seconds: float = 0.8) -> tuple[Seen, Seen, Truth]:
    async with exchange(seed, ws_faults=faults) as (fake, client, truth):
        deposits = client.funding.watch_deposits(reconcile_every=0.3)
        withdrawals = client.funding.watch_withdrawals(reconcile_every=0.3)
        async with consuming(deposits) as seen_d, consuming(withdrawals) as seen_w:
            await opened(deposits)
            await opened(withdrawals)
            fake.start_activity()
            await withdraw(client, 3)
            await asyncio.sleep(seconds)
            fake.settle()  # every record final from now on: the truth stops moving
            await until(
                lambda: (
                    seen_d.last() == truth.last("deposit")
                    and seen_w.last() == truth.last("withdrawal")
                )
            )
        injected = fake.ws.faults.injected
        if faults.every:  # each connection meets one fault of the kinds
            assert sum(injected[kind] for kind in faults.kinds) >= 1, injected
        if faults.lose:
            assert injected["lost"] > 0
        assert deposits.stats.connects >= 1
    return seen_d, seen_w, truth


@pytest.mark.parametrize("name", list(FAULTS))
async def test_promise_under_each_fault(name: str) -> None:
    seen_d, seen_w, truth = await run(1, FAULTS[name])
    assert len(truth.changes["deposit"]) >= 5 and len(truth.changes["withdrawal"]) == 3
    check_promise(seen_d, truth, "deposit")
    check_promise(seen_w, truth, "withdrawal")


@pytest.mark.parametrize("seed", [2, 3, 4])
async def test_promise_under_all_faults_at_once(seed: int) -> None:
    seen_d, seen_w, truth = await run(seed, WsFaults(**ALL, seed=seed), seconds=1.2)  # type: ignore[arg-type]
    check_promise(seen_d, truth, "deposit")
    check_promise(seen_w, truth, "withdrawal")


async def test_a_record_that_does_not_change_is_not_yielded() -> None:
    async with exchange(5) as (fake, client, truth):
        stream = client.funding.watch_deposits(reconcile_every=0.2)
        async with consuming(stream) as seen:
            await opened(stream)
            await until(lambda: stream.stats.fills >= 3)
        assert seen.pairs == [] and truth.changes["deposit"] == {}
        # ... although the account holds unsettled deposits the stream now tracks:
        assert any(d["state"] != "2" for d in fake.state.deposits)
