"""MkDocs hook: serve files that live outside ``docs/`` from where they are kept.

- ``benchmarks/RESULTS.md`` becomes the page ``benchmarks/index.md``, next to its charts
  (``benchmarks/*.png``), so the results are written once, by ``nox -s bench``.
- ``CHANGELOG.md`` and ``CONTRIBUTING.md`` become ``changelog.md`` and ``contributing.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
PAGES = {
    "benchmarks/index.md": ROOT / "benchmarks" / "RESULTS.md",
    "changelog.md": ROOT / "CHANGELOG.md",
    "contributing.md": ROOT / "CONTRIBUTING.md",
}


def on_files(files: Files, config: Any) -> Files:
    for uri, source in PAGES.items():
        files.append(File.generated(config, uri, abs_src_path=str(source)))
    for chart in sorted((ROOT / "benchmarks").glob("*.png")):
        files.append(File.generated(config, f"benchmarks/{chart.name}", abs_src_path=str(chart)))
    return files
