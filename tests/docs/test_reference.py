"""The API reference (docs/reference/) documents every public name."""

from __future__ import annotations

import functools
import re
import typing

import okxasync
import okxasync.models
import okxasync.testing

from .snippets import REPO

DIRECTIVE = re.compile(r"^::: (?P<path>[\w.]+)\s*$", re.M)


def documented() -> set[str]:
    """What the reference pages render: each ``::: path``, and for a whole module
    (``okxasync.models``, ``okxasync.testing``) every name of its ``__all__``, under the
    module's path and, for records, under ``okxasync`` too (they are exported there)."""
    pages = sorted((REPO / "docs" / "reference").glob("*.md"))
    paths = {m["path"] for page in pages for m in DIRECTIVE.finditer(page.read_text())}
    for module in (okxasync.models, okxasync.testing):
        if module.__name__ in paths:
            paths |= {f"{module.__name__}.{name}" for name in module.__all__}
    if "okxasync.models" in paths:
        paths |= {f"okxasync.{name}" for name in okxasync.models.__all__}
    return paths


def test_every_public_name_is_in_the_reference() -> None:
    public = {f"okxasync.{name}" for name in okxasync.__all__}
    public |= {f"okxasync.testing.{name}" for name in okxasync.testing.__all__}
    missing = sorted(public - documented())
    assert not missing, f"not in docs/reference/: {missing}"


def test_the_client_namespaces_are_in_the_reference() -> None:
    paths = documented()
    namespaces = [
        typing.get_type_hints(value.func)["return"]
        for value in vars(okxasync.Client).values()
        if isinstance(value, functools.cached_property)
    ]
    assert len(namespaces) >= 2
    for cls in namespaces:
        assert any(p.endswith(f".{cls.__name__}") for p in paths), cls
