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
    "Deposit history",
    "withdrawals",
    "RFQ: quote -> trade",
    "Transfer, then Convert: quote -> trade",
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
    state = ExchangeState(seed=0)
    assert f"Deposit history: {len(state.deposits)} deposits" in out  # every page was read
    for balance in state.balances:  # the seeded data, shown exactly
        assert re.search(rf"{balance['ccy']}\s+.*{re.escape(balance['availBal'])}", out)
    assert "fully_filled" in out
    convert = out[out.index("Transfer, then Convert") :]
    assert "USDT funding ->" in convert and "success" in convert
    assert re.search(r"fully_filled, paid\s+1000", convert)  # the USDT moved, converted
    for group, rate in DEFAULT_RATES.items():
        row = next(line for line in out.splitlines() if line.startswith(f"│ {group} "))
        _, limit, sent, rejected, _, _, peak, per_window = (c.strip() for c in row.split("│")[1:-1])
        assert limit == f"{rate.count}/{rate.period:g}s"
        assert int(sent) > rate.count  # more than one window's worth: the scheduler had work
        assert int(rejected) == 0  # the emulator enforces the same limits strictly
        assert peak == f"{rate.count}/{rate.count}"
        windows = [int(n) for n in per_window.split()]
        assert len(windows) >= 2  # the calls spanned more than one window
        assert all(n <= rate.count for n in windows)
        assert sum(windows) == int(sent)
