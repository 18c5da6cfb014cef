"""Envelope and status mapping to the typed exception tree."""

from __future__ import annotations

import pickle

import pytest

from okxasync import (
    APIError,
    AuthenticationError,
    OkxError,
    OutcomeUnknownError,
    RateLimitError,
    ResponseError,
)
from okxasync import models as m
from okxasync._http.decode import decode


@pytest.mark.parametrize(
    ("body", "status", "cls", "code"),
    [
        (b'{"code":"50011","msg":"Too Many Requests","data":[]}', 429, RateLimitError, "50011"),
        (b'{"code":"50011","msg":"Too Many Requests"}', 200, RateLimitError, "50011"),
        (b'{"code":"50113","msg":"Invalid Sign","data":[]}', 401, AuthenticationError, "50113"),
        (b'{"code":"50100","msg":"","data":[]}', 401, AuthenticationError, "50100"),
        (b'{"code":"50114","msg":"","data":[]}', 400, APIError, "50114"),
        (b'{"code":"58350","msg":"Insufficient balance","data":[]}', 200, APIError, "58350"),
        (b'{"code":51000,"msg":"Parameter limit error","data":{}}', 400, APIError, "51000"),
    ],
)
def test_api_errors(body: bytes, status: int, cls: type[APIError], code: str) -> None:
    with pytest.raises(cls) as info:
        decode(m.Deposit, body, status)
    assert type(info.value) is cls
    assert (info.value.code, info.value.status) == (code, status)
    assert code in str(info.value)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"<html><body><h1>502 Bad Gateway</h1></body></html>", 502),
        (b'{"code":"0","msg":"","data":[{"amt":"1.5","ccy":"BT', 200),
        (b"", 200),
        (b"[]", 200),
        (b"null", 200),
        (b'{"msg":"no code"}', 200),
        (b'{"code":"0","data":{}}', 200),
        (b'{"code":"0","data":[{"amt":[1,2]}]}', 200),
        (b'{"code":"0","data":[{"ts":"soon"}]}', 200),
        (b'{"code":"0","data":[{"amt":"NaN?"}]}', 200),
        (b'{"code":"0","data":[]}', 503),
        (b"\xff\xfe\x00garbage", 200),
    ],
)
def test_malformed_bodies_raise_response_error(body: bytes, status: int) -> None:
    with pytest.raises(ResponseError) as info:
        decode(m.Deposit, body, status)
    assert info.value.status == status
    assert len(info.value.excerpt) <= 203
    assert isinstance(info.value, OkxError)


def test_excerpt_is_short() -> None:
    with pytest.raises(ResponseError) as info:
        decode(m.Deposit, b"<html>" + b"x" * 10_000, 502)
    assert info.value.excerpt.startswith("<html>xxx")
    assert len(str(info.value)) < 400


def test_errors_pickle() -> None:
    err = RateLimitError("50011", "slow down", 429)
    again = pickle.loads(pickle.dumps(err))
    assert (type(again), again.code, again.msg, again.status) == (
        RateLimitError,
        "50011",
        "slow down",
        429,
    )
    original = OutcomeUnknownError("lost", "abc123")
    unknown = pickle.loads(pickle.dumps(original))
    assert unknown.client_id == "abc123"
    assert str(unknown) == str(original)
