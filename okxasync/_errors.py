"""The exception tree. Everything okxasync raises derives from ``OkxError``::

    OkxError
    ├── APIError                 the envelope's code != "0" (.code, .msg, .status)
    │   ├── RateLimitError       50011 / 58102 / HTTP 429, after the client's own retries
    │   └── AuthenticationError  50100-50113, 50119: key (or region), passphrase, signature,
    │                            timestamp
    ├── ResponseError            not a valid envelope, a redirect, a body over the cap
    ├── PagingError              a history cannot be paged on: one millisecond fuller than a
    │                            page, or a page-index history that makes no progress
    ├── TransportError           connection failures and timeouts, after retries
    ├── ClientClosedError        the Client was closed before or while the call went
    ├── LimiterUnavailableError  the shared rate limiter (Redis) cannot be reached; nothing sent
    ├── ValidationError          a bad argument, raised before anything is sent
    └── OutcomeUnknownError      a withdrawal / RFQ trade whose result is unknown

Both the HTTP status and the envelope ``code`` map to a class through
``error_class``, one table for the whole library.
"""

from __future__ import annotations

from ._text import iso_ms

__all__ = [
    "APIError",
    "AuthenticationError",
    "ClientClosedError",
    "LimiterUnavailableError",
    "OkxError",
    "OutcomeUnknownError",
    "PagingError",
    "RateLimitError",
    "ResponseError",
    "TransportError",
    "ValidationError",
]

EXCERPT_CHARS = 200


class OkxError(Exception):
    """Base class of every error raised by okxasync."""


class APIError(OkxError):
    """The server answered with an envelope whose `code` is not `"0"`: it refused the call.

    Args:
        code: The API's error code, e.g. `"58237"`.
        msg: The API's message.
        status: The HTTP status.

    Attributes:
        code: The API's error code (a string, as the API sends it).
        msg: The API's message (may be empty).
        status: The HTTP status (200 for most refusals).
        retry_after: Seconds from the `Retry-After` header, when the server sent one.
    """

    def __init__(self, code: str, msg: str, status: int) -> None:
        self.code = code
        self.msg = msg
        self.status = status
        #: Seconds from the ``Retry-After`` header (seconds or an HTTP date), when sent.
        self.retry_after: float | None = None
        hint = CODE_HINTS.get(code)
        shown = printable(msg) or "(no message)"
        label = " ".join(filter(None, ["OKX API error", printable(code, 20)]))  # code "": none
        text = f"{label} (HTTP {status}): {shown}"
        super().__init__(f"{text} ({hint})" if hint else text)

    def __reduce__(self) -> tuple[type[APIError], tuple[str, str, int]]:
        return (type(self), (self.code, self.msg, self.status))


class RateLimitError(APIError):
    """Code 50011 or 58102, or HTTP 429 whatever the body, after the client's own retries
    were spent. The server did not execute the request (except, perhaps, on an HTTP 429
    whose envelope says "busy", 50013, or success, ``0``: a withdrawal or trade answered
    so is looked up instead). ``code`` is ``""`` when the 429 answer carried no envelope."""


class AuthenticationError(APIError):
    """Codes 50100-50113 and 50119: bad key, passphrase, signature or timestamp; a key the
    host does not know (50119, on OKX usually a key of another region's site)."""


class ResponseError(OkxError):
    """The answer cannot be used: the body is not a valid envelope or record (an HTML page,
    a truncated body, a field of the wrong type or missing), it is larger than the
    client's cap, or it is a redirect (never followed). The message shows server text
    truncated and escaped.

    Args:
        reason: What is wrong with it.
        status: The HTTP status.
        body: The body received (only a short, escaped excerpt is kept).

    Attributes:
        reason: What is wrong with it.
        status: The HTTP status.
        excerpt: A short, printable start of the body.
    """

    def __init__(self, reason: str, status: int, body: bytes) -> None:
        self.reason = reason
        self.status = status
        self.excerpt = excerpt(body)
        shown = printable(reason)
        super().__init__(f"invalid response (HTTP {status}): {shown}; body: '{self.excerpt}'")


class PagingError(OkxError):
    """A history iterator cannot go on without skipping or repeating records.

    Either it met more records in one millisecond than one page can hold (`ts_ms` is that
    millisecond): the API's time cursor (`after`/`before`) cannot page inside a
    millisecond, so the records of `ts_ms` beyond the first `limit` are unreachable with
    these filters; nothing was skipped silently. Narrow the query (`ccy=`, `state=`,
    `type=`) and iterate each part.

    Or (`ts_ms` is `None`, `reason` says which) a page-index history (RFQ) made no
    progress: a page repeated the one before, or brought nothing new twice running, as
    from a server that ignores `pageIdx`. The records yielded so far are correct.

    Args:
        ts_ms: The millisecond, Unix time; `None` for a history that makes no progress.
        limit: The largest page (records the millisecond holds at least).
        reason: The message; required when `ts_ms` is `None`.

    Attributes:
        ts_ms: The millisecond, Unix time, or `None`.
        limit: The largest page.
        reason: Why paging stopped, when it was not a full millisecond (else `None`).

    Raises:
        TypeError: Neither `ts_ms` nor `reason` is given.
    """

    def __init__(self, ts_ms: int | None, limit: int, reason: str | None = None) -> None:
        self.ts_ms = ts_ms
        self.limit = limit
        self.reason = reason
        if reason is None:
            if ts_ms is None:
                raise TypeError("PagingError needs ts_ms or a reason")
            reason = (
                f"at least {limit} records share the millisecond {ts_ms} "
                f"({iso_ms(ts_ms)}); the time cursor cannot page through them: narrow the query"
            )
        super().__init__(reason)

    def __reduce__(self) -> tuple[type[PagingError], tuple[int | None, int, str | None]]:
        return (type(self), (self.ts_ms, self.limit, self.reason))


class TransportError(OkxError):
    """The request could not be completed: a connection failure or a timeout, after retries.

    Args:
        message: What failed.
        maybe_sent: Whether the request may have reached the server.

    Attributes:
        maybe_sent: `False` only when the request certainly never reached the server (the
            connection could not be opened); a timeout or a connection lost later may have
            delivered it, so it is `True` then.
    """

    def __init__(self, message: str, *, maybe_sent: bool = True) -> None:
        self.maybe_sent = maybe_sent
        super().__init__(message)

    def __reduce__(self) -> tuple[object, ...]:
        return (_transport_error, (type(self), str(self), self.maybe_sent))


class ClientClosedError(OkxError):
    """The `Client` was closed (`aclose()`) before the call was sent, or while it was in
    flight. Never retried: a closed client sends nothing more.

    Args:
        message: What was stopped.
        maybe_sent: Whether the request may have reached the server.

    Attributes:
        maybe_sent: `False` when the call was stopped before its request was written (it
            was waiting for its rate-limit slot, or had not started); `True` when the
            client closed while the request was in flight (a withdrawal or trade then
            ends as [`OutcomeUnknownError`][okxasync.OutcomeUnknownError]).
    """

    def __init__(self, message: str = "this Client is closed", *, maybe_sent: bool = False):
        self.maybe_sent = maybe_sent
        super().__init__(message)

    def __reduce__(self) -> tuple[object, ...]:
        return (_closed_error, (str(self), self.maybe_sent))


class LimiterUnavailableError(OkxError):
    """The shared rate limiter (e.g. Redis) could not be reached; nothing was sent.

    Not retried by the client: without the shared window it cannot know whether
    sending would exceed the account's limit.
    """


class ValidationError(OkxError, ValueError):
    """A bad argument, detected before anything was sent."""


class OutcomeUnknownError(OkxError):
    """A withdrawal or RFQ trade was sent, but whether it executed cannot be established.

    The client looked it up by its client id and could not settle it: it may or may not
    have happened. Look it up later by `client_id`; never resend it under a new id.

    Args:
        message: What happened.
        client_id: The operation's idempotency key.

    Attributes:
        message: What happened.
        client_id: The idempotency key (withdrawal `clientId`, trade `clTReqId`) to look the
            operation up by.
    """

    def __init__(self, message: str, client_id: str) -> None:
        self.message = message
        self.client_id = client_id
        super().__init__(f"{message} (client id {client_id!r})")

    def __reduce__(self) -> tuple[type[OutcomeUnknownError], tuple[str, str]]:
        return (type(self), (self.message, self.client_id))


def _transport_error(cls: type[TransportError], message: str, maybe_sent: bool) -> TransportError:
    return cls(message, maybe_sent=maybe_sent)


def _closed_error(message: str, maybe_sent: bool) -> ClientClosedError:
    return ClientClosedError(message, maybe_sent=maybe_sent)


def excerpt(body: bytes) -> str:
    """A short, printable start of a response body for error messages (see :func:`printable`)."""
    text = body[: EXCERPT_CHARS * 4].decode("utf-8", "replace")
    return printable(" ".join(text.split()))


def printable(text: str, limit: int = EXCERPT_CHARS) -> str:
    """Server-supplied ``text`` made safe for one log line: at most ``limit`` characters
    (then ``...``), every non-printable character (newlines, ANSI escapes, other control
    and separator characters) written as a Python escape such as ``\\n`` or ``\\x1b``."""
    cut = text[:limit]
    if not cut.isprintable():
        cut = "".join(c if c.isprintable() else repr(c)[1:-1] for c in cut)
    return cut + "..." if len(text) > limit else cut


#: Envelope codes of a rate-limit rejection: the API's own, and the funding endpoints'.
RATE_LIMIT_CODES = frozenset({"50011", "58102"})


#: Envelope codes with a class of their own (codes not listed: :class:`APIError`).
#: Ranges of the V5 API: 50xxx general, 58xxx funding (transfers, withdrawals,
#: deposits), 529xx Convert; their other codes are plain :class:`APIError` s whose
#: ``code`` says what was refused (see the README's "Errors").
CODE_CLASSES: dict[str, type[APIError]] = {
    **{code: RateLimitError for code in RATE_LIMIT_CODES},  # the API's own, funding's
    **{str(code): AuthenticationError for code in range(50100, 50114)},
    "50119": AuthenticationError,  # API key doesn't exist: on OKX, often the wrong region
}
#: Extra words for codes whose message misleads, appended to the error's text.
CODE_HINTS: dict[str, str] = {
    "50119": (
        "on OKX a key only works on the host of the site it was created on: "
        "okxasync.OKX (global), OKX_US (US, Australia) or OKX_EEA (EEA)"
    ),
    "58124": "the transfer is accepted and still processing; see transfer_state()",
}


def error_class(code: str, status: int) -> type[APIError]:
    """The exception class for an envelope ``code`` and HTTP ``status`` (429: rate limit)."""
    if status == 429:
        return RateLimitError
    return CODE_CLASSES.get(code, APIError)
