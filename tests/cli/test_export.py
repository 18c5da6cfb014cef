"""``okxasync export`` run for real, as a subprocess, against an in-process FakeExchange.

Exports are parsed back and compared record by record with the emulator's own data.
"""

from __future__ import annotations

import asyncio
import csv
import json
import shlex
import signal
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

import msgspec
import pytest
from aiohttp import ClientSession, web
from secret_helpers import assert_secret_free
from yarl import URL

from okxasync._cli import build_parser
from okxasync._cli._export import Output, resume_command
from okxasync._cli._records import PUSH_ONLY
from okxasync.models import Bill, Deposit, HistoryTrade, WithdrawalRecord
from okxasync.testing import FakeExchange
from okxasync.testing._backend import history_view

Row = Mapping[str, object]
RECORDS: dict[str, type[msgspec.Struct]] = {
    "deposits": Deposit,
    "withdrawals": WithdrawalRecord,
    "bills": Bill,
    "rfq-trades": HistoryTrade,
}
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
IDS = {"deposits": "depId", "withdrawals": "wdId", "bills": "billId", "rfq-trades": "tradeId"}


def emulator_rows(fake: FakeExchange, kind: str) -> list[dict[str, str]]:
    """The emulator's records of ``kind`` as its history endpoint shows them, newest first."""
    state = fake.state
    if kind == "rfq-trades":
        return [history_view(trade) for trade in state.rfq_trades]
    return list(
        {"deposits": state.deposits, "withdrawals": state.withdrawals}.get(kind, state.bills)
    )


def parse(path: Path, fmt: str) -> list[dict[str, object]]:
    text = path.read_text(encoding="utf-8")
    if fmt == "csv":
        return [dict(row) for row in csv.DictReader(text.splitlines())]
    return [json.loads(line) for line in text.splitlines()]


def as_wire(kind: str, exported: Row) -> dict[str, str]:
    """An exported row back in the API's names and text: ISO times to Unix ms, absent
    values to "" (how the API sends them), numbers as their text."""
    wire = {}
    for field in msgspec.structs.fields(RECORDS[kind]):
        if field.name in PUSH_ONLY:  # WebSocket-only fields are not exported
            continue
        column = field.name.removesuffix("_ms").rstrip("_")
        value = exported[column]
        if field.name.endswith("ts_ms") and value:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            value = str((moment - EPOCH) // timedelta(milliseconds=1))
        wire[field.encode_name] = "" if value is None else str(value)
    return wire


def assert_same_records(kind: str, exported: Sequence[Row], expected: Sequence[Row]) -> None:
    """Every expected record exactly once, field by field, newest first."""
    wire = [as_wire(kind, row) for row in exported]
    key = IDS[kind]
    assert len({row[key] for row in wire}) == len(wire), "a record was written twice"
    by_id = {row[key]: row for row in wire}
    assert set(by_id) == {row[key] for row in expected}
    for row in expected:
        got = by_id[str(row[key])]
        assert {name: got[name] for name in row if name in got} == {
            name: value for name, value in row.items() if name in got
        }
    stamps = [int(row["ts"]) for row in wire]
    assert stamps == sorted(stamps, reverse=True)


def env_for(fake: FakeExchange, cli_env: dict[str, str]) -> dict[str, str]:
    creds = fake.credentials
    return {
        **cli_env,
        "OKX_API_KEY": creds["api_key"],
        "OKX_SECRET_KEY": creds["secret_key"],
        "OKX_PASSPHRASE": creds["passphrase"],
    }


async def export(cmd: Sequence[str], env: Mapping[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *cmd,
        "export",
        *args,
        env=dict(env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.mark.parametrize(
    ("kind", "fmt"),
    [("deposits", "csv"), ("withdrawals", "jsonl"), ("bills", "csv"), ("rfq-trades", "jsonl")],
)
async def test_export_matches_the_emulator_record_by_record(
    fake: FakeExchange,
    okxasync_cmd: list[str],
    cli_env: dict[str, str],
    tmp_path: Path,
    kind: str,
    fmt: str,
) -> None:
    out = tmp_path / f"{kind}.{fmt}"
    status, _, err = await export(
        okxasync_cmd, env_for(fake, cli_env), kind, "--base-url", fake.url, "-o", str(out)
    )
    assert status == 0, err
    expected = emulator_rows(fake, kind)
    assert f"Wrote {len(expected):,} {kind}" in err
    assert "records/s" in err
    assert_same_records(kind, parse(out, fmt), expected)


async def test_export_reads_okx_base_url_like_the_client(
    fake: FakeExchange, okxasync_cmd: list[str], cli_env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "deposits.csv"
    env = {**env_for(fake, cli_env), "OKX_BASE_URL": fake.url}
    status, _, err = await export(okxasync_cmd, env, "deposits", "-o", str(out))
    assert status == 0, err
    assert_same_records("deposits", parse(out, "csv"), emulator_rows(fake, "deposits"))


@pytest.mark.fake_exchange(archive_size=250)
async def test_export_bills_from_the_archive(
    fake: FakeExchange, okxasync_cmd: list[str], cli_env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "archive.jsonl"
    env = env_for(fake, cli_env)
    args = ("bills", "--archive", "--base-url", fake.url, "-o", str(out))
    status, _, err = await export(okxasync_cmd, env, *args)
    assert status == 0, err
    expected = list(fake.state.bills_archive)
    assert len(expected) == len(fake.state.bills) + 250
    assert f"Wrote {len(expected):,} bills" in err
    assert_same_records("bills", parse(out, "jsonl"), expected)
    assert {r.path for r in fake.requests} == {"/api/v5/asset/bills-history"}
    status, _, err = await export(okxasync_cmd, env, "deposits", "--archive", "--fake")
    assert status == 2 and "--archive applies to bills only" in err


async def test_export_window_and_currencies_to_stdout(
    fake: FakeExchange, okxasync_cmd: list[str], cli_env: dict[str, str]
) -> None:
    rows = emulator_rows(fake, "deposits")
    until, since = int(rows[20]["ts"]), int(rows[250]["ts"])
    expected = [r for r in rows if since <= int(r["ts"]) < until and r["ccy"] in ("BTC", "USDT")]
    args = ["--since", str(since), "--until", str(until), "--ccy", "btc,USDT", "--format", "jsonl"]
    status, out, err = await export(
        okxasync_cmd, env_for(fake, cli_env), "deposits", "--base-url", fake.url, *args
    )
    assert status == 0, err
    assert_same_records("deposits", [json.loads(line) for line in out.splitlines()], expected)


async def test_rfq_trades_window_and_either_currency(
    fake: FakeExchange, okxasync_cmd: list[str], cli_env: dict[str, str], tmp_path: Path
) -> None:
    hkd = [r for r in emulator_rows(fake, "rfq-trades") if "HKD" in (r["baseCcy"], r["quoteCcy"])]
    until, since = int(hkd[1]["ts"]), int(hkd[-2]["ts"])  # both bounds on a matching trade
    out = tmp_path / "trades.csv"
    window = ["--since", str(since), "--until", str(until)]
    args = ["rfq-trades", "--ccy", "HKD", *window, "--base-url", fake.url, "-o", str(out)]
    status, _, err = await export(okxasync_cmd, env_for(fake, cli_env), *args)
    assert status == 0, err
    expected = [r for r in hkd if since <= int(r["ts"]) < until]
    assert hkd[1] not in expected
    assert hkd[-2] in expected
    assert_same_records("rfq-trades", parse(out, "csv"), expected)


async def test_existing_file_needs_force(
    fake: FakeExchange, okxasync_cmd: list[str], cli_env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "mine.csv"
    out.write_text("precious\n")
    env = env_for(fake, cli_env)
    status, _, err = await export(
        okxasync_cmd, env, "bills", "--base-url", fake.url, "-o", str(out)
    )
    assert status == 2
    assert "--force" in err
    assert out.read_text() == "precious\n"
    status, _, err = await export(
        okxasync_cmd, env, "bills", "--base-url", fake.url, "-o", str(out), "--force"
    )
    assert status == 0, err
    assert_same_records("bills", parse(out, "csv"), emulator_rows(fake, "bills"))


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({}, ["OKX_API_KEY", "OKX_SECRET_KEY", "OKX_PASSPHRASE"]),
        ({"OKX_API_KEY": "k"}, ["OKX_SECRET_KEY", "OKX_PASSPHRASE"]),
    ],
)
async def test_missing_credentials_are_named(
    okxasync_cmd: list[str],
    cli_env: dict[str, str],
    tmp_path: Path,
    given: dict[str, str],
    missing: list[str],
) -> None:
    out = tmp_path / "deposits.csv"
    status, _, err = await export(okxasync_cmd, {**cli_env, **given}, "deposits", "-o", str(out))
    assert status == 2
    assert f"missing credentials: set {', '.join(missing)}" in err
    assert "Traceback" not in err
    assert not out.exists()


async def test_wrong_credentials_fail_without_leaving_a_file(
    fake: FakeExchange, okxasync_cmd: list[str], cli_env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "deposits.csv"
    env = {**env_for(fake, cli_env), "OKX_PASSPHRASE": "not-the-passphrase"}
    status, _, err = await export(
        okxasync_cmd, env, "deposits", "--base-url", fake.url, "-o", str(out)
    )
    assert status == 1
    assert "Stopped by an error" in err
    assert "Resume with" not in err  # the same command would fail the same way
    assert "OKX_PASSPHRASE" in err
    assert_secret_free(err, ["not-the-passphrase"])
    assert not out.exists()


# ---------------------------------------------------------------- interrupted and resumed


class Gate:
    """A loopback proxy in front of the emulator that holds the ``hold``-th request to
    ``path`` until :attr:`opened` is set: the export is then deterministically mid-way."""

    def __init__(self, upstream: str, path: str, hold: int) -> None:
        self.upstream, self.path, self.hold = upstream, path, hold
        self.seen = 0
        self.held = asyncio.Event()
        self.opened = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        if request.path == self.path:
            self.seen += 1
            if self.seen == self.hold:
                self.held.set()
                await self.opened.wait()
        headers = {k: v for k, v in request.headers.items() if k.upper().startswith("OK-ACCESS")}
        async with (
            ClientSession() as session,
            session.request(
                request.method,
                URL(self.upstream + request.raw_path, encoded=True),
                headers={**headers, "Content-Type": "application/json"},
                data=await request.read() or None,
            ) as answer,
        ):
            return web.Response(
                status=answer.status, body=await answer.read(), content_type="application/json"
            )


@pytest.fixture
async def gate(fake: FakeExchange) -> AsyncIterator[tuple[Gate, str]]:
    proxy = Gate(fake.url, "/api/v5/asset/deposit-history", hold=2)
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", proxy.handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield proxy, f"http://{host}:{port}"
    finally:
        proxy.opened.set()
        await runner.cleanup()


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
async def test_sigint_keeps_a_valid_file_and_the_hint_resumes_exactly(
    fake: FakeExchange,
    gate: tuple[Gate, str],
    okxasync_cmd: list[str],
    cli_env: dict[str, str],
    tmp_path: Path,
    fmt: str,
) -> None:
    proxy, url = gate
    out = tmp_path / f"deposits.{fmt}"
    env = env_for(fake, cli_env)
    process = await asyncio.create_subprocess_exec(
        *okxasync_cmd,
        "export",
        "deposits",
        "--base-url",
        url,
        "-o",
        str(out),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    await asyncio.wait_for(proxy.held.wait(), 30)  # the first page is in; the second is held
    process.send_signal(signal.SIGINT)
    _, err_bytes = await asyncio.wait_for(process.communicate(), 30)
    err = err_bytes.decode()
    assert process.returncode == 130, err
    first = parse(out, fmt)  # a complete, parseable file
    everything = emulator_rows(fake, "deposits")
    assert 0 < len(first) < len(everything)
    # The first page cut a millisecond in two (the emulator seeds such clusters at page
    # boundaries): the file must hold no part of a millisecond, so the resume loses nothing.
    resume = shlex.split(err.split("Resume with:", 1)[1].strip().splitlines()[0])
    assert resume[:3] == ["okxasync", "export", "deposits"]
    assert "--append" in resume
    proxy.opened.set()
    status, _, err = await export(okxasync_cmd, env, *resume[2:])
    assert status == 0, err
    assert_same_records("deposits", parse(out, fmt), everything)


@pytest.mark.parametrize(
    ("existing", "complaint"),
    [
        ("ts,ccy\n2024-01-01T00:00:00.000Z,BTC\n", "other CSV columns"),
        ("ts,ccy,chain\n2024", "complete line"),
    ],
)
async def test_append_refuses_a_file_it_cannot_extend(
    okxasync_cmd: list[str], cli_env: dict[str, str], tmp_path: Path, existing: str, complaint: str
) -> None:
    out = tmp_path / "deposits.csv"
    out.write_text(existing)
    status, _, err = await export(
        okxasync_cmd, cli_env, "deposits", "--fake", "-o", str(out), "--append"
    )
    assert status == 2
    assert complaint in err
    assert out.read_text() == existing


async def test_fake_needs_no_credentials(
    okxasync_cmd: list[str], cli_env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "bills.jsonl"
    status, _, err = await export(
        okxasync_cmd, cli_env, "bills", "--fake", "--history-size", "250", "-o", str(out)
    )
    assert status == 0, err
    rows = parse(out, "jsonl")
    assert len(rows) == 250
    assert len({row["bill_id"] for row in rows}) == 250


def test_the_resume_hint_keeps_reading_the_archive() -> None:
    args = build_parser().parse_args(["export", "bills", "--archive", "--fake", "-o", "b.csv"])
    hint = resume_command(args, Output("b.csv", "csv", False, []), 1_700_000_000_000, 5)
    assert hint[:4] == ["okxasync", "export", "bills", "--archive"]
    assert "--append" in hint and "--until" in hint
    args = build_parser().parse_args(["export", "bills", "--fake"])
    assert "--archive" not in resume_command(args, Output("-", "csv", False, []), None, 0)
