"""Stream behaviour: the ``since=`` seam, the poll transport, wait_withdrawal, and that
closing or cancelling leaves nothing behind."""

from __future__ import annotations

import asyncio
import gc

import anyio
import pytest
from cancel_helpers import cancelled_while_closing
from ws_helpers import consuming, exchange, opened, pair, until, withdraw

import okxasync


async def test_since_yields_the_history_oldest_first_then_live_events_without_a_seam() -> None:
    async with exchange(6) as (fake, client, truth):
        driver = fake.activity
        assert driver is not None
        for _ in range(4):  # history the stream must read back, some of it still moving
            driver.new_deposit(fake._now_ms())
            await asyncio.sleep(0.01)
        driver.step(fake._now_ms())
        since = int(fake.state.deposits[2]["ts"])  # inclusive: the three newest
        history = [d for d in fake.state.deposits if int(d["ts"]) >= since]
        assert len(history) == 3
        at_open = [
            (d["depId"], d["state"])
            for d in sorted(history, key=lambda d: (int(d["ts"]), int(d["depId"])))
        ]
        truth.changes["deposit"].clear()  # from here on: the live part
        stream = client.funding.watch_deposits(since=since, reconcile_every=0.2)
        async with consuming(stream) as seen:
            await opened(stream)
            fake.start_activity()
            await asyncio.sleep(0.6)
            fake.settle()
            expected = dict(at_open) | truth.last("deposit")
            await until(lambda: seen.last() == expected)
        assert seen.pairs[: len(at_open)] == at_open  # the history first, oldest first
        assert seen.last() == dict(at_open) | truth.last("deposit")
        assert len(seen.pairs) == len(set(seen.pairs))  # nothing twice at the seam
        assert stream.stats.pushed > 0


async def test_poll_transport_keeps_the_promise_without_a_websocket() -> None:
    async with exchange(7) as (fake, client, truth):
        stream = client.funding.watch_deposits(transport="poll")  # FAST polls every 0.2 s
        async with consuming(stream) as seen:
            await opened(stream)
            fake.start_activity()
            await asyncio.sleep(0.8)
            fake.settle()
            await until(lambda: seen.last() == truth.last("deposit"))
        assert seen.last() == truth.last("deposit") and len(seen.pairs) == len(set(seen.pairs))
        assert fake.ws.stats["connections"] == 0
        stats = stream.stats
        assert (stats.transport, stats.connects, stats.pushed) == ("poll", 0, 0)
        assert stats.filled == len(seen.pairs) and stats.fills >= 3


async def test_pushed_records_carry_the_push_fields_and_read_back_ones_do_not() -> None:
    async with exchange(12) as (fake, client, _):
        stream = client.funding.watch_deposits()
        async with stream:
            await opened(stream)
            fake.start_activity()
            pushed = await stream.__anext__()
        assert pushed.uid == fake.ws.uid and pushed.sub_acct == ""  # the master account
        assert pushed.p_time is not None and pushed.p_time_ms is not None
        rest = await client.funding.deposit_history(dep_id=pushed.dep_id)
        assert (rest[0].uid, rest[0].sub_acct, rest[0].p_time) == (None, None, None)


async def test_auto_transport_polls_a_host_without_a_websocket() -> None:
    async with okxasync.Client("k", "s", "p", base_url=okxasync.OKLINK) as client:
        assert client.ws_url is None
        assert client.funding.watch_deposits().transport == "poll"
        with pytest.raises(okxasync.ValidationError):
            client.funding.watch_deposits(transport="websocket")


async def test_wait_withdrawal_returns_the_final_record() -> None:
    async with exchange(8) as (fake, client, _):
        fake.start_activity()
        wd_id, failing = await withdraw(client, 2)
        assert fake.activity is not None
        fake.activity.plan(wd_id, ["1", "2"])
        fake.activity.plan(failing, ["5", "-1"])
        done = await client.funding.wait_withdrawal(wd_id=wd_id, timeout=10)
        client_id = next(w["clientId"] for w in fake.state.withdrawals if w["wdId"] == failing)
        failed = await client.funding.wait_withdrawal(client_id=client_id, timeout=10)
        assert (done.wd_id, done.state) == (wd_id, okxasync.WithdrawalState.SENT)
        assert (failed.wd_id, failed.state) == (failing, okxasync.WithdrawalState.FAILED)
        again = await client.funding.wait_withdrawal(wd_id=wd_id, timeout=10)  # already final
        assert again.state == okxasync.WithdrawalState.SENT


async def test_wait_withdrawal_times_out_and_can_be_cancelled_leaving_nothing_open() -> None:
    async with exchange(9) as (fake, client, _):  # paused: the withdrawal never moves
        [wd_id] = await withdraw(client, 1)
        with pytest.raises(TimeoutError):
            await client.funding.wait_withdrawal(wd_id=wd_id, timeout=0.5)
        waiter = asyncio.create_task(client.funding.wait_withdrawal(wd_id=wd_id))
        await until(lambda: fake.ws.open_connections == 1)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        await until(lambda: fake.ws.open_connections == 0)
        assert fake.ws.open_connections == 0 and client._events._streams == set()
        with pytest.raises(okxasync.ValidationError):
            await client.funding.wait_withdrawal(wd_id="123", client_id="abc")
        with pytest.raises(okxasync.ValidationError):
            await client.funding.wait_withdrawal(wd_id="1")  # no such withdrawal


async def test_closing_the_client_ends_streams_and_leaves_no_task_or_socket() -> None:
    before = asyncio.all_tasks()
    async with exchange(10) as (fake, client, _):
        deposits = client.funding.watch_deposits()
        withdrawals = client.funding.watch_withdrawals()
        consumer = asyncio.create_task(anext(aiter(deposits)))
        await opened(deposits)
        async with withdrawals:
            await opened(withdrawals)
        await client.aclose()  # the deposit stream is still open: the client ends it
        with pytest.raises(StopAsyncIteration):
            await consumer
        await until(lambda: fake.ws.open_connections == 0)
        assert fake.ws.open_connections == 0
    await asyncio.sleep(0)
    gc.collect()
    assert asyncio.all_tasks() - before == {asyncio.current_task()} - before


@pytest.mark.parametrize("closing", ["stream", "client", "client after the stream"])
async def test_a_cancel_while_closing_is_raised_and_leaves_nothing_open(closing: str) -> None:
    before = asyncio.all_tasks()
    async with exchange(10) as (fake, client, _):
        stream = client.funding.watch_deposits()
        await stream.__aenter__()
        await opened(stream)
        if closing == "client after the stream":
            await stream.aclose()  # the connection's task is left: the client ends it
        await cancelled_while_closing(stream.aclose() if closing == "stream" else client.aclose())
        assert client._events._streams == set()
        await stream.aclose()  # a second close completes
        await client.aclose()
        await until(lambda: fake.ws.open_connections == 0)
    await asyncio.sleep(0)
    gc.collect()
    assert asyncio.all_tasks() - before == {asyncio.current_task()} - before


async def test_a_cancelled_consumer_leaves_the_stream_usable_and_closable() -> None:
    async with exchange(11) as (fake, client, truth):
        stream = client.funding.watch_deposits(reconcile_every=0.2)
        async with stream:
            with anyio.move_on_after(0.3):
                async for _ in stream:
                    pass
            fake.start_activity()
            first = await stream.__anext__()
            assert pair(first) in {
                (i, s) for i, states in truth.changes["deposit"].items() for s in states
            }


async def test_arguments_are_checked_before_anything_is_sent() -> None:
    async with exchange() as (fake, client, _):
        for bad in (
            {"ccy": ""},
            {"since": "yesterday"},
            {"transport": "carrier-pigeon"},
            {"reconcile_every": 0},
            {"reconcile_every": True},
        ):
            with pytest.raises(okxasync.ValidationError):
                client.funding.watch_deposits(**bad)
        assert fake.requests == [] and fake.ws.stats["connections"] == 0
