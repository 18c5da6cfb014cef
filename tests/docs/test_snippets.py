"""Every Python example in README.md and docs/ type-checks and runs against the emulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from .snippets import Snippet, emulator, program_env, run, snippets

SNIPPETS = list(snippets())


def test_the_documents_have_examples() -> None:
    documents = {snippet.document.name for snippet in SNIPPETS}
    assert "README.md" in documents
    assert len(SNIPPETS) >= 10


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[s.id for s in SNIPPETS])
def test_example_type_checks(snippet: Snippet, mypy_errors: dict[str, list[str]]) -> None:
    errors = mypy_errors.get(snippet.module_name, [])
    assert not errors, f"mypy --strict on {snippet.id}:\n" + "\n".join(errors)


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[s.id for s in SNIPPETS])
async def test_example_runs(
    snippet: Snippet, snippet_dir: Path, request: pytest.FixtureRequest
) -> None:
    extra = (
        {"REDIS_URL": request.getfixturevalue("redis_url")} if "REDIS_URL" in snippet.code else {}
    )
    module = str(snippet_dir / snippet.module_name)
    if snippet.is_pytest:
        args = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error", module]
        args += ["-o", "asyncio_mode=auto", "-o", "asyncio_default_fixture_loop_scope=function"]
    else:
        args = [module]
    async with emulator() as fake:
        finished = await run(args, program_env(fake, **extra), snippet_dir)
    assert finished.returncode == 0, f"{snippet.id}: {finished.report()}"
    assert finished.stdout, f"{snippet.id} printed nothing"
