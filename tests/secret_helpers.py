"""Checking text for secrets without printing them: a failing ``assert secret not in text``
would show the secret (and the text around it) in the test report."""

from __future__ import annotations

from collections.abc import Iterable

import pytest


def assert_secret_free(text: str, secrets: Iterable[str]) -> None:
    """Fail if any of ``secrets`` (non-empty) occurs in ``text``; the failure names the
    secret by position and shows where it leaked, with every secret masked as ``***``."""
    secrets = list(secrets)
    assert secrets and all(secrets), "nothing to look for"
    for n, secret in enumerate(secrets):
        at = text.find(secret)
        if at >= 0:
            context = text[max(0, at - 80) : at + len(secret) + 80]
            for other in secrets:
                context = context.replace(other, "***")
            pytest.fail(f"secret #{n} leaked here: ...{context}...", pytrace=False)
