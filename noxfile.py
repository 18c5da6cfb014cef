"""Developer sessions: ``nox -s tests``, ``lint``, ``typecheck``, ``docs``, ``package``, ``bench``.

Each session installs what it needs into its own virtualenv, so they work the same on a
fresh machine and in CI. Development dependencies are PEP 735 dependency groups in
``pyproject.toml`` (``test``, ``lint``, ``docs``, ``package``), read by nox itself, so
any pip will do. Sessions use the interpreter that runs nox (Python >= 3.10).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"  # nox.project.dependency_groups
nox.options.sessions = ["tests", "docs", "lint", "typecheck", "package"]
nox.options.reuse_existing_virtualenvs = True

PYPROJECT = nox.project.load_toml("pyproject.toml")


def groups(*names: str) -> tuple[str, ...]:
    """The requirements of the named dependency groups (includes resolved)."""
    return nox.project.dependency_groups(PYPROJECT, *names)


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite against the FakeExchange emulator (and redis-server).

    It includes ``tests/docs``: every Python example in README.md and docs/ runs against
    the emulator and type-checks under ``mypy --strict``, and so does every program in
    examples/.
    """
    session.install("-e", ".", *groups("test"))
    session.run("pytest", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site with ``mkdocs build --strict`` (into ``site/``).

    ``nox -s docs -- serve`` serves it with live reload instead.
    """
    session.install(*groups("docs"))
    session.env["NO_MKDOCS_2_WARNING"] = "1"  # Material's banner about MkDocs 2
    if session.posargs[:1] == ["serve"]:
        session.run("mkdocs", "serve", *session.posargs[1:])
    else:
        session.run("mkdocs", "build", "--strict", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install(*groups("lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package, the tests and the examples."""
    session.install("-e", ".", *groups("test"))
    session.run("mypy", "--strict", "okxasync", "tests", "examples")


@nox.session
def package(session: nox.Session) -> None:
    """Build the wheel (``pip wheel``) and the sdist, then ``twine check --strict`` them.

    Also checks the wheel's metadata: the version is ``okxasync.__version__`` and the
    only extras published are ``redis`` and ``cli`` (development groups stay out).
    """
    session.install(*groups("package"))
    out = Path(session.create_tmp()) / "dist"
    session.run("python", "-c", f"import shutil; shutil.rmtree({str(out)!r}, True)")
    session.run("pip", "wheel", "--no-deps", "--wheel-dir", str(out), ".")
    session.run("python", "-m", "build", "--sdist", "--outdir", str(out), ".")
    session.run("twine", "check", "--strict", *(str(p) for p in sorted(out.iterdir())))
    session.run("python", "-c", _CHECK_METADATA, str(out))


_CHECK_METADATA = """
import re, sys, zipfile
from pathlib import Path
wheel = next(Path(sys.argv[1]).glob("okxasync-*.whl"))
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
    meta = z.read(name).decode()
    init = z.read("okxasync/__init__.py").decode()
version = re.search(r'^__version__ = "([^"]+)"', init, re.M).group(1)
extras = sorted(re.findall(r"^Provides-Extra: (.+)$", meta, re.M))
assert f"\\nVersion: {version}\\n" in meta, "wheel version differs from __version__"
assert extras == ["cli", "redis"], f"published extras: {extras}"
assert "\\nLicense-Expression: MIT\\n" in meta, "no License-Expression: MIT"
print(f"{wheel.name}: version {version}, extras {extras}, MIT")
"""


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks (not a default session): writes ``benchmarks/RESULTS.md`` and its charts.

    Installs okxasync with the ``bench`` extra (the peers it is compared with: ccxt,
    python-okx, aiolimiter; uvloop for the opt-in uvloop condition; matplotlib for the charts), runs
    ``benchmarks/run.py`` (posargs go to it, e.g. ``-- --quick``), then every
    ``benchmarks/bench_*.py`` script; each writes its own RESULTS.md section. The
    instruction counts need valgrind from the system packages (``apt-get install
    valgrind``); a full run refuses to start without it.
    """
    if shutil.which("valgrind") is None and "--quick" not in session.posargs:
        session.error("valgrind is missing: install it first (apt-get install valgrind)")
    session.install(".[bench]")
    # A reused environment would keep an older build of okxasync: measure this tree.
    session.install("--no-deps", "--force-reinstall", ".")
    session.run("python", "benchmarks/run.py", *session.posargs)
    for script in sorted(Path("benchmarks").glob("bench_*.py")):
        session.run("python", str(script))
