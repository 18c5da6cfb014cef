"""The client benchmark harness still runs against the current package (its quick mode).

The peers it compares with (ccxt, python-okx) are installed only by ``nox -s bench``;
here the harness leaves out whichever is not importable and says so in its report.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

ALWAYS = ("okxasync", "raw aiohttp + msgspec", "raw aiohttp + json.loads")
PEERS = {
    "ccxt implicit method": "ccxt",
    "ccxt fetch_deposits (unified)": "ccxt",
    "python-okx": "okx",
}


def _rows(report: str, label: str) -> list[str]:
    return [line for line in report.splitlines() if line.startswith(f"| {label} | ")]


def test_quick_run_reports_every_importable_contender(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    committed = (REPO / "benchmarks" / "RESULTS.md").read_bytes()
    script = REPO / "benchmarks" / "run.py"
    done = subprocess.run(
        [sys.executable, str(script), "--quick", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env=cli_env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = (tmp_path / "RESULTS.md").read_text()
    section = report.split("<!-- begin clients -->", 1)[1].split("<!-- end clients -->", 1)[0]
    for label in ALWAYS:  # one row per condition, each with a positive µs/call
        rows = _rows(section, label)
        conditions = {
            row.split(" | ")[1] for row in rows if re.search(r"\| \d+ \| \d+-\d+ \|", row)
        }
        assert {"fresh", "warmed"} <= conditions, label
    for label, module in PEERS.items():
        importable = importlib.util.find_spec(module) is not None
        assert bool(_rows(section, label)) == importable, label
        said = f"Skipped: {label} (not importable: {module})"
        assert (said in section) != importable, label
        assert (f"skipped {label}: not importable" in done.stdout) != importable
    goal = _rows(section, "raw aiohttp + msgspec")[0]  # the goal table's row comes first
    assert re.search(r"\| ≤ 1\.05x \| \d+\.\d\dx \(\d+\.\d\d-\d+\.\d\d\) \|", goal), goal
    decode = re.search(r"Typed records vs `json.loads`: \*\*(\d+\.\d\d)x", section)
    assert decode is not None and float(decode.group(1)) > 0
    stages = [line for line in section.splitlines() if line.startswith("| decode | ")]
    assert len(stages) == 1, "the per-stage profile table has a decode row"
    assert (REPO / "benchmarks" / "RESULTS.md").read_bytes() == committed, "--out was ignored"
