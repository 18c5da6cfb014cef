"""What every route handler shares: the backend it is handed, the request log's entries,
and how stored trades are shown (kept apart from the route table so handler modules do
not import it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from okxasync.testing._checks import Secrets
from okxasync.testing._data import Row
from okxasync.testing._state import ExchangeState

__all__ = ["TRADE_FIELDS", "Backend", "RecordedRequest", "history_view", "trade_view"]


@dataclass
class RecordedRequest:
    """One request as the emulator saw it, and how it answered (`fake.requests`).

    Attributes:
        method: `"GET"` or `"POST"`.
        path: The path, without the query string.
        query: The query parameters.
        body: The exact request body text (`""` for GET).
        headers: The request headers, the passphrase and signature masked.
        arrival: `time.monotonic()` when the request arrived.
        simulated_trading: Whether the `x-simulated-trading` header was present.
        status: The HTTP status of the answer; `0` when none was delivered (dropped).
        code: The envelope code of the answer.
    """

    method: str
    path: str  # without the query string
    query: dict[str, str]
    body: str  # the exact request body text ("" for GET)
    headers: dict[str, str]
    arrival: float  # time.monotonic() when the request arrived
    simulated_trading: bool  # the x-simulated-trading header was present
    status: int = 0  # HTTP status of the answer; 0 when none was delivered (dropped)
    code: str = ""  # envelope code of the answer


@dataclass
class Backend:
    """What handlers may use: the state, the secrets, the clock, the request log."""

    state: ExchangeState
    secrets: Secrets
    clock: Callable[[], int]  # server time, epoch milliseconds
    requests: list[RecordedRequest] = field(default_factory=list)


TRADE_FIELDS = (
    "baseCcy",
    "clQReqId",
    "clTReqId",
    "filledBaseSz",
    "filledQuoteSz",
    "instId",
    "px",
    "quoteCcy",
    "quoteId",
    "side",
    "state",
    "tradeId",
    "ts",
)


def trade_view(trade: Row) -> dict[str, str]:
    """A stored trade as the trade endpoints show it."""
    return {key: trade[key] for key in TRADE_FIELDS}


def history_view(trade: Row) -> dict[str, str]:
    """A stored trade as ``/otc/rfq/history`` shows it."""
    return {
        "baseCcy": trade["baseCcy"],
        "baseSz": trade["filledBaseSz"],
        "clTReqId": trade["clTReqId"],
        "instId": trade["instId"],
        "px": trade["px"],
        "quoteCcy": trade["quoteCcy"],
        "quoteSz": trade["filledQuoteSz"],
        "side": trade["side"],
        "tradeId": trade["tradeId"],
        "tradeTs": trade["tradeTs"],
        "ts": trade["ts"],
    }
