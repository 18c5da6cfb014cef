"""The business WebSocket's messages: what the client sends, how it reads what arrives,
and which failures are permanent.

Frames from the server are text: ``pong``; a JSON event (``login``, ``subscribe``,
``unsubscribe``, ``error``, ``notice``, ``channel-conn-count``...); or a JSON push with
``arg`` and ``data`` and no ``event``. Every value is a string.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from .._errors import APIError, AuthenticationError, OkxError

__all__ = [
    "CREDENTIAL_CODES",
    "PERMANENT_CLOSE",
    "REFUSED_CODES",
    "STALE_TIMESTAMP",
    "Channel",
    "Frame",
    "channel_error",
    "close_error",
    "decode_frame",
    "login_error",
    "op_message",
]

#: Login codes that a new connection with the same credentials cannot fix: invalid
#: timestamp (its format), API key, signature, passphrase, unknown key, "Login failure".
#: Every other login error (internal errors, too frequent...) is worth retrying.
CREDENTIAL_CODES = frozenset({"60004", "60005", "60007", "60009", "60024", "60032"})
#: Subscribe codes meaning the channel request itself is refused.
REFUSED_CODES = frozenset(
    {"60008", "60012", "60013", "60018", "60027", "60028", "60033", "64002", "64003"}
)
#: Close codes that end the stream: the login was refused.
PERMANENT_CLOSE = frozenset({4001})
#: ``error`` codes answered to a login whose timestamp the server refused.
STALE_TIMESTAMP = "60006"


@dataclass(frozen=True, order=True)
class Channel:
    """One subscription argument: ``deposit-info`` / ``withdrawal-info``, maybe one ccy."""

    channel: str
    ccy: str | None = None

    def arg(self) -> dict[str, str]:
        return {"channel": self.channel, **({"ccy": self.ccy} if self.ccy else {})}


class Frame(msgspec.Struct, frozen=True):
    """A JSON frame from the server; ``data`` stays raw until a stream decodes it."""

    event: str | None = None
    code: str = ""
    msg: str = ""
    id: str | None = None
    arg: dict[str, str] | None = None
    data: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)

    @property
    def is_push(self) -> bool:
        """A data push: ``arg`` and ``data``, no ``event``."""
        return self.event is None and len(self.data) > 0

    def channel(self) -> Channel | None:
        if self.arg is None or "channel" not in self.arg:
            return None
        return Channel(self.arg["channel"], self.arg.get("ccy") or None)


_FRAME = msgspec.json.Decoder(Frame)
_ENCODE = msgspec.json.Encoder()


def decode_frame(text: str) -> Frame | None:
    """The frame in ``text``, or ``None`` when it is not a JSON object of that shape."""
    try:
        return _FRAME.decode(text)
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
        return None


def op_message(op: str, args: list[dict[str, str]], request_id: str | None = None) -> str:
    """The text of a ``login`` / ``subscribe`` / ``unsubscribe`` request."""
    message: dict[str, object] = {"op": op, "args": args}
    if request_id is not None:
        message = {"id": request_id, **message}
    return _ENCODE.encode(message).decode()


def login_error(frame: Frame) -> OkxError:
    """The error for a refused login: :class:`AuthenticationError` for credentials."""
    cls = AuthenticationError if frame.code in CREDENTIAL_CODES else APIError
    return cls(frame.code, f"WebSocket login refused: {frame.msg}", 0)


def channel_error(frame: Frame) -> APIError | None:
    """The error for a refused subscription, or ``None`` when it is worth retrying."""
    if frame.code in REFUSED_CODES:
        return APIError(frame.code, f"WebSocket subscription refused: {frame.msg}", 0)
    return None


def close_error(code: int | None) -> OkxError | None:
    """The permanent error a server close code means, or ``None`` (reconnect)."""
    if code in PERMANENT_CLOSE:
        return AuthenticationError(str(code), "WebSocket login failed (close 4001)", 0)
    return None
