"""Shared by the rate-limit tests: reading the emulator's arrivals and checking windows."""

from __future__ import annotations

from okxasync import Rate
from okxasync.testing import FakeExchange, RecordedRequest

GROUP_PREFIX = {"funding": "/api/v5/asset/", "otc": "/api/v5/otc/"}


def accepted(fake: FakeExchange, group: str) -> list[RecordedRequest]:
    """The requests of ``group`` the emulator accepted, in arrival order."""
    prefix = GROUP_PREFIX[group]
    return [r for r in fake.requests if r.path.startswith(prefix) and r.status == 200]


def assert_within(fake: FakeExchange, group: str, rate: Rate) -> None:
    """No ``rate.count + 1`` accepted arrivals of ``group`` fall within ``rate.period``."""
    times = sorted(r.arrival for r in accepted(fake, group))
    for first, last in zip(times, times[rate.count :], strict=False):
        assert last - first >= rate.period, (group, rate, last - first)
