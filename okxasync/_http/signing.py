"""Request signing: pure functions with an injectable clock.

``OK-ACCESS-SIGN = base64(hmac_sha256(secret, timestamp + METHOD + requestPath + body))``
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping, MutableMapping
from typing import Protocol

from .._text import iso_ms as iso_timestamp

__all__ = ["AuthHeaders", "Credentials", "LoginArgs", "auth_headers", "iso_timestamp", "sign"]


def sign(secret: str, timestamp: str, method: str, request_path: str, body: str = "") -> str:
    """The base64 HMAC-SHA256 signature of ``timestamp + METHOD + requestPath + body``."""
    message = f"{timestamp}{method.upper()}{request_path}{body}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class _Mac(Protocol):
    """What signing uses of an HMAC object (``hmac.HMAC`` and the C object behind it)."""

    def copy(self) -> _Mac: ...

    def update(self, msg: bytes, /) -> None: ...

    def digest(self) -> bytes: ...


class Credentials:
    """An API key with its secret and passphrase; the repr never shows the secrets."""

    __slots__ = ("_mac", "_passphrase", "_secret", "api_key")

    def __init__(self, api_key: str, secret_key: str, passphrase: str) -> None:
        self.api_key = api_key
        self._secret = secret_key
        self._passphrase = passphrase
        # The key schedule, computed once: each request copies it (a third cheaper). The
        # copy, update and digest go to the C object behind ``hmac.HMAC`` when it has one
        # (OpenSSL's, ``_hmac``): the same three methods without a Python call around each.
        mac = hmac.new(secret_key.encode(), digestmod=hashlib.sha256)
        self._mac: _Mac = getattr(mac, "_hmac", None) or mac

    def __repr__(self) -> str:
        return f"Credentials(api_key={mask(self.api_key)!r}, secret_key='***', passphrase='***')"

    def __reduce__(self) -> str:
        raise TypeError("Credentials cannot be pickled")

    def headers(self, epoch_ms: int, method: str, request_path: str, body: str) -> AuthHeaders:
        """The four ``OK-ACCESS-*`` headers for one request (signed as :func:`sign` does)."""
        timestamp = iso_timestamp(epoch_ms)
        mac = self._mac.copy()
        mac.update(f"{timestamp}{method.upper()}{request_path}{body}".encode())
        signature = binascii.b2a_base64(mac.digest(), newline=False).decode()
        return auth_headers(self.api_key, self._passphrase, timestamp, signature)

    def login_args(self, epoch_ms: int) -> LoginArgs:
        """The WebSocket ``login`` argument: Unix **seconds** ``timestamp`` and the
        signature of ``timestamp + "GET/users/self/verify"``."""
        timestamp = str(epoch_ms // 1000)
        return LoginArgs(
            apiKey=self.api_key,
            passphrase=self._passphrase,
            timestamp=timestamp,
            sign=sign(self._secret, timestamp, "GET", "/users/self/verify"),
        )


class LoginArgs(dict[str, str]):
    """The WebSocket login argument; its repr masks the passphrase and signature."""

    def __repr__(self) -> str:
        return repr({k: "***" if k in ("passphrase", "sign") else v for k, v in self.items()})

    __str__ = __repr__


class AuthHeaders:
    """The ``OK-ACCESS-*`` headers of one request, kept out of sight.

    Deliberately not a ``dict`` (nor any mapping or sequence): error trackers that record
    the local variables of a traceback's frames walk plain containers item by item, but show
    other objects by their repr, and this repr masks the passphrase and signature. The
    transport copies the headers into the outgoing request with :meth:`apply`.
    """

    __slots__ = ("_values",)
    _HIDDEN = frozenset({"OK-ACCESS-PASSPHRASE", "OK-ACCESS-SIGN"})

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = dict(values)

    @classmethod
    def _owning(cls, values: dict[str, str]) -> AuthHeaders:
        """Wrap ``values`` without a copy (the caller hands it over)."""
        headers = cls.__new__(cls)
        headers._values = values
        return headers

    def __repr__(self) -> str:
        shown = {k: "***" if k in self._HIDDEN else v for k, v in self._values.items()}
        return f"AuthHeaders({shown!r})"

    __str__ = __repr__

    def __reduce__(self) -> str:
        raise TypeError("AuthHeaders cannot be pickled")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, AuthHeaders):
            return self._values == other._values
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def apply(self, headers: MutableMapping[str, str]) -> None:
        """Set the four headers in ``headers`` (the outgoing request's)."""
        headers.update(self._values)

    def get(self, name: str) -> str | None:
        """One header's value (for tests and the emulator's own checks)."""
        return self._values.get(name)


def auth_headers(api_key: str, passphrase: str, timestamp: str, signature: str) -> AuthHeaders:
    return AuthHeaders._owning(
        {
            "OK-ACCESS-KEY": api_key,
            "OK-ACCESS-SIGN": signature,
            "OK-ACCESS-TIMESTAMP": timestamp,
            "OK-ACCESS-PASSPHRASE": passphrase,
        }
    )


def mask(api_key: str) -> str:
    """An API key shortened for display: the first 4 characters only."""
    return api_key[:4] + "..." if len(api_key) > 4 else api_key
