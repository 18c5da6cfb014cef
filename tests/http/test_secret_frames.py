"""No secret in what an error tracker records on any error path: every frame's local
variables, serialized the way such trackers do (plain containers item by item, anything
else by its repr), and every exception of the ``__cause__``/``__context__`` chain."""

from __future__ import annotations

import asyncio
import contextlib
import os
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from decimal import Decimal
from types import TracebackType

import pytest
from aiohttp import web
from secret_helpers import assert_secret_free
from server_helpers import CREDENTIALS, serve

import okxasync
from okxasync import Client, OkxError, Rate, RetryPolicy
from okxasync._http.signing import AuthHeaders, sign
from okxasync.testing import FakeExchange, Faults

FAST = RetryPolicy(
    attempts=2, rate_limit_attempts=2, initial_delay=0.01, lookups=1, lookup_interval=0.01
)
WIDE = {"funding": Rate(500, 1.0), "otc": Rate(500, 1.0)}
Call = Callable[[Client], Awaitable[object]]


def serialize(value: object, depth: int = 0) -> str:
    """``value`` as an error tracker stores a local variable."""
    if depth > 8:
        return "..."
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, Mapping):
        items = list(value.items())[:500]
        return (
            "{"
            + ", ".join(f"{serialize(k, depth + 1)}: {serialize(v, depth + 1)}" for k, v in items)
            + "}"
        )
    if isinstance(value, (list, tuple, set, frozenset)):
        return "[" + ", ".join(serialize(v, depth + 1) for v in list(value)[:500]) + "]"
    try:
        return repr(value)
    except Exception as error:  # a broken repr shows as such
        return f"<repr failed: {error!r}>"


def chain(error: BaseException) -> Iterator[BaseException]:
    """``error`` and every exception chained to it, suppressed context included."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [current.__cause__, current.__context__]


def tracebacks(error: BaseException) -> Iterator[TracebackType]:
    for current in chain(error):
        tb = current.__traceback__
        while tb is not None:
            yield tb
            tb = tb.tb_next


def captured(error: BaseException) -> tuple[str, int]:
    """What a tracker records for ``error``, and how many frames it looked at."""
    parts, frames = [], 0
    for current in chain(error):
        parts += [str(current), repr(current), serialize(vars(current))]
    for tb in tracebacks(error):
        frames += 1
        parts += [f"{name}={serialize(value)}" for name, value in tb.tb_frame.f_locals.items()]
    return "\n".join(parts), frames


async def failure(client: Client, call: Call) -> BaseException:
    try:
        await call(client)
    except (OkxError, asyncio.CancelledError) as error:
        return error
    raise AssertionError("the call did not fail")


def withdraw(client: Client) -> Awaitable[object]:
    return client.funding.withdraw(
        ccy="USDT", amt=Decimal("1.5"), dest="4", to_addr="TN4hxx", fee="1", client_id="sec1"
    )


def too_large(client: Client) -> Awaitable[object]:
    return client.funding.withdraw(
        ccy="BTC", amt="100000", dest="4", to_addr="17DKe3kk", fee="0.0005"
    )


async def cancelled(client: Client) -> None:
    task = asyncio.ensure_future(withdraw(client))
    await asyncio.sleep(0.15)  # sent, waiting for the (delayed) answer
    task.cancel()
    await task


FAKE_PATHS: dict[str, tuple[Faults, Call]] = {
    "http_502": (Faults(rate=1.0, kinds=("http_502",)), lambda c: c.funding.balances()),
    "busy_503": (Faults(rate=1.0, kinds=("busy_503",)), lambda c: c.funding.balances()),
    "disconnect": (Faults(rate=1.0, kinds=("disconnect",)), lambda c: c.funding.balances()),
    "timeout": (Faults(rate=1.0, kinds=("delay",), delay=0.5), lambda c: c.funding.balances()),
    "refused by the API": (Faults(), too_large),
    "outcome unknown": (Faults(drop_before_commit=1.0), withdraw),
}


@pytest.mark.parametrize("path", list(FAKE_PATHS))
async def test_error_paths_against_the_emulator(path: str) -> None:
    faults, call = FAKE_PATHS[path]
    async with FakeExchange(rate_limits=WIDE, faults=faults) as fake:
        async with Client(
            base_url=fake.url, timeout=0.2, retry=FAST, rate_limits=WIDE, **fake.credentials
        ) as client:
            error = await failure(client, call)
        secret, passphrase = fake.credentials["secret_key"], fake.credentials["passphrase"]
        signatures = [signature(secret, r) for r in fake.requests if r.headers]
    check(error, [secret, passphrase, *signatures])


async def test_an_authentication_failure(fake: FakeExchange) -> None:
    wrong = fake.credentials
    wrong["passphrase"] = "Wrong-Passphrase-42"
    async with Client(base_url=fake.url, retry=FAST, **wrong) as client:
        error = await failure(client, lambda c: c.funding.balances())
    signatures = [signature(fake.credentials["secret_key"], r) for r in fake.requests]
    check(error, [wrong["secret_key"], wrong["passphrase"], *signatures])


async def test_a_cancelled_withdrawal_in_flight() -> None:
    async with FakeExchange(rate_limits=WIDE, latency=0.5) as slow:
        async with Client(base_url=slow.url, retry=FAST, **slow.credentials) as client:
            error = await failure(client, cancelled)
        secret, passphrase = slow.credentials["secret_key"], slow.credentials["passphrase"]
        signatures = [signature(secret, r) for r in slow.requests]
    assert isinstance(error, asyncio.CancelledError)
    check(error, [secret, passphrase, *signatures], aiohttp_frames=True)


@contextlib.asynccontextmanager
async def raw_server(answer: bytes) -> AsyncIterator[tuple[str, list[bytes]]]:
    """A TCP server answering every request with ``answer`` (not necessarily valid HTTP)."""
    received: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.append(await reader.readuntil(b"\r\n\r\n"))
        writer.write(answer)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", received
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nNo colon in this header\r\n\r\nhello",
        b"SPDY/9 banana\r\n\r\n",
        b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"code":"0"',
    ],
)
async def test_a_malformed_http_answer(answer: bytes) -> None:
    async with (
        raw_server(answer) as (url, received),
        Client(base_url=url, retry=FAST, **CREDENTIALS) as client,
    ):
        error = await failure(client, lambda c: c.funding.balances())
    signatures = [
        line.split(b": ", 1)[1].decode()
        for r in received
        for line in r.split(b"\r\n")
        if line.lower().startswith(b"ok-access-sign:")
    ]
    assert signatures
    check(error, [CREDENTIALS["secret_key"], CREDENTIALS["passphrase"], *signatures])


async def redirect(request: web.Request) -> web.StreamResponse:
    return web.Response(status=307, headers={"Location": "http://localhost:1/x"})


async def html_429(request: web.Request) -> web.StreamResponse:
    return web.Response(status=429, text="<html>slow down</html>", content_type="text/html")


async def huge(request: web.Request) -> web.StreamResponse:
    return web.Response(body=b"x" * 3000, content_type="application/json")


@pytest.mark.parametrize(
    ("handler", "call"),
    [(redirect, withdraw), (html_429, withdraw), (huge, lambda c: c.funding.balances())],
    ids=["redirect", "rate limited", "oversized"],
)
async def test_error_paths_against_small_servers(
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]], call: Call
) -> None:
    async with (
        serve(handler) as (url, seen),
        Client(base_url=url, retry=FAST, max_response_bytes=1000, **CREDENTIALS) as client,
    ):
        error = await failure(client, call)
    assert any(seen.signatures)
    check(error, [CREDENTIALS["secret_key"], CREDENTIALS["passphrase"], *seen.signatures])


def check(error: BaseException, secrets: list[str], *, aiohttp_frames: bool = False) -> None:
    text, frames = captured(error)
    assert frames >= 3
    if aiohttp_frames:
        assert "aiohttp" in text  # the cancel reached into aiohttp's own frames
    assert_secret_free(text, [s for s in secrets if s])


def signature(secret: str, request: object) -> str:
    """The signature of a request the emulator recorded (it stores the headers masked)."""
    from okxasync.testing._backend import RecordedRequest

    assert isinstance(request, RecordedRequest)
    timestamp = request.headers.get("OK-ACCESS-TIMESTAMP", "")
    query = "&".join(f"{k}={v}" for k, v in request.query.items())
    path = request.path + ("?" + query if query else "")
    return sign(secret, timestamp, request.method, path, request.body)


def test_auth_headers_are_no_container_and_mask_their_repr() -> None:
    auth = AuthHeaders({"OK-ACCESS-SIGN": "sig-value", "OK-ACCESS-PASSPHRASE": "pp-value"})
    assert not isinstance(auth, (Mapping, list, tuple, set))
    assert "sig-value" not in serialize(auth) and "pp-value" not in serialize(auth)
    target: dict[str, str] = {}
    auth.apply(target)
    assert target == {"OK-ACCESS-SIGN": "sig-value", "OK-ACCESS-PASSPHRASE": "pp-value"}


SECRET = "s3cret-K3y-value"
PASSPHRASE = "pass-Phr4se"
BAD_ARGUMENTS: dict[str, dict[str, object]] = {
    "base_url": {"base_url": "http://example.com"},
    "timeout": {"timeout": 0},
    "timeout type": {"timeout": "5"},
    "ws_url": {"ws_url": "ws://example.com/ws"},
    "limiter": {"limiter": object()},
    "retry": {"retry": 5},
    "clock_sync": {"clock_sync": "x"},
    "demo": {"demo": "no"},
}


def built(**arguments: object) -> okxasync.ValidationError:
    try:
        okxasync.Client(**arguments)  # type: ignore[arg-type]
    except okxasync.ValidationError as error:
        return error
    raise AssertionError("the client was built")


def library_frames(error: BaseException) -> str:
    """:func:`captured` of the library's own frames (this test's hold what it passed)."""
    package = os.path.dirname(okxasync.__file__)
    parts = [str(error), repr(error)]
    for tb in tracebacks(error):
        if tb.tb_frame.f_code.co_filename.startswith(package):
            parts += [f"{k}={serialize(v)}" for k, v in tb.tb_frame.f_locals.items()]
    return "\n".join(parts)


@pytest.mark.parametrize("case", list(BAD_ARGUMENTS))
def test_an_error_building_the_client_shows_no_secret(case: str) -> None:
    """`Client.__init__` held the secret key and passphrase as locals when it raised."""
    error = built(
        api_key="key-abcdef", secret_key=SECRET, passphrase=PASSPHRASE, **BAD_ARGUMENTS[case]
    )
    text = library_frames(error)
    assert "self=Client(" in text  # the constructor's frame was looked at
    assert_secret_free(text, [SECRET, PASSPHRASE])
    # An error tracker's own capture (which calls repr on a half-built Client) works.
    traceback.TracebackException.from_exception(error, capture_locals=True)


def test_a_missing_credential_shows_none_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The check kept the environment's secret key in a plain dict of its frame."""
    monkeypatch.setenv("OKX_API_KEY", "key-abcdef")
    monkeypatch.setenv("OKX_SECRET_KEY", SECRET)
    monkeypatch.delenv("OKX_PASSPHRASE", raising=False)
    error = built()
    assert "OKX_PASSPHRASE" in str(error)
    assert_secret_free(library_frames(error), [SECRET])


@pytest.mark.parametrize(
    "credentials",
    [
        {"api_key": "key-abcdef", "secret_key": SECRET, "passphrase": PASSPHRASE + "\n"},
        {"api_key": "key-abcdef\r\nX-Evil: 1", "secret_key": SECRET, "passphrase": PASSPHRASE},
        {"api_key": b"key-abcdef", "secret_key": SECRET, "passphrase": PASSPHRASE},
        {"api_key": "key-abcdef", "secret_key": SECRET + "\ud800", "passphrase": PASSPHRASE},
    ],
    ids=["newline", "header injection", "bytes", "surrogate"],
)
def test_a_credential_that_cannot_go_in_a_header_is_refused_at_once(
    credentials: dict[str, object],
) -> None:
    """A passphrase read from a file with its newline was accepted; the first signed call
    then failed inside aiohttp with a bare ValueError whose frames held the passphrase and
    the signature (a bytes key: a TypeError; a surrogate: a UnicodeEncodeError)."""
    error = built(**credentials)
    assert "printable" in str(error)
    assert_secret_free(library_frames(error), [SECRET, PASSPHRASE])


@pytest.mark.parametrize(
    "arguments",
    [
        {"timeout": float("inf")},
        {"timeout": 10**400},
        {"timeout": True},
        {"clock_sync": float("nan")},
        {"max_response_bytes": True},
    ],
)
def test_arguments_that_would_fail_later_are_refused_when_the_client_is_built(
    arguments: dict[str, object],
) -> None:
    """Accepted before, then an OverflowError on the first call, or a 1-byte cap."""
    built(api_key="k", secret_key="s", passphrase="p", **arguments)
