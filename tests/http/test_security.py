"""Secrets stay out of logs, exceptions and traceback locals, also when things fail;
the log says what happened on every attempt."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import TracebackType

import pytest
from secret_helpers import assert_secret_free

import okxasync
from okxasync import AuthenticationError, OkxError, OutcomeUnknownError, Rate, RetryPolicy
from okxasync._http.signing import sign
from okxasync.testing import FAULT_KINDS, FakeExchange, Faults

FAST = RetryPolicy(attempts=3, initial_delay=0.01, max_delay=0.02, lookups=2, lookup_interval=0.01)
LIMITS = {"funding": Rate(3, 0.3), "otc": Rate(50, 1.0)}
PACKAGE = str(Path(okxasync.__file__).parent)


#: The ``fake`` fixture (tests/conftest.py, through the okxasync pytest plugin) with these options.
pytestmark = pytest.mark.fake_exchange(seed=0, rate_limits=LIMITS)


def tracebacks(error: BaseException) -> Iterator[TracebackType]:
    """The tracebacks of ``error`` and of every exception chained to it."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        tb = current.__traceback__
        while tb is not None:
            yield tb
            tb = tb.tb_next
        pending += [current.__cause__, current.__context__]


def package_locals(error: BaseException) -> str:
    """The reprs of every local variable in okxasync's own frames of ``error``'s traceback."""
    parts = []
    for tb in tracebacks(error):
        if tb.tb_frame.f_code.co_filename.startswith(PACKAGE):
            parts += [f"{name}={value!r}" for name, value in tb.tb_frame.f_locals.items()]
    return "\n".join(parts)


def describe(error: BaseException) -> str:
    chain = [error, error.__cause__, error.__context__]
    return "\n".join(f"{e}\n{e!r}" for e in chain if e is not None) + package_locals(error)


async def failures(fake: FakeExchange) -> list[OkxError]:
    """Run calls that fail in every way the client can fail, return the errors."""
    errors: list[OkxError] = []
    async with okxasync.Client(
        base_url=fake.url, timeout=0.2, retry=FAST, rate_limits=LIMITS, **fake.credentials
    ) as client:
        for kind in FAULT_KINDS:
            fake.faults = Faults(rate=1.0, kinds=(kind,), delay=0.4)  # every GET fails
            try:
                await client.funding.balances()
            except OkxError as error:
                errors.append(error)
        fake.faults = Faults(drop_before_commit=1.0)
        try:
            await client.funding.withdraw(
                ccy="BTC", amt=Decimal("0.01"), dest="4", to_addr="17DKe", fee="0.0005"
            )
        except OutcomeUnknownError as error:
            errors.append(error)
        fake.faults = Faults(rate=0.3, seed=9)
        for _ in range(6):
            await client.funding.balances()  # mostly after retries, waiting for the limiter
        text = repr(client) + repr(vars(client)) + repr(client.funding)
    wrong = fake.credentials
    wrong["passphrase"] = "wrong"
    async with okxasync.Client(base_url=fake.url, retry=FAST, **wrong) as bad:
        with pytest.raises(AuthenticationError) as info:
            await bad.funding.balances()
        errors.append(info.value)
    errors.append(OkxError(text))
    return errors


def signatures(fake: FakeExchange) -> list[str]:
    """The signature of every request the emulator received (it records them masked)."""
    secret = fake.credentials["secret_key"]
    out = []
    for r in fake.requests:
        timestamp = r.headers.get("OK-ACCESS-TIMESTAMP")
        if timestamp:
            query = "&".join(f"{k}={v}" for k, v in r.query.items())
            path = r.path + ("?" + query if query else "")
            out.append(sign(secret, timestamp, r.method, path, r.body))
    return out


async def test_no_secret_in_logs_errors_or_traceback_locals(
    fake: FakeExchange, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    errors = await failures(fake)
    kinds = {type(e) for e in errors}
    assert {okxasync.TransportError, okxasync.ResponseError, okxasync.APIError} <= kinds
    assert {OutcomeUnknownError, AuthenticationError} <= kinds
    everything = caplog.text + "\n".join(describe(e) for e in errors)
    assert "AuthHeaders(" in everything  # the signed headers were among the locals looked at
    secrets = [fake.credentials["secret_key"], fake.credentials["passphrase"]]
    sent = signatures(fake)
    assert len(sent) > 10
    assert_secret_free(everything, secrets + sent)


async def test_every_attempt_is_logged_with_its_facts(
    fake: FakeExchange, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="okxasync")
    await failures(fake)
    attempts = [r for r in caplog.records if hasattr(r, "okx_attempt")]
    assert len(attempts) == len([r for r in fake.requests if r.path != "/api/v5/public/time"])
    facts = [vars(r) for r in attempts]
    for fact in facts:
        assert fact["okx_method"] in ("GET", "POST")
        assert fact["okx_path"].startswith("/api/v5/")
        assert fact["okx_latency_ms"] >= 0 and fact["okx_rate_wait_s"] >= 0
        assert fact["okx_path"] in fact["message"]
    assert {f["okx_status"] for f in facts} >= {200, 401, 502, 503, None}  # None: no answer
    assert max(f["okx_attempt"] for f in facts) >= 3
    assert max(f["okx_rate_wait_s"] for f in facts) > 0.05  # the limiter made some wait
    retries = [r for r in caplog.records if r.getMessage().startswith("retrying")]
    assert retries and all(r.levelno == logging.INFO for r in retries)


def test_an_unclosed_session_fails_the_suite(tmp_path: Path) -> None:
    """The suite's warning filters turn aiohttp's "Unclosed client session" into a failure."""
    leaky = tmp_path / "test_leak.py"
    leaky.write_text(
        textwrap.dedent(
            """
            import gc
            import okxasync
            from okxasync.testing import FakeExchange

            async def test_leak():
                async with FakeExchange() as fake:
                    client = okxasync.Client(base_url=fake.url, **fake.credentials)
                    await client.funding.balances()
                    del client  # never closed
                    gc.collect()
            """
        )
    )
    root = Path(__file__).resolve().parents[2]
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    result = subprocess.run(
        [*command, "-c", "pyproject.toml", "--rootdir", str(root), str(leaky)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0, result.stdout
    assert "Unclosed client session" in result.stdout
