"""Signing against vectors computed independently with
``printf '%s' "$msg" | openssl dgst -sha256 -hmac "$SECRET" -binary | base64``."""

from __future__ import annotations

import pickle
from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from okxasync._http.signing import Credentials, iso_timestamp, sign

SECRET = "BD0CF1D1ADBF1D11D1A1D1A1D1A"  # the reference's example SecretKey
TS = "2022-10-07T07:03:54.726Z"  # the reference's example timestamp
TS_MS = 1665126234726  # date -u -d 2022-10-07T07:03:54Z +%s, plus 726 ms
WITHDRAW_BODY = (
    '{"amt":"1","fee":"0.0005","dest":"4","ccy":"BTC","chain":"BTC-Bitcoin",'
    '"toAddr":"17DKe3kkkkiiiiTvAKKi2vMPbm1Bz3CMKw"}'
)


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        ("GET", "/users/self/verify", "", "vOivlWa1p17t+SapZ+DKPjRfuLKnLwd6Gj/qe+nEsTk="),
        ("GET", "/api/v5/asset/balances", "", "t+9F/CFP598FfmWQx2cjtDJ6EBJQVq9t3p47oYxdoYA="),
        (
            "GET",
            "/api/v5/asset/deposit-history?ccy=BTC&after=1654041600000&before=1656633600000",
            "",
            "EFg+wsfXsp+297VfTx1Qu00cO1RLUplEeX/q3jdht3c=",
        ),
        (
            "POST",
            "/api/v5/asset/withdrawal",
            WITHDRAW_BODY,
            "nzpwPmf6KR9tgI/F+nncU/gzjt11f/ErwWmJr6L/emg=",
        ),
    ],
)
def test_sign_matches_openssl(method: str, path: str, body: str, expected: str) -> None:
    assert sign(SECRET, TS, method, path, body) == expected


def test_method_is_uppercased() -> None:
    assert sign(SECRET, TS, "get", "/users/self/verify") == sign(
        SECRET, TS, "GET", "/users/self/verify"
    )


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (TS_MS, TS),
        (0, "1970-01-01T00:00:00.000Z"),
        (1655251200001, "2022-06-15T00:00:00.001Z"),
        (1655251200999, "2022-06-15T00:00:00.999Z"),
    ],
)
def test_iso_timestamp(ms: int, text: str) -> None:
    assert iso_timestamp(ms) == text


def test_credentials_headers_sign_with_the_same_timestamp() -> None:
    creds = Credentials("key-123456", SECRET, "pass phrase")
    headers: dict[str, str] = {}
    creds.headers(TS_MS, "POST", "/api/v5/asset/withdrawal", WITHDRAW_BODY).apply(headers)
    assert headers == {
        "OK-ACCESS-KEY": "key-123456",
        "OK-ACCESS-SIGN": "nzpwPmf6KR9tgI/F+nncU/gzjt11f/ErwWmJr6L/emg=",
        "OK-ACCESS-TIMESTAMP": TS,
        "OK-ACCESS-PASSPHRASE": "pass phrase",
    }


def test_credentials_never_show_secrets() -> None:
    creds = Credentials("key-123456", SECRET, "hunter2hunter2")
    for text in (repr(creds), str(creds)):
        assert SECRET not in text
        assert "hunter2" not in text
        assert "key-123456" not in text  # the key is shortened too
    with pytest.raises(TypeError):
        pickle.dumps(creds)


def test_credentials_sign_every_request_afresh() -> None:
    """The reused key schedule must not carry one request's message into the next."""
    creds = Credentials("key-123456", SECRET, "pass phrase")
    for _ in range(3):
        for method, path, body in [
            ("GET", "/api/v5/asset/balances", ""),
            ("POST", "/api/v5/asset/withdrawal", WITHDRAW_BODY),
        ]:
            got = creds.headers(TS_MS, method, path, body).get("OK-ACCESS-SIGN")
            assert got == sign(SECRET, TS, method, path, body)


@given(st.lists(st.integers(min_value=0, max_value=253402300799999), min_size=1, max_size=20))
def test_iso_timestamp_in_any_order_of_calls(times: list[int]) -> None:
    """The text of the last second is reused: any sequence of times formats exactly."""
    for ms in times:
        expected = datetime.fromtimestamp(ms // 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
        assert iso_timestamp(ms) == f"{expected}.{ms % 1000:03d}Z"
