"""``benchmarks/RESULTS.md``: one file, one delimited section per benchmark script.

Each script writes only its own section with :func:`write_section`; the sections of
other scripts are left as they are, so ``nox -s bench`` (or any one script run alone)
refreshes just what it measured. Sections are kept in the order they were first added.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
from importlib import metadata
from pathlib import Path

__all__ = ["HERE", "RESULTS", "machine", "versions", "write_section"]

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"

_HEADER = """# Benchmarks

Reproduce every section with one command from the repository root:

```bash
apt-get install valgrind    # instruction counts (callgrind); the bench session needs it
pip install nox && nox -s bench
```

Each section below is written by one script in `benchmarks/` (named in the section);
`nox -s bench` runs them all on one machine, and each also runs alone inside the
session's environment (`.nox/bench/bin/python benchmarks/<script>.py`).
"""


def write_section(name: str, markdown: str, path: Path = RESULTS) -> None:
    """Replace (or append) the section ``name`` of ``path`` (``RESULTS.md``) with ``markdown``."""
    begin, end = f"<!-- begin {name} -->", f"<!-- end {name} -->"
    block = f"{begin}\n{markdown.strip()}\n{end}"
    text = path.read_text() if path.exists() else _HEADER
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)


def machine() -> str:
    """A Markdown list: CPU model and count, OS, Python, and the okxasync commit."""
    rows = {
        "CPU": f"{_cpu_model()} ({os.cpu_count()} logical CPUs)",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "okxasync commit": _git_commit(),
    }
    return "\n".join(f"- {key}: {value}" for key, value in rows.items())


def versions(*packages: str) -> str:
    """``name version`` of each installed distribution, comma-separated."""
    found = []
    for package in packages:
        try:
            found.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            found.append(f"{package} (not installed)")
    return ", ".join(found)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        )
        dirty = subprocess.run(
            ["git", "-C", str(HERE.parent), "status", "--porcelain", "--", "okxasync"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip() + (" + uncommitted changes to okxasync/" if dirty.stdout else "")
