"""The pure pieces of the event streams: duplicate filter, backoff, URLs, frames, login."""

from __future__ import annotations

import random

import pytest

import okxasync
from okxasync._http.signing import Credentials, sign
from okxasync._ws.dedupe import Tracker
from okxasync._ws.protocol import decode_frame, login_error
from okxasync._ws.timing import backoff_delay
from okxasync._ws.urls import business_url, check_ws_url

FINAL = frozenset({"2"})


def test_a_change_is_yielded_once_and_a_baseline_never() -> None:
    tracker = Tracker(FINAL, recent=10)
    assert not tracker.observe("a", "0", 1, 100, baseline=True)
    assert not tracker.observe("a", "0", 1, 200)  # unchanged since the stream opened
    assert tracker.observe("a", "1", 1, 300)
    assert not tracker.observe("a", "1", 1, 400)
    assert tracker.duplicates == 1
    assert tracker.observe("b", "0", 5, 300)  # new record


def test_an_older_observation_never_moves_a_record_back_and_final_is_final() -> None:
    tracker = Tracker(FINAL, recent=10)
    assert tracker.observe("a", "1", 1, 500)
    assert not tracker.observe("a", "0", 1, 400)  # read before the push: stale
    assert tracker.get("a") is not None and tracker.get("a").state == "1"  # type: ignore[union-attr]
    assert tracker.observe("a", "2", 1, 450)  # final wins whatever its time
    assert not tracker.observe("a", "1", 1, 900)
    assert list(tracker.settled) == ["a"] and not tracker.pending


def test_a_push_of_what_the_opening_read_showed_is_news_if_pushed_after_it_began() -> None:
    """The baseline read (sent at 100, answered at 400) already shows the change pushed at
    250: that change was made while the stream opened, so the push is yielded, once."""
    tracker = Tracker(FINAL, recent=10)
    assert not tracker.observe("a", "1", 1, 100, until_ms=400, baseline=True)
    assert not tracker.observe("b", "2", 1, 100, until_ms=400, baseline=True)
    assert not tracker.observe("c", "0", 1, 100, until_ms=400, baseline=True)
    assert tracker.observe("a", "1", 1, 250, pushed=True)
    assert not tracker.observe("a", "1", 1, 250, pushed=True)  # delivered twice
    assert tracker.observe("b", "2", 1, 300, pushed=True)  # a final state too
    assert not tracker.observe("c", "0", 1, 90, pushed=True)  # before the read: not news
    assert tracker.duplicates == 1 and not tracker.recheck


def test_which_of_two_overlapping_observations_is_newer_is_read_again() -> None:
    tracker = Tracker(FINAL, recent=10)
    assert tracker.observe("a", "1", 1, 100, until_ms=400)  # REST, sent 100, answered 400
    assert not tracker.observe("a", "0", 1, 250, pushed=True)  # during the read: unknown
    assert not tracker.observe("a", "3", 1, 50, pushed=True)  # before it, another clock
    assert not tracker.observe("a", "3", 1, 300, until_ms=500)  # REST, overlapping
    assert tracker.recheck == {"a"} and tracker.get("a").state == "1"  # type: ignore[union-attr]
    assert tracker.observe("a", "0", 1, 600, until_ms=700)  # the re-read, after both
    assert not tracker.recheck


def test_settled_records_are_forgotten_past_recent_only_once_no_fill_reads_them() -> None:
    tracker = Tracker(FINAL, recent=3)
    for i in range(10):
        tracker.observe(str(i), "2", ts_ms=i, observed_ms=i)
    tracker.observe("p", "0", ts_ms=0, observed_ms=0)
    assert len(tracker.settled) == 10  # a fill may still read every one: all kept
    tracker.forget_before(7)  # fills now read from 7 on
    assert list(tracker.settled) == ["7", "8", "9"] and "p" in tracker.pending
    for i in range(10, 20):
        tracker.observe(str(i), "2", ts_ms=i, observed_ms=i)
    assert list(tracker.settled) == [str(i) for i in range(7, 20)]  # all still in reach
    tracker.forget_before(18)
    assert list(tracker.settled) == ["18", "19"]
    # Settled just now (a push), though created long ago: a repeat of that push is near.
    tracker.observe("old", "2", ts_ms=1, observed_ms=30, pushed=True)
    tracker.forget_before(25)
    assert list(tracker.settled) == ["old"]
    assert not tracker.observe("old", "2", ts_ms=1, observed_ms=30, pushed=True)


def test_backoff_is_full_jitter_and_capped() -> None:
    rng = random.Random(0)
    for attempt in range(1, 40):
        delays = [backoff_delay(attempt, 0.5, 30.0, rng) for _ in range(50)]
        assert all(0 <= d <= min(30.0, 0.5 * 2**attempt) for d in delays)
    assert max(backoff_delay(30, 0.5, 30.0, rng) for _ in range(200)) > 15  # reaches the cap


@pytest.mark.parametrize(
    ("base", "demo", "ws"),
    [
        (okxasync.OKX, False, "wss://ws.okx.com:8443/ws/v5/business"),
        ("https://openapi.okx.com", True, "wss://wspap.okx.com:8443/ws/v5/business"),
        ("https://us.okx.com", False, "wss://wsus.okx.com:8443/ws/v5/business"),
        ("https://eea.okx.com", True, "wss://wseeapap.okx.com:8443/ws/v5/business"),
        ("http://127.0.0.1:8080", False, "ws://127.0.0.1:8080/ws/v5/business"),
        (okxasync.OKLINK, False, None),
    ],
)
def test_ws_url_is_derived_from_the_rest_host(base: str, demo: bool, ws: str | None) -> None:
    assert business_url(base, demo) == ws


def test_ws_url_must_be_secure_unless_loopback() -> None:
    assert check_ws_url("ws://localhost:1/ws/v5/business") == "ws://localhost:1/ws/v5/business"
    for bad in ("ws://example.com/ws", "https://ws.okx.com", 5):
        with pytest.raises(okxasync.ValidationError):
            check_ws_url(bad)
    with pytest.raises(okxasync.ValidationError):
        okxasync.Client("k", "s", "p", ws_url="ws://ws.okx.com:8443/ws/v5/business")


def test_timing_rejects_a_ping_interval_the_idle_rule_would_cut() -> None:
    with pytest.raises(okxasync.ValidationError):
        okxasync.WatchTiming(ping_after=30)
    with pytest.raises(okxasync.ValidationError):
        okxasync.WatchTiming(pong_timeout=0)


def test_frames_are_classified_and_junk_is_not_a_frame() -> None:
    push = decode_frame('{"arg":{"channel":"deposit-info","uid":"1"},"data":[{"depId":"7"}]}')
    assert push is not None and push.is_push and push.channel() is not None
    ack = decode_frame('{"event":"subscribe","arg":{"channel":"deposit-info","ccy":"BTC"}}')
    assert ack is not None and not ack.is_push and ack.channel().ccy == "BTC"  # type: ignore[union-attr]
    for junk in ("pong", "[1]", '{"event": 5}', "{"):
        assert decode_frame(junk) is None
    error = decode_frame('{"event":"error","code":"60024","msg":"Wrong passphrase"}')
    assert error is not None and isinstance(login_error(error), okxasync.AuthenticationError)


def test_login_is_signed_in_seconds_and_its_repr_hides_the_secrets() -> None:
    credentials = Credentials("key-1", "SECRET", "PASS-phrase")
    args = credentials.login_args(1_704_876_947_999)
    assert args["timestamp"] == "1704876947"
    assert args["sign"] == sign("SECRET", "1704876947", "GET", "/users/self/verify")
    assert "PASS-phrase" not in repr(args) and args["sign"] not in repr(args)
    assert "PASS-phrase" not in str(args)
