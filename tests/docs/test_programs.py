"""The complete programs in examples/ run against the emulator and do what they say."""

from __future__ import annotations

import json
import time
from pathlib import Path

from okxasync.testing import FakeExchange

from .snippets import REPO, emulator, program_env, run

CREDIT = REPO / "examples" / "credit_deposits.py"
LOOKBACK_DAYS = 30


def successful_ids(fake: FakeExchange) -> set[str]:
    """Deposit ids the emulator holds as successful within the example's lookback window."""
    since_ms = (time.time() - LOOKBACK_DAYS * 86_400) * 1000
    return {
        row["depId"]
        for row in fake.state.deposits
        if row["state"] == "2" and int(row["ts"]) >= since_ms
    }


async def run_credit(fake: FakeExchange, ledger: Path, rounds: int) -> list[str]:
    args = [str(CREDIT), "--ledger", str(ledger), "--rounds", str(rounds)]
    args += ["--interval", "0.05", "--lookback-days", str(LOOKBACK_DAYS)]
    finished = await run(args, program_env(fake), ledger.parent)
    assert finished.returncode == 0, finished.report()
    return finished.stdout.splitlines()


async def test_credit_deposits_credits_each_successful_deposit_once(tmp_path: Path) -> None:
    ledger = tmp_path / "credited.json"
    async with emulator() as fake:
        expected = successful_ids(fake)
        pending = next(
            row
            for row in fake.state.deposits
            if row["state"] == "0"
            and row["depId"] not in expected
            and int(row["ts"]) >= (time.time() - LOOKBACK_DAYS * 86_400) * 1000
        )
        assert len(expected) > 10

        first = await run_credit(fake, ledger, rounds=2)
        assert first == [
            f"round 1: credited {len(expected)} deposit(s)",
            "round 2: credited 0 deposit(s)",
        ]
        credited = json.loads(ledger.read_text())
        assert set(credited) == expected
        row = next(r for r in fake.state.deposits if r["depId"] == min(expected))
        assert credited[row["depId"]] == {"ccy": row["ccy"], "amt": row["amt"]}

        # A restart credits nothing twice, and credits a deposit once it has succeeded.
        pending["state"] = "2"
        second = await run_credit(fake, ledger, rounds=1)
        assert second == ["round 1: credited 1 deposit(s)"]
        assert set(json.loads(ledger.read_text())) == expected | {pending["depId"]}


def test_programs_type_check(mypy_errors: dict[str, list[str]]) -> None:
    programs = sorted(p.name for p in (REPO / "examples").glob("*.py"))
    assert "credit_deposits.py" in programs
    failing = {name: mypy_errors[name] for name in programs if name in mypy_errors}
    assert not failing, f"mypy --strict on examples/: {failing}"
