"""What users type is normalised or refused before sending: currency codes in any case
(reconciliation included), and Unix seconds where milliseconds are expected."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from paging_helpers import FAST

import okxasync
from okxasync import ValidationError
from okxasync.testing import FakeExchange, Faults

pytestmark = pytest.mark.fake_exchange(seed=0, rate_limits=FAST)


async def test_currency_codes_in_lower_case_find_the_records(
    client: okxasync.Client, fake: FakeExchange
) -> None:
    [btc] = await client.funding.balances(ccy="btc")
    assert btc.ccy == "BTC"
    assert [c.chain for c in await client.funding.currencies(ccy="Usdt")] == fake.state.chains(
        "USDT"
    )
    assert await client.funding.deposit_address("eth")
    page = await client.funding.deposit_history(ccy=["usdt", "USDT", "btc"], limit=5)
    assert page and {d.ccy for d in page} <= {"USDT", "BTC"}
    truth = [r["depId"] for r in fake.state.deposits if r["ccy"] == "ETH"]
    assert [d.dep_id async for d in client.funding.iter_deposits(ccy="eth")] == truth
    sent = [r.query.get("ccy") for r in fake.requests if r.path.startswith("/api/v5/asset")]
    assert sent and all(ccy is None or ccy == ccy.upper() for ccy in sent)


async def test_a_lost_withdrawal_in_lower_case_is_reconciled() -> None:
    """The lookup by client id compares the currency: ``"usdt"`` is the ``"USDT"`` sent."""
    async with (
        FakeExchange(rate_limits=FAST, faults=Faults(drop_after_commit=1.0)) as fake,
        okxasync.Client(base_url=fake.url, rate_limits=FAST, **fake.credentials) as client,
    ):
        result = await client.funding.withdraw(
            ccy="usdt",
            amt=Decimal("2"),
            dest="4",
            to_addr="TN4hxxxxxxxxxxxizqs",
            fee=Decimal("1"),
            chain="USDT-TRC20",
            client_id="lowerCase1",
        )
    assert (result.ccy, result.client_id, result.amt) == ("USDT", "lowerCase1", Decimal(2))
    assert [w["wdId"] for w in fake.state.withdrawals if w["clientId"] == "lowerCase1"] == [
        result.wd_id
    ]


async def test_unix_seconds_are_refused_with_a_hint_before_sending(
    client: okxasync.Client, fake: FakeExchange
) -> None:
    seconds = int(time.time())
    with pytest.raises(ValidationError, match=rf"since .*looks like seconds.*{seconds * 1000}"):
        client.funding.iter_deposits(since=seconds)
    with pytest.raises(ValidationError, match=r"until .*looks like seconds"):
        client.funding.iter_bills(until=seconds)
    with pytest.raises(ValidationError, match=r"begin .*looks like seconds"):
        client.otc.iter_history(begin=seconds)
    with pytest.raises(ValidationError, match=r"after .*looks like seconds"):
        await client.funding.deposit_history(after=seconds)
    with pytest.raises(ValidationError, match=r"begin .*looks like seconds"):
        await client.otc.history(begin=seconds)
    assert fake.requests == []
    assert await client.funding.deposit_history(after=seconds * 1000, limit=1)
