"""iter_bills(archive=True): the bills archive (recent bills, then years of archived ones)
paged exactly once across same-millisecond page boundaries, and within 1 request / s."""

from __future__ import annotations

import itertools

import pytest
from paging_helpers import FAST

import okxasync
from okxasync import Rate
from okxasync.testing import FakeExchange

ARCHIVE = "/api/v5/asset/bills-history"


def straddles(rows: list[dict[str, str]], page_size: int) -> int:
    """How many page boundaries (every ``page_size`` records) cut a same-ms cluster."""
    return sum(
        1
        for end in range(page_size, len(rows), page_size)
        if rows[end - 1]["ts"] == rows[end]["ts"]
    )


@pytest.mark.fake_exchange(seed=3, rate_limits=FAST, archive_size=1_500)
@pytest.mark.parametrize("page_size", [100, 16, 7])
async def test_the_archive_yields_every_bill_once_newest_first(
    fake: FakeExchange, page_size: int
) -> None:
    archive = list(fake.state.bills_archive)
    assert len(archive) == len(fake.state.bills) + 1_500
    assert int(archive[-1]["ts"]) >= 1_612_137_600_000  # nothing before 2021-02-01
    assert straddles(archive, page_size) >= 3  # clusters cross page boundaries
    async with okxasync.Client(base_url=fake.url, rate_limits=FAST, **fake.credentials) as client:
        got = [
            b.bill_id async for b in client.funding.iter_bills(archive=True, page_size=page_size)
        ]
    assert got == [b["billId"] for b in archive]
    assert {r.path for r in fake.requests} == {ARCHIVE}
    assert fake.rejections == 0


@pytest.mark.fake_exchange(seed=1, rate_limits=FAST, archive_size=800)
async def test_an_archive_window_and_a_currency(fake: FakeExchange) -> None:
    archive = list(fake.state.bills_archive)
    since, until = int(archive[700]["ts"]), int(archive[250]["ts"])
    async with okxasync.Client(base_url=fake.url, rate_limits=FAST, **fake.credentials) as client:
        got = [
            b.bill_id
            async for b in client.funding.iter_bills(
                archive=True, ccy="USDT", since=since, until=until, page_size=10
            )
        ]
    expected = [
        b["billId"] for b in archive if b["ccy"] == "USDT" and since <= int(b["ts"]) < until
    ]
    assert got == expected and len(expected) > 20
    assert all(r.query.get("ccy") == "USDT" for r in fake.requests)


ONE_PER_SECOND = {"funding": Rate(1, 1.0)}


@pytest.mark.fake_exchange(seed=2, rate_limits=ONE_PER_SECOND, archive_size=300)
async def test_the_archive_at_one_request_per_second_is_never_rejected(
    fake: FakeExchange,
) -> None:
    """The archive's own limit (1 / s), enforced by the emulator: four pages, 0 rejections."""
    archive = list(fake.state.bills_archive)
    since = int(archive[-1]["ts"])
    until = int(archive[-350]["ts"])  # ~350 bills: 4 pages of 100
    async with okxasync.Client(
        base_url=fake.url, rate_limits=ONE_PER_SECOND, **fake.credentials
    ) as client:
        got = [
            b.bill_id
            async for b in client.funding.iter_bills(archive=True, since=since, until=until)
        ]
        assert client.rate_limit_stats()["funding"].rejected == 0
    assert got == [b["billId"] for b in archive if since <= int(b["ts"]) < until]
    arrivals = [r.arrival for r in fake.requests]
    assert len(arrivals) >= 4
    assert fake.rejections == 0
    assert all(later - earlier >= 0.9 for earlier, later in itertools.pairwise(arrivals))
