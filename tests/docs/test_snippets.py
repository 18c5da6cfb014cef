"""Every Python example in README.md and docs/ type-checks and runs against the emulator."""

from __future__ import annotations

import pytest

from .snippets import Finished, Snippet, snippets

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
def test_example_runs(snippet: Snippet, snippet_runs: dict[str, Finished]) -> None:
    finished = snippet_runs[snippet.id]
    assert finished.returncode == 0, f"{snippet.id}: {finished.report()}"
    assert finished.stdout, f"{snippet.id} printed nothing"
