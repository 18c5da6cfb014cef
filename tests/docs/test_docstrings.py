"""Every public class, method, function and record says what a caller may rely on.

The public surface is ``okxasync.__all__``, ``okxasync.testing.__all__``, the client's
namespaces (``client.funding``, ...) and their public methods and properties. Docstrings
are Google style (the API reference is generated from them):

- every callable has one; every parameter is named under ``Args:`` (a class may document
  its constructor's there); a function that returns something has ``Returns:`` (or
  ``Yields:``); a coroutine has ``Raises:`` (or says "Never raises"; ``aclose`` and
  ``close`` need neither);
- a record (msgspec Struct or dataclass) names every field under ``Attributes:``;
- an API call (a method of a client namespace) names its endpoint (``GET /api/v5/...``,
  one the library defines), its rate bucket (the endpoint's) and the API key permission it
  needs (``Permission: Read``, ``Withdraw`` or ``Trade``).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import importlib
import inspect
import pkgutil
import re
import typing
from collections.abc import Callable, Iterator

import msgspec
import pytest

import okxasync
import okxasync.testing
from okxasync._endpoints.base import Endpoint

SECTION = re.compile(r"^(?P<name>[A-Z][a-z]+):\s*$")
ITEM = re.compile(r"^    (?:\*{0,2})(?P<name>\w+)(?: \([^)]*\))?:")
ENDPOINT = re.compile(r"`(?P<method>GET|POST) (?P<path>/api/v5/[^`?\s]+)`")
BUCKET = re.compile(r"[Rr]ate bucket:? `(?P<bucket>[\w-]+)`")
PERMISSION = re.compile(r"Permission: (?P<permission>Read|Withdraw|Trade)\b")
ENUM_DEFAULT_DOCS = {None, "An enumeration."}


def sections(doc: str) -> dict[str, set[str]]:
    """The Google-style sections of ``doc``: section name -> the item names under it."""
    found: dict[str, set[str]] = {}
    current: set[str] | None = None
    for line in inspect.cleandoc(doc).splitlines():
        header = SECTION.match(line)
        if header:
            current = found.setdefault(header["name"], set())
        elif current is not None and line and not line.startswith(" "):
            current = None
        elif current is not None and (item := ITEM.match(line)):
            current.add(item["name"])
    return found


def own_doc(obj: object) -> str:
    doc = obj.__dict__.get("__doc__") if inspect.isclass(obj) else getattr(obj, "__doc__", None)
    return doc if isinstance(doc, str) else ""


def namespaces() -> list[type]:
    """The classes of the client's namespaces (``client.funding`` ...), from its properties."""
    found = []
    for value in vars(okxasync.Client).values():
        if isinstance(value, functools.cached_property):
            found.append(typing.get_type_hints(value.func)["return"])
    return found


def public_objects() -> Iterator[tuple[str, object]]:
    for name in okxasync.__all__:
        yield f"okxasync.{name}", getattr(okxasync, name)
    for name in okxasync.testing.__all__:
        yield f"okxasync.testing.{name}", getattr(okxasync.testing, name)
    for cls in namespaces():
        yield f"{cls.__module__}.{cls.__qualname__}", cls


def is_record(cls: type) -> bool:
    return issubclass(cls, msgspec.Struct) or dataclasses.is_dataclass(cls)


def record_fields(cls: type) -> set[str]:
    if issubclass(cls, msgspec.Struct):
        return set(cls.__struct_fields__)
    return {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]


def members(cls: type) -> Iterator[tuple[str, object]]:
    """Public methods and properties defined by ``cls`` or its okxasync base classes."""
    seen: set[str] = set()
    for base in cls.__mro__:
        if not base.__module__.startswith("okxasync"):
            continue
        for name, value in vars(base).items():
            if name.startswith("_") or name in seen:
                continue
            seen.add(name)
            if isinstance(value, property | functools.cached_property):
                yield name, value
            elif isinstance(value, staticmethod | classmethod):
                yield name, value.__func__
            elif inspect.isfunction(value):
                yield name, value


def parameters(func: Callable[..., object]) -> list[str]:
    names = [n for n in inspect.signature(func).parameters if n not in ("self", "cls")]
    return [n for n in names if not n.startswith("_")]


def problems_of_function(func: Callable[..., object], doc: str) -> list[str]:
    if not doc.strip():
        return ["no docstring"]
    found = sections(doc)
    problems = []
    missing = [p for p in parameters(func) if p not in found.get("Args", set())]
    if missing:
        problems.append(f"Args: does not name {missing}")
    returns = inspect.signature(func).return_annotation
    if returns not in ("None", None, inspect.Signature.empty) and not (
        {"Returns", "Yields"} & found.keys()
    ):
        problems.append("no Returns:")
    never = func.__name__ in ("aclose", "close") or "Never raises" in doc
    if inspect.iscoroutinefunction(func) and not never and "Raises" not in found:
        problems.append("no Raises:")
    return problems


def problems_of_class(cls: type) -> list[str]:
    doc = own_doc(cls)
    if issubclass(cls, enum.Enum):
        return [] if doc not in ENUM_DEFAULT_DOCS else ["no docstring"]
    if not doc.strip():
        return ["no docstring"]
    problems = []
    if is_record(cls):
        missing = sorted(record_fields(cls) - sections(doc).get("Attributes", set()))
        if missing:
            problems.append(f"Attributes: does not name {missing}")
    elif "__init__" in vars(cls) and not getattr(cls, "_is_protocol", False):
        init = vars(cls)["__init__"]
        documented = sections(doc).get("Args", set()) | sections(own_doc(init)).get("Args", set())
        missing = [p for p in parameters(init) if p not in documented]
        if missing:
            problems.append(f"constructor Args: does not name {missing}")
    return problems


def endpoint_buckets() -> dict[tuple[str, str], set[str]]:
    """Every endpoint the library defines: (method, path) -> the rate buckets it spends."""
    import okxasync._endpoints as package

    table: dict[tuple[str, str], set[str]] = {}
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        for value in vars(importlib.import_module(info.name)).values():
            if isinstance(value, Endpoint):
                buckets = getattr(value, "buckets", None) or {value.group}
                table[(value.method, value.path)] = {str(getattr(b, "name", b)) for b in buckets}
    return table


def required_permission(method: str, path: str) -> str:
    """The API key permission an endpoint needs, by the API's rule: reads need Read, a
    withdrawal Withdraw, every other write (trades, quotes, transfers, cancellations) Trade."""
    if method == "GET":
        return "Read"
    return "Withdraw" if path == "/api/v5/asset/withdrawal" else "Trade"


def problems_of_api_call(doc: str) -> list[str]:
    problems = []
    endpoint = ENDPOINT.search(doc)
    bucket = BUCKET.search(doc)
    if endpoint is None:
        problems.append("names no endpoint (`GET /api/v5/...`)")
    if bucket is None:
        problems.append("names no rate bucket (rate bucket `name`)")
    if PERMISSION.search(doc) is None:
        problems.append("names no permission (Permission: Read / Withdraw / Trade)")
    permission = PERMISSION.search(doc)
    if endpoint and permission:
        needed = required_permission(endpoint["method"], endpoint["path"])
        if permission["permission"] != needed:
            problems.append(
                f"Permission: {permission['permission']}, but {endpoint[0]} needs {needed}"
            )
    if endpoint and bucket:
        buckets = endpoint_buckets().get((endpoint["method"], endpoint["path"]))
        if buckets is None:
            problems.append(f"{endpoint[0]} is not an endpoint of the library")
        elif bucket["bucket"] not in buckets:
            problems.append(f"rate bucket {bucket['bucket']!r}, but the endpoint spends {buckets}")
    return problems


def problems_of_property(prop: property | functools.cached_property[object]) -> list[str]:
    return [] if (prop.__doc__ or "").strip() else ["no docstring"]


def problems_of_member(func: Callable[..., object], api: bool) -> list[str]:
    doc = func.__doc__ or ""
    return problems_of_function(func, doc) + (problems_of_api_call(doc) if api else [])


def checks() -> Iterator[tuple[str, Callable[[], list[str]]]]:
    api_classes = set(namespaces())
    for qualname, obj in public_objects():
        if inspect.isfunction(obj):
            yield qualname, functools.partial(problems_of_function, obj, obj.__doc__ or "")
        if not inspect.isclass(obj):
            continue
        yield qualname, functools.partial(problems_of_class, obj)
        if issubclass(obj, enum.Enum | BaseException):
            continue
        for name, member in members(obj):
            if isinstance(member, property | functools.cached_property):
                yield f"{qualname}.{name}", functools.partial(problems_of_property, member)
            else:
                func = typing.cast(Callable[..., object], member)
                api = obj in api_classes
                yield f"{qualname}.{name}", functools.partial(problems_of_member, func, api)


CHECKS = dict(checks())


def test_the_public_surface_is_found() -> None:
    assert "okxasync.Client.aclose" in CHECKS
    assert "okxasync._resources.funding.FundingApi.withdraw" in CHECKS
    assert "okxasync.testing.FakeExchange.url" in CHECKS
    assert "okxasync.Deposit" in CHECKS
    assert len(CHECKS) > 100


@pytest.mark.parametrize("qualname", list(CHECKS))
def test_public_callable_is_documented(qualname: str) -> None:
    problems = CHECKS[qualname]()
    assert not problems, f"{qualname}: " + "; ".join(problems)


def test_the_checks_catch_what_they_should() -> None:
    async def undocumented(ccy: str) -> int:
        return 1

    async def documented(ccy: str) -> int:
        """One thing.

        Args:
            ccy: A currency.

        Returns:
            A number.

        Raises:
            ValidationError: Never.
        """
        return 1

    assert problems_of_function(undocumented, "") == ["no docstring"]
    assert problems_of_function(documented, "Does.\n\nReturns:\n    x") == [
        "Args: does not name ['ccy']",
        "no Raises:",
    ]
    assert problems_of_function(documented, documented.__doc__ or "") == []
    assert problems_of_api_call("`GET /api/v5/asset/balances`, rate bucket `funding`.") == [
        "names no permission (Permission: Read / Withdraw / Trade)"
    ]
    withdraw = "`POST /api/v5/asset/withdrawal` · rate bucket `funding` · Permission: Trade"
    assert problems_of_api_call(withdraw) == [
        "Permission: Trade, but `POST /api/v5/asset/withdrawal` needs Withdraw"
    ]
    wrong = "`GET /api/v5/asset/nope` · rate bucket `funding` · Permission: Read"
    assert problems_of_api_call(wrong) == [
        "`GET /api/v5/asset/nope` is not an endpoint of the library"
    ]
