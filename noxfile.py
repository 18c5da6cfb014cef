"""Developer sessions: ``nox -s tests``, ``nox -s lint``, ``nox -s typecheck``, ``nox -s bench``.

Each session installs the package with the extras it needs into its own virtualenv,
so they work the same on a fresh machine and in CI. Sessions use the interpreter
that runs nox (Python >= 3.10).
"""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite against the FakeExchange emulator (and redis-server)."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package and the tests."""
    session.install("-e", ".[lint]")
    session.run("mypy", "--strict", "okxasync", "tests")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks (not a default session): writes ``benchmarks/RESULTS.md`` and its charts.

    Installs okxasync with the peers it is compared with (python-okx, ccxt) and
    matplotlib, runs ``benchmarks/run.py`` (posargs go to it, e.g. ``-- --quick``),
    then every ``benchmarks/bench_*.py`` script; each writes its own RESULTS.md section.
    """
    session.install(".", "python-okx", "ccxt", "matplotlib")
    # A reused environment would keep an older build of okxasync: measure this tree.
    session.install("--no-deps", "--force-reinstall", ".")
    session.run("python", "benchmarks/run.py", *session.posargs)
    for script in sorted(Path("benchmarks").glob("bench_*.py")):
        session.run("python", str(script))
