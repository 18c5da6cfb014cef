"""The retry decision function and the ambiguity rule, as pure functions."""

from __future__ import annotations

import pickle

import pytest

from okxasync import (
    APIError,
    AuthenticationError,
    ClientClosedError,
    OkxError,
    RateLimitError,
    ResponseError,
    RetryPolicy,
    TransportError,
    ValidationError,
)
from okxasync._http.retry import clock_rejected, may_have_executed

POLICY = RetryPolicy(attempts=4, initial_delay=0.5, max_delay=3.0, deadline=10.0)

NOT_SENT = TransportError("refused", maybe_sent=False)
TRANSIENT: list[OkxError] = [
    TransportError("timed out"),
    NOT_SENT,
    APIError("50001", "busy", 503),
    APIError("50013", "busy", 200),
    APIError("50000", "server", 500),
    ResponseError("not a JSON envelope", 502, b"<html>502 Bad Gateway</html>"),
]
DEFINITE: list[OkxError] = [
    APIError("51000", "Parameter ccy error", 400),
    APIError("58350", "Insufficient balance", 200),
    AuthenticationError("50113", "Invalid Sign", 401),
    ResponseError("not a JSON envelope", 404, b"<html>Not Found</html>"),
    ValidationError("bad"),
]


@pytest.mark.parametrize("error", TRANSIENT)
def test_safe_calls_retry_transient_errors_with_bounded_jitter(error: OkxError) -> None:
    for attempt, cap in [(1, 0.5), (2, 1.0), (3, 2.0)]:
        delays = [POLICY.delay(error, attempt, retry_safe=True, window=1.0) for _ in range(200)]
        assert all(d is not None and 0 <= d <= cap for d in delays)
        assert max(d for d in delays if d is not None) > cap / 2  # full jitter spreads out
    assert POLICY.delay(error, 4, retry_safe=True, window=1.0) is None  # attempts spent


@pytest.mark.parametrize("error", [e for e in TRANSIENT + DEFINITE if e is not NOT_SENT])
def test_unsafe_calls_are_never_retried_blindly(error: OkxError) -> None:
    assert POLICY.delay(error, 1, retry_safe=False, window=1.0) is None


def test_a_connection_never_opened_is_retried_even_for_unsafe_calls() -> None:
    delay = POLICY.delay(NOT_SENT, 1, retry_safe=False, window=1.0)
    assert delay is not None and 0 <= delay <= POLICY.initial_delay
    assert POLICY.delay(NOT_SENT, POLICY.attempts, retry_safe=False, window=1.0) is None


@pytest.mark.parametrize("error", DEFINITE)
def test_definite_errors_are_not_retried(error: OkxError) -> None:
    assert POLICY.delay(error, 1, retry_safe=True, window=1.0) is None


def test_rate_limit_rejections_are_retried_even_for_posts() -> None:
    error = RateLimitError("50011", "Too Many Requests", 429)
    assert POLICY.delay(error, 1, retry_safe=False, window=2.0) == 2.0
    error.retry_after = 0.7
    assert POLICY.delay(error, 1, retry_safe=False, window=2.0) == 0.7
    assert POLICY.delay(error, POLICY.rate_limit_attempts, retry_safe=False, window=2.0) is None


def test_backoff_caps_at_max_delay() -> None:
    assert all(0 <= POLICY.backoff(30) <= POLICY.max_delay for _ in range(100))


def test_no_retry_starts_past_the_deadline() -> None:
    error = TransportError("timed out")
    assert POLICY.delay(error, 1, retry_safe=True, window=1.0, elapsed=9.4) is not None
    assert POLICY.delay(error, 1, retry_safe=True, window=1.0, elapsed=10.0) is None
    limited = RateLimitError("50011", "", 429)
    assert POLICY.delay(limited, 1, retry_safe=True, window=2.0, elapsed=8.5) is None
    assert POLICY.delay(limited, 1, retry_safe=True, window=2.0, elapsed=7.5) == 2.0


@pytest.mark.parametrize(
    ("error", "ambiguous"),
    [
        (TransportError("timed out"), True),
        (TransportError("connection reset"), True),
        (TransportError("connection refused", maybe_sent=False), False),
        (ResponseError("not a JSON envelope", 502, b"<html>"), True),
        (ResponseError("truncated", 200, b'{"code":"0","data":[{'), True),
        (APIError("50001", "busy", 503), True),
        (APIError("50013", "busy", 200), True),
        (APIError("50000", "internal", 500), True),
        (APIError("58350", "Insufficient balance", 200), False),
        (APIError("50004", "API endpoint request timeout", 400), True),
        (APIError("51000", "Parameter error", 400), False),
        (RateLimitError("50011", "Too Many Requests", 429), False),
        (AuthenticationError("50102", "Timestamp request expired", 401), False),
        (ValidationError("bad"), False),
        (OkxError("this Client is closed"), False),
        (ClientClosedError(), False),
        (ClientClosedError("POST /x failed: closed in flight", maybe_sent=True), True),
    ],
)
def test_what_counts_as_ambiguous(error: OkxError, ambiguous: bool) -> None:
    assert may_have_executed(error) is ambiguous


def test_clock_codes() -> None:
    assert clock_rejected(AuthenticationError("50102", "Timestamp request expired", 401))
    assert clock_rejected(AuthenticationError("50112", "Invalid OK-ACCESS-TIMESTAMP", 401))
    assert not clock_rejected(AuthenticationError("50113", "Invalid Sign", 401))
    assert not clock_rejected(TransportError("timed out"))


def test_transport_error_pickles_with_its_ambiguity() -> None:
    for maybe_sent in (True, False):
        copy = pickle.loads(pickle.dumps(TransportError("x", maybe_sent=maybe_sent)))
        assert (type(copy), str(copy), copy.maybe_sent) == (TransportError, "x", maybe_sent)


def test_client_closed_error_pickles_and_is_never_retried() -> None:
    for maybe_sent in (True, False):
        error = ClientClosedError("x", maybe_sent=maybe_sent)
        copy = pickle.loads(pickle.dumps(error))
        assert (type(copy), str(copy), copy.maybe_sent) == (ClientClosedError, "x", maybe_sent)
        for retry_safe in (True, False):
            assert RetryPolicy().delay(error, 1, retry_safe=retry_safe, window=1.0) is None


@pytest.mark.parametrize(
    "bad",
    [{"attempts": 0}, {"lookups": 0}, {"deadline": -1.0}, {"lookup_interval": -0.1}],
)
def test_policy_rejects_nonsense(bad: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        RetryPolicy(**bad)  # type: ignore[arg-type]
