"""``okxasync demo`` run for real: exits 0, prints its tables, respects the limits."""

from __future__ import annotations

import re
import subprocess

from okxasync._ratelimit import DEFAULT_RATES
from okxasync.testing import ExchangeState

TITLES = (
    "Balances",
    "Currencies and chains",
    "Deposit addresses",
    "Latest deposits",
    "Latest withdrawals",
    "RFQ: quote -> trade",
    "What the scheduler did",
)


def test_demo_prints_every_table_within_the_limits(
    okxasync_cmd: list[str], cli_env: dict[str, str]
) -> None:
    done = subprocess.run(
        [*okxasync_cmd, "demo"], env=cli_env, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for title in TITLES:
        assert title in out
    for balance in ExchangeState(seed=0).balances:  # the seeded data, shown exactly
        assert re.search(rf"{balance['ccy']}\s+.*{re.escape(balance['availBal'])}", out)
    assert "fully_filled" in out
    for group, rate in DEFAULT_RATES.items():
        row = re.search(rf"{group}\s.*?(\d+)\s.*?(\d+) \(max (\d+)\)", out)
        assert row is not None, f"no scheduler row for {group}"
        requests, peak, limit = (int(n) for n in row.groups())
        assert limit == rate.count
        assert requests > rate.count  # more than one window's worth: the scheduler had work
        assert 1 <= peak <= rate.count
