"""The scheduler and the local window store without a network: weighted calls, the
order of admission, keys forgotten when idle (memory counted with tracemalloc)."""

from __future__ import annotations

import asyncio
import time
import tracemalloc

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from okxasync import LocalLimiter, Priority, Rate, Slot
from okxasync._ratelimit import Bucket, Scheduler
from okxasync._ratelimit.local import Full
from okxasync._ratelimit.rules import FUNDING, TRANSFER
from okxasync._ratelimit.stats import KEY_STATS, _Counter

BATCH = Bucket("batch", Rate(4, 0.3))


async def admitted_in_order(
    scheduler: Scheduler, calls: list[tuple[str, int, Priority]], bucket: Bucket = BATCH
) -> list[str]:
    """Start ``(name, cost, priority)`` calls one after another (each queued before the
    next starts) and return their names in the order they were admitted."""
    order: list[str] = []

    async def call(name: str, cost: int, priority: Priority) -> None:
        await scheduler.acquire((bucket.claim(),), priority, cost)
        order.append(name)

    tasks = []
    for name, cost, priority in calls:
        tasks.append(asyncio.create_task(call(name, cost, priority)))
        await asyncio.sleep(0.005)
    await asyncio.gather(*tasks)
    return order


async def test_a_call_costing_several_units_takes_them_all_at_once() -> None:
    scheduler = Scheduler({}, LocalLimiter(margin=0.0))
    order = await admitted_in_order(
        scheduler,
        [("a", 1, Priority.DIRECT), ("big", 3, Priority.DIRECT), ("b", 1, Priority.DIRECT)],
    )
    # a + big fill the window of 4; b waits a whole window.
    assert order == ["a", "big", "b"]
    stats = scheduler.stats()["batch"]
    assert (stats.sent, stats.peak) == (3, 4)
    assert stats.wait_max >= BATCH.rate.period * 0.8


async def test_a_big_call_is_not_starved_by_small_ones_behind_it() -> None:
    scheduler = Scheduler({}, LocalLimiter(margin=0.0))
    calls = [("a", 1, Priority.DIRECT), ("b", 1, Priority.DIRECT), ("big", 4, Priority.DIRECT)]
    calls += [(f"s{n}", 1, Priority.DIRECT) for n in range(6)]
    order = await admitted_in_order(scheduler, calls)
    # Two units stay free after a and b, but the small calls behind "big" may not take
    # them: the window big waits for is closed to later calls until big has gone.
    assert order[:3] == ["a", "b", "big"]
    assert order[3:] == [f"s{n}" for n in range(6)]


async def test_priorities_then_fifo_when_a_window_frees() -> None:
    scheduler = Scheduler({}, LocalLimiter(margin=0.0))
    calls = [("fill", 4, Priority.DIRECT)]
    calls += [
        ("bg", 1, Priority.BACKGROUND),
        ("p1", 1, Priority.PAGING),
        ("p2", 1, Priority.PAGING),
    ]
    calls += [("d1", 1, Priority.DIRECT), ("d2", 1, Priority.DIRECT)]
    order = await admitted_in_order(scheduler, calls)
    assert order == ["fill", "d1", "d2", "p1", "p2", "bg"]


async def test_a_cost_above_the_rate_fails_at_once() -> None:
    scheduler = Scheduler({}, LocalLimiter())
    with pytest.raises(ValueError, match="could never go"):
        await scheduler.acquire((BATCH.claim(),), cost=5)
    with pytest.raises(ValueError, match="cost"):
        await scheduler.acquire((BATCH.claim(),), cost=0)


async def test_a_cancelled_waiter_gives_its_turn_to_the_next() -> None:
    scheduler = Scheduler({}, LocalLimiter(margin=0.0))
    await scheduler.acquire((BATCH.claim(),), cost=4)
    doomed = asyncio.create_task(scheduler.acquire((BATCH.claim(),), cost=4))
    await asyncio.sleep(0.01)
    small = asyncio.create_task(scheduler.acquire((BATCH.claim(),)))
    await asyncio.sleep(0.01)
    doomed.cancel()
    await small  # the window that doomed kept closed opens once it is gone
    assert doomed.cancelled()
    stats = scheduler.stats()["batch"]
    assert (stats.sent, stats.waiting) == (2, 0)


async def test_100000_keys_used_once_leave_memory_flat() -> None:
    """Keys are forgotten once their window is idle. Over 100,000 distinct keys the
    windows held stay few; and once 80,000 keys were used, the memory still held of
    everything allocated while 20,000 more are used (traced) stays far below what 20,000
    remembered windows would take."""
    limiter = LocalLimiter(margin=0.0)
    # Short windows so keys go idle quickly; the shared bucket is wide open.
    rates = {"transfer": Rate(2, 0.002), "funding": Rate(1_000_000, 0.002)}
    scheduler = Scheduler(rates, limiter)
    most_windows = 0

    async def use(first: int, last: int) -> None:
        nonlocal most_windows
        for n in range(first, last):
            await scheduler.acquire((FUNDING.claim(), TRANSFER.claim(f"K{n}")))
            if n % 500 == 0:
                most_windows = max(most_windows, limiter.window_count())
                await asyncio.sleep(0.003)  # let the last windows go idle

    await use(0, 80_000)
    tracemalloc.start()
    try:
        await use(80_000, 100_000)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    stats = scheduler.stats()["transfer"]
    assert stats.sent == 100_000 and len(stats.keys) == KEY_STATS
    assert most_windows < 1_000 and limiter.window_count() < 1_000
    # 20,000 windows kept would hold several MB; the per-key stats of the last
    # KEY_STATS keys and the few live windows take a few hundred KB.
    assert held < 1024 * 1024, held


@given(
    st.lists(
        st.tuples(st.floats(min_value=0.0, max_value=0.5), st.integers(min_value=1, max_value=3)),
        max_size=300,
    )
)
@example([(0.5, 1)] * 9)  # times exactly one period apart: (t - 1 s, t] holds two, not three
@example([(0.0, 3)] * 30 + [(0.4, 1)] * 40)  # the peak leaps by many within one sweep
def test_the_reported_peak_is_the_busiest_period_of_admissions(
    steps: list[tuple[float, int]],
) -> None:
    """The counter sweeps its admissions in batches; the peak must be what counting every
    period ``(t - 1 s, t]`` at each admission gives."""
    counter = _Counter()
    now, times = 1000.0, []
    for gap, cost in steps:
        now += gap
        counter.admitted(now, 1.0, cost, 0.0)
        times += [now] * cost
        if len(times) % 7 == 0:  # reading in between must not change the outcome
            counter.snapshot()
    expected = max((sum(1 for t in times if end - 1.0 < t <= end) for end in times), default=0)
    assert counter.snapshot().peak == expected
    assert counter.snapshot().sent == len(steps)


def test_a_window_forgotten_while_a_lane_holds_it_is_not_filled_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The limiter remembers the window of needs without keys (a lane). Should that window
    be forgotten (a hand-made bucket sharing its name with keyed windows), the lane must
    not keep admitting into the dropped window beside a new one (the limit holds), nor
    stop admitting: it moves to the bucket's current window."""
    clock = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    rate = Rate(2, 1.0)
    plain, keyed = Bucket("x", rate), Bucket("x", rate, key=("k",))
    limiter = LocalLimiter(margin=0.0)
    needs = ((plain.claim(), rate),)
    lane = limiter.lane(needs)
    assert lane is not None
    assert isinstance(lane.take(), Slot)
    limiter.take_now(((keyed.claim("k1"), rate),), 1)  # a second window under "x"
    clock[0] += 5  # every unit expires
    limiter.take_now(((keyed.claim("k2"), rate),), 1)  # forgets the idle ones, () too
    taken: list[Slot | Full | None] = [lane.take() for _ in range(3)]  # the current window
    taken.append(limiter.take_now(((plain.claim(), rate),), 1))  # the same, other needs
    assert sum(isinstance(got, Slot) for got in taken) == rate.count
    assert taken[0] is not None  # the lane goes on admitting (it once stayed shut)


def test_a_lane_slot_is_sent_settled_and_released_like_any_slot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A slot a lane took holds its window itself: sending extends it, an answer frees it
    ``period`` later, a release gives the unit back at once."""
    clock = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    rate = Rate(1, 1.0)
    needs = ((Bucket("x", rate).claim(), rate),)
    limiter = LocalLimiter(margin=0.5)
    lane = limiter.lane(needs)
    assert lane is not None
    slot = lane.take()
    assert slot is not None and lane.take() is None  # one unit: full
    clock[0] += 1.0
    limiter.sent(slot, hold=2.0)  # frees at 104.5 (now + 1.0 + 0.5 + 2.0), not 101.5
    clock[0] += 2.0
    assert isinstance(limiter.take_now(needs, 1), Full)
    limiter.settle(slot)  # answered: frees at 104.0 (now + 1.0)
    clock[0] += 0.9
    assert isinstance(limiter.take_now(needs, 1), Full)
    clock[0] += 0.2  # 104.1
    assert lane.take() is None  # the expired unit is still listed: take_now prunes it
    pruned = limiter.take_now(needs, 1)
    assert isinstance(pruned, Slot)
    limiter.release(pruned)
    again = lane.take()
    assert again is not None
    limiter.release(again)  # never sent: the unit is free at once
    assert isinstance(lane.take(), Slot)


@pytest.mark.parametrize("keyed", [False, True])
def test_a_slot_not_sent_before_its_units_free_has_lapsed(
    monkeypatch: pytest.MonkeyPatch, keyed: bool
) -> None:
    """A request whose connection took longer than its units last (``period + margin``
    after admission) takes them again as it is written; when its window admitted another
    call in its place and is full, it must not be written: ``sent`` says so."""
    clock = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    rate = Rate(1, 1.0)
    bucket = Bucket("x", rate, key=("k",)) if keyed else Bucket("x", rate)
    needs = ((bucket.claim("a") if keyed else bucket.claim(), rate),)
    limiter = LocalLimiter(margin=0.05)
    lane = None if keyed else limiter.lane(needs)
    slow = lane.take() if lane is not None else limiter.take_now(needs, 1)
    assert isinstance(slow, Slot)
    clock[0] = 101.06  # its unit freed at 101.05
    other = limiter.take_now(needs, 1)
    assert isinstance(other, Slot)  # admitted in its place
    assert not limiter.sent(slow)  # so the slow request must not go out
    assert limiter.sent(other)  # in time: its unit now frees at 102.11
    clock[0] = 102.1
    assert isinstance(limiter.take_now(needs, 1), Full)
    clock[0] = 104.0  # nothing held: a slow request takes its unit again as it goes
    limiter = LocalLimiter(margin=0.05)
    lane = None if keyed else limiter.lane(needs)
    slow = lane.take() if lane is not None else limiter.take_now(needs, 1)
    assert isinstance(slow, Slot)
    clock[0] = 105.5
    assert limiter.sent(slow)  # counted from now: frees at 106.55
    clock[0] = 106.5
    assert isinstance(limiter.take_now(needs, 1), Full)
    clock[0] = 106.6
    assert isinstance(limiter.take_now(needs, 1), Slot)
