"""client.funding's transfer, transfer_state, cancel_withdrawal, deposit_withdraw_status and
the bills archive, through the public API against the FakeExchange: every argument on the
wire, the state they change, and the refusals."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from paging_helpers import FAST

import okxasync
from okxasync import (
    AccountType,
    APIError,
    OutcomeUnknownError,
    ResponseError,
    RetryPolicy,
    TransferStatus,
    TransferType,
    ValidationError,
    WithdrawalState,
)
from okxasync.testing import FakeExchange, RecordedRequest

pytestmark = pytest.mark.fake_exchange(seed=0, rate_limits=FAST)

TRANSFER = "/api/v5/asset/transfer"
STATE = "/api/v5/asset/transfer-state"
#: Quick state checks, so that waiting out a "being processed" answer stays short.
QUICK = RetryPolicy(lookups=6, lookup_interval=0.1)


@pytest.fixture
async def client(fake: FakeExchange) -> AsyncIterator[okxasync.Client]:
    async with okxasync.Client(
        base_url=fake.url, rate_limits=FAST, retry=QUICK, **fake.credentials
    ) as c:
        yield c


def sent(fake: FakeExchange, method: str, path: str) -> list[RecordedRequest]:
    return [r for r in fake.requests if (r.method, r.path) == (method, path)]


def funding(fake: FakeExchange, ccy: str) -> Decimal:
    return Decimal(fake.state.funding_row(ccy)["availBal"])


def trading(fake: FakeExchange, ccy: str) -> Decimal:
    return fake.state.moves.ledger[("", "18")][ccy]


async def test_transfer_to_trading_moves_balances_and_sends_every_argument(
    client: okxasync.Client, fake: FakeExchange
) -> None:
    before = funding(fake, "USDT"), trading(fake, "USDT")
    result = await client.funding.transfer(
        ccy="USDT",
        amt=Decimal("12.5"),
        from_=AccountType.FUNDING,
        to="18",
        type=TransferType.WITHIN_ACCOUNT,
        client_id="move1",
        omit_pos_risk=False,
    )
    [post] = sent(fake, "POST", TRANSFER)
    assert json.loads(post.body) == {
        "type": "0",
        "ccy": "USDT",
        "amt": "12.5",
        "from": "6",
        "to": "18",
        "omitPosRisk": "false",
        "clientId": "move1",
    }
    assert (result.client_id, result.ccy, result.amt) == ("move1", "USDT", Decimal("12.5"))
    assert (result.from_, result.to) == (AccountType.FUNDING, AccountType.TRADING)
    assert (funding(fake, "USDT"), trading(fake, "USDT")) == (
        before[0] - Decimal("12.5"),
        before[1] + Decimal("12.5"),
    )
    [balance] = await client.funding.balances(ccy="USDT")  # the funding balance reflects it
    assert balance.avail_bal == before[0] - Decimal("12.5")
    [bill] = await client.funding.bills(ccy="USDT", client_id="move1")
    assert (bill.type, bill.bal_chg) == ("131", Decimal("-12.5"))
    state = await client.funding.transfer_state(client_id="move1")
    assert state.trans_id == result.trans_id and state.state is TransferStatus.SUCCESS
    assert await client.funding.transfer_state(trans_id=result.trans_id) == state
    assert sent(fake, "GET", STATE)[-1].query == {"transId": result.trans_id}


async def test_transfer_back_to_funding_and_a_generated_client_id(
    client: okxasync.Client, fake: FakeExchange
) -> None:
    before = funding(fake, "BTC")
    result = await client.funding.transfer(ccy="BTC", amt="0.25", from_="18", to="6")
    [post] = sent(fake, "POST", TRANSFER)
    body = json.loads(post.body)
    assert body == {
        "ccy": "BTC",
        "amt": "0.25",
        "from": "18",
        "to": "6",
        "clientId": body["clientId"],
    }
    assert len(body["clientId"]) == 32 and body["clientId"] == result.client_id
    assert funding(fake, "BTC") == before + Decimal("0.25")
    [bill] = await client.funding.bills(ccy="BTC", client_id=result.client_id)
    assert (bill.type, bill.bal_chg) == ("130", Decimal("0.25"))


async def test_master_to_sub_account_needs_its_type_to_be_found(
    client: okxasync.Client, fake: FakeExchange
) -> None:
    sub_before = fake.state.moves.ledger[("mini", "6")]["ETH"]
    result = await client.funding.transfer(
        ccy="ETH", amt="1", from_="6", to="6", type="1", sub_acct="mini", client_id="toMini"
    )
    assert json.loads(sent(fake, "POST", TRANSFER)[0].body)["subAcct"] == "mini"
    assert fake.state.moves.ledger[("mini", "6")]["ETH"] == sub_before + 1
    with pytest.raises(ResponseError):  # transfer-state's type defaults to 0
        await client.funding.transfer_state(client_id="toMini")
    state = await client.funding.transfer_state(client_id="toMini", type=TransferType.MASTER_TO_SUB)
    assert sent(fake, "GET", STATE)[-1].query == {"clientId": "toMini", "type": "1"}
    assert (state.trans_id, state.sub_acct, state.type) == (result.trans_id, "mini", "1")


async def test_transfer_state_covers_two_weeks(client: okxasync.Client, fake: FakeExchange) -> None:
    old, recent = fake.state.moves.transfers[-1], fake.state.moves.transfers[-2]
    now_ms = time.time() * 1000  # the window is the server clock's, not the seeded histories'
    assert now_ms - int(old["ts"]) > 14 * 86_400_000 > now_ms - int(recent["ts"])
    assert (await client.funding.transfer_state(trans_id=recent["transId"])).ccy == recent["ccy"]
    with pytest.raises(ResponseError):
        await client.funding.transfer_state(trans_id=old["transId"])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"amt": 1.5},  # floats are refused
        {"amt": "-1"},
        {"from_": "7"},
        {"to": "funding"},
        {"type": "9"},
        {"client_id": "not-alnum"},
        {"ccy": "US DT"},
        {"type": "1"},  # a sub-account transfer without sub_acct
        {"omit_pos_risk": "yes"},
    ],
)
async def test_bad_transfer_arguments_send_nothing(
    client: okxasync.Client, fake: FakeExchange, kwargs: dict[str, object]
) -> None:
    args: dict[str, object] = {"ccy": "USDT", "amt": "1", "from_": "6", "to": "18", **kwargs}
    with pytest.raises(ValidationError):
        await client.funding.transfer(**args)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        await client.funding.transfer_state()
    assert fake.requests == []


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"amt": "100000000"}, "58116"),  # more than available
        ({"to": "6"}, "58123"),  # from = to within one account
        ({"type": "3"}, "58127"),  # a sub-account key's type, sent with the master's key
        ({"type": "2", "sub_acct": "nobody"}, "58115"),
    ],
)
async def test_refused_transfers_raise_without_a_lookup(
    client: okxasync.Client, fake: FakeExchange, kwargs: dict[str, object], code: str
) -> None:
    args: dict[str, object] = {"ccy": "USDT", "amt": "1", "from_": "6", "to": "18", **kwargs}
    with pytest.raises(APIError) as info:
        await client.funding.transfer(**args)  # type: ignore[arg-type]
    assert info.value.code == code
    assert [r.path for r in fake.requests] == [TRANSFER]
    assert len(fake.state.moves.transfers) == 3  # the seeded ones only


async def test_being_processed_is_waited_out_through_transfer_state(
    client: okxasync.Client, fake: FakeExchange
) -> None:
    fake.state.moves.processing_ms = 250
    result = await client.funding.transfer(
        ccy="USDT", amt="3", from_="6", to="18", client_id="slow1"
    )
    [post] = sent(fake, "POST", TRANSFER)
    assert post.code == "58124"  # the answer said "being processed"
    checks = sent(fake, "GET", STATE)
    assert 2 <= len(checks) <= QUICK.lookups and all(c.query["clientId"] == "slow1" for c in checks)
    [record] = [t for t in fake.state.moves.transfers if t["clientId"] == "slow1"]
    assert (result.trans_id, record["state"]) == (record["transId"], "success")


async def test_a_processed_transfer_that_fails_raises_58112_and_moves_nothing(
    client: okxasync.Client, fake: FakeExchange
) -> None:
    fake.state.moves.processing_ms, fake.state.moves.settle_as = 100, "failed"
    before = funding(fake, "USDT"), trading(fake, "USDT")
    with pytest.raises(APIError) as info:
        await client.funding.transfer(ccy="USDT", amt="3", from_="6", to="18", client_id="bad1")
    assert info.value.code == "58112"
    assert (funding(fake, "USDT"), trading(fake, "USDT")) == before
    assert len(sent(fake, "POST", TRANSFER)) == 1


async def test_processing_beyond_the_checks_is_outcome_unknown(
    client: okxasync.Client, fake: FakeExchange
) -> None:
    fake.state.moves.processing_ms = 60_000
    with pytest.raises(OutcomeUnknownError, match="pending") as info:
        await client.funding.transfer(ccy="USDT", amt="3", from_="6", to="18", client_id="long1")
    assert info.value.client_id == "long1"
    assert len(sent(fake, "GET", STATE)) == QUICK.lookups
    assert len(sent(fake, "POST", TRANSFER)) == 1


async def test_a_reused_client_id_is_already_done_or_not_this_transfer(
    client: okxasync.Client, fake: FakeExchange
) -> None:
    first = await client.funding.transfer(ccy="USDT", amt="2", from_="6", to="18", client_id="once")
    again = await client.funding.transfer(ccy="USDT", amt="2", from_="6", to="18", client_id="once")
    assert again.trans_id == first.trans_id  # refused as a duplicate (50071), found, the same
    assert [r.code for r in sent(fake, "POST", TRANSFER)] == ["0", "50071"]
    # Other details: the id is another transfer's, so this one was refused (definite)
    with pytest.raises(APIError, match="50071") as refused:
        await client.funding.transfer(ccy="USDT", amt="9", from_="6", to="18", client_id="once")
    assert not isinstance(refused.value, OutcomeUnknownError)
    assert [t["transId"] for t in fake.state.moves.transfers if t["clientId"] == "once"] == [
        first.trans_id
    ]


# --- withdrawals: cancel, status ------------------------------------------------------


async def withdraw(client: okxasync.Client) -> str:
    done = await client.funding.withdraw(
        ccy="USDT", amt="5", dest="4", to_addr="TN4hxxxxxxxxxxxizqs", fee="1", chain="USDT-TRC20"
    )
    return done.wd_id


async def test_cancel_withdrawal_ends_in_minus_2_refunds_and_is_reported(
    client: okxasync.Client, fake: FakeExchange
) -> None:
    before = funding(fake, "USDT")
    wd_id = await withdraw(client)
    changes: list[tuple[str, str, str]] = []
    fake.state.listeners.append(lambda kind, row: changes.append((kind, row["wdId"], row["state"])))
    assert await client.funding.cancel_withdrawal(wd_id=wd_id) == wd_id
    assert json.loads(sent(fake, "POST", "/api/v5/asset/cancel-withdrawal")[0].body) == {
        "wdId": wd_id
    }
    assert changes == [("withdrawal", wd_id, "-3"), ("withdrawal", wd_id, "-2")]
    [record] = await client.funding.withdrawal_history(wd_id=wd_id)
    assert record.state is WithdrawalState.CANCELED
    assert funding(fake, "USDT") == before
    [refund, debit] = await client.funding.bills(ccy="USDT", limit=2)
    assert (refund.type, refund.bal_chg, debit.bal_chg) == ("13", Decimal(6), Decimal(-6))
    with pytest.raises(APIError) as info:
        await client.funding.cancel_withdrawal(wd_id=wd_id)
    assert info.value.code == "58220"


async def test_only_states_0_17_19_can_be_cancelled(
    client: okxasync.Client, fake: FakeExchange
) -> None:
    rows = fake.state.withdrawals
    assert isinstance(rows, list)
    done = next(r for r in rows if r["state"] == "2")
    with pytest.raises(APIError) as info:
        await client.funding.cancel_withdrawal(wd_id=done["wdId"])
    assert info.value.code == "58216" and done["state"] == "2"
    travel_rule = next(r for r in rows if r["state"] == "1")
    travel_rule["state"] = "17"
    assert await client.funding.cancel_withdrawal(wd_id=travel_rule["wdId"]) == travel_rule["wdId"]
    assert travel_rule["state"] == "-2"
    with pytest.raises(APIError) as info:
        await client.funding.cancel_withdrawal(wd_id="999")
    assert info.value.code == "58215"
    with pytest.raises(ValidationError):
        await client.funding.cancel_withdrawal(wd_id="")


async def test_deposit_withdraw_status_by_withdrawal_and_by_deposit(
    client: okxasync.Client, fake: FakeExchange
) -> None:
    wd_id = await withdraw(client)
    [status] = await client.funding.deposit_withdraw_status(wd_id=wd_id)
    path = "/api/v5/asset/deposit-withdraw-status"
    assert sent(fake, "GET", path)[-1].query == {"wdId": wd_id}
    assert (status.wd_id, status.stage) == (wd_id, "Pending withdrawal")
    assert status.est_complete_at is not None and status.est_complete_at.utcoffset() is not None
    deposit = next(d for d in fake.state.deposits if d["txId"])
    [found] = await client.funding.deposit_withdraw_status(
        tx_id=deposit["txId"], ccy=deposit["ccy"], to=deposit["to"], chain=deposit["chain"]
    )
    assert sent(fake, "GET", path)[-1].query == {
        "txId": deposit["txId"],
        "ccy": deposit["ccy"],
        "to": deposit["to"],
        "chain": deposit["chain"],
    }
    assert (found.wd_id, found.tx_id) == ("", deposit["txId"])
    eta = found.est_complete_at
    assert eta is not None  # 30 minutes after the deposit, in whole seconds
    assert int(eta.timestamp()) == int(deposit["ts"]) // 1000 + 1800
    requests = len(fake.requests)
    for bad in ({}, {"wd_id": "1", "tx_id": "0xab"}, {"tx_id": "0xab", "ccy": "USDT"}):
        with pytest.raises(ValidationError):
            await client.funding.deposit_withdraw_status(**bad)
    assert len(fake.requests) == requests


async def test_archive_page_sends_every_argument(
    client: okxasync.Client, fake: FakeExchange
) -> None:
    page = await client.funding.bills(
        ccy="BTC",
        type="1",
        client_id="abc",
        after=1_700_000_000_000,
        before=1_600_000_000_000,
        limit=5,
        archive=True,
    )
    [request] = sent(fake, "GET", "/api/v5/asset/bills-history")
    assert request.query == {
        "ccy": "BTC",
        "type": "1",
        "clientId": "abc",
        "after": "1700000000000",
        "before": "1600000000000",
        "limit": "5",
    }
    assert page == []
    oldest_recent = int(fake.state.bills[-1]["ts"])
    oldest = await client.funding.bills(archive=True, after=oldest_recent, limit=3)
    archived = fake.state.bills_archive.old
    assert [b.bill_id for b in oldest] == [archived[i]["billId"] for i in range(3)]
    assert all(b.notes is None for b in oldest)
