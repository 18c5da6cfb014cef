"""The complete programs in examples/ run against the emulator and do what they say."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pytest

import okxasync
from okxasync.testing import Activity, FakeExchange

from .snippets import REPO, emulator, program_env, run

CREDIT = REPO / "examples" / "credit_deposits.py"
EXPORT = REPO / "examples" / "export_history.py"
CONVERT = REPO / "examples" / "convert_bot.py"
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


PROGRAMS = sorted(p.name for p in (REPO / "examples").glob("*.py"))


def test_the_programs_are_found() -> None:
    assert {"convert_bot.py", "credit_deposits.py", "export_history.py"} <= set(PROGRAMS)


@pytest.mark.parametrize("program", PROGRAMS)
def test_program_type_checks(program: str, mypy_errors: dict[str, list[str]]) -> None:
    errors = mypy_errors.get(program, [])
    assert not errors, f"mypy --strict on examples/{program}:\n" + "\n".join(errors)


async def test_export_history_writes_every_record_of_the_window_once(tmp_path: Path) -> None:
    since, until = "2000-01-01", "2100-01-01"
    args = [str(EXPORT), "--since", since, "--until", until, "--out", str(tmp_path / "out")]
    async with emulator() as fake:
        finished = await run(args, program_env(fake), tmp_path)
        deposits = {row["depId"]: row for row in fake.state.deposits}
        withdrawals = {row["wdId"]: row for row in fake.state.withdrawals}
    assert finished.returncode == 0, finished.report()
    assert f"{len(deposits)} deposits, {len(withdrawals)} withdrawals" in finished.stdout

    written = read_csv(tmp_path / "out" / "deposits.csv")
    assert [row["dep_id"] for row in written] == list(deposits)  # once each, newest first
    for row in written:
        source = deposits[row["dep_id"]]
        assert (row["amt"], row["state"], row["tx_id"]) == (
            source["amt"],
            source["state"],
            source["txId"],
        )
    written = read_csv(tmp_path / "out" / "withdrawals.csv")
    assert sorted(row["wd_id"] for row in written) == sorted(withdrawals)
    assert all(row["fee"] == withdrawals[row["wd_id"]]["fee"] for row in written)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


async def test_convert_bot_buys_once_per_round(tmp_path: Path) -> None:
    args = [str(CONVERT), "--usdt", "150", "--rounds", "2", "--interval", "0.05"]
    args += ["--name", "ci"]
    async with emulator() as fake:
        finished = await run(args, program_env(fake), tmp_path)
        trades = [t for t in fake.state.convert.trades if t["clTReqId"].startswith("buyci")]
    assert finished.returncode == 0, finished.report()
    assert sorted(t["clTReqId"] for t in trades) == ["buyci1", "buyci2"]
    assert all(t["quoteCcy"] == "USDT" and t["fillQuoteSz"] == "150" for t in trades), trades
    lines = finished.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["round 1", "round 2"]
    for line, trade in zip(lines, sorted(trades, key=lambda t: t["clTReqId"]), strict=True):
        assert f"({trade['tradeId']})" in line


async def test_payout_sends_once_and_waits_until_final(tmp_path: Path) -> None:
    payout = REPO / "examples" / "payout.py"
    args = [str(payout), "--client-id", "payoutci1", "--amt", "25", "--timeout", "60"]
    activity = Activity(tick=0.05, new_deposits=0.0, advance=1.0)
    async with FakeExchange(seed=0, activity=activity) as fake:
        first = await run(args, program_env(fake), tmp_path)
        again = await run(args, program_env(fake), tmp_path)  # a rerun after a "crash"
        mine = [w for w in fake.state.withdrawals if w["clientId"] == "payoutci1"]
    assert first.returncode in (0, 1), first.report()  # 1: the withdrawal failed
    [record] = mine  # sent once, although the program ran twice
    assert first.stdout.splitlines() == [
        f"requested: wdId {record['wdId']}, client id payoutci1",
        f"final: {okxasync.WithdrawalState(record['state'])} (tx {record['txId'] or '-'})",
    ]
    assert record["state"] in ("2", "-1", "-2")
    assert again.stdout.splitlines() == [
        f"already requested: wdId {record['wdId']}, client id payoutci1",
        first.stdout.splitlines()[1],
    ]
