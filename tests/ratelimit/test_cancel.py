"""A cancel is never lost while a call waits for its rate-limit slot.

Before Python 3.12, ``asyncio.wait_for`` returns normally when the task is cancelled in
the same loop turn as the awaited event fires (bpo-42130 / gh-86296): a scheduler that
waits with it can swallow the cancel and send the request anyway. These tests go through
the public client, so they hold whatever the scheduler waits with.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import random

import anyio
import pytest
from ratelimit_helpers import accepted

from okxasync import Balance, Client, LocalLimiter, Rate
from okxasync.testing import FakeExchange

pytestmark = pytest.mark.filterwarnings("error")


async def test_a_cancel_in_the_turn_the_slot_frees_is_not_lost() -> None:
    """A is in flight holding the only slot; B waits for it. When A's response arrives
    (the slot is settled) B is cancelled in the very next callbacks of the loop, which
    is the same turn in which B's wait is woken: B must end cancelled, never sent."""
    rate = Rate(1, 0.3)
    fake = FakeExchange(seed=0, rate_limits={"funding": rate}, latency=0.05)
    async with (
        fake,
        Client(base_url=fake.url, rate_limits={"funding": rate}, **fake.credentials) as client,
    ):
        first = asyncio.create_task(client.funding.balances())
        await asyncio.sleep(0.02)  # first is sent and waits for its answer
        second = asyncio.create_task(client.funding.balances())
        await asyncio.sleep(0.01)  # second waits for the window
        cancelled: list[bool] = []
        first.add_done_callback(lambda _: cancelled.append(second.cancel()))
        await first
        await asyncio.gather(second, return_exceptions=True)
        await asyncio.sleep(rate.period + 0.1)  # long enough for a swallowed cancel to send
        stats = client.rate_limit_stats()["funding"]
    assert cancelled == [True]
    assert second.cancelled()
    assert len(accepted(fake, "funding")) == 1
    assert (stats.sent, stats.waiting) == (1, 0)


def cancel_later(
    hops: int, victim: asyncio.Task[list[Balance]], delivered: list[bool], _: object = None
) -> None:
    """Cancel ``victim`` ``hops`` loop turns from now; note whether the cancel was
    delivered. (The last argument is the future of a done callback.)"""
    if hops:
        asyncio.get_running_loop().call_soon(cancel_later, hops - 1, victim, delivered)
    else:
        delivered.append(victim.cancel())


async def test_cancels_at_random_moments_are_never_lost() -> None:
    """Stress: pairs of calls on a tiny window, the second cancelled a random number of
    loop turns after the first's answer. A cancel that was delivered (``cancel()``
    returned True) always ends the task cancelled; nothing hangs, no task is left
    pending or failing unobserved, and the scheduler admits at once afterwards."""
    rate = Rate(1, 0.01)
    rng = random.Random(7)
    fake = FakeExchange(seed=0, rate_limits={"funding": rate}, latency=0.002)
    loop_errors: list[dict[str, object]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _, context: loop_errors.append(context))
    lost = 0
    async with (
        fake,
        # A wide margin: the emulator shares this loop, so on a loaded machine a stall
        # longer than the default 50 ms between a send and the emulator seeing it could
        # make the margin rule free a slot too early (a rejection unrelated to cancels).
        Client(
            base_url=fake.url,
            rate_limits={"funding": rate},
            limiter=LocalLimiter(margin=0.5),
            **fake.credentials,
        ) as client,
    ):
        for _ in range(150):
            first = asyncio.create_task(client.funding.balances())
            second = asyncio.create_task(client.funding.balances())
            delivered: list[bool] = []
            first.add_done_callback(
                functools.partial(cancel_later, rng.randrange(4), second, delivered)
            )
            with anyio.fail_after(5):  # a hang fails the test instead of blocking it
                await asyncio.gather(first, second, return_exceptions=True)
            lost += bool(delivered and delivered[0] and not second.cancelled())
        await asyncio.sleep(2 * rate.period + 0.05)
        with anyio.fail_after(5):
            await client.funding.balances()
        stats = client.rate_limit_stats()["funding"]
    gc.collect()
    await asyncio.sleep(0)
    assert lost == 0
    assert stats.waiting == 0 and stats.rejected == 0 and fake.rejections == 0
    assert loop_errors == []
