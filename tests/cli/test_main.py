"""The entry points: ``python -m okxasync``, the console script, and the missing extra."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from okxasync import __version__

BLOCK_RICH = (
    "import sys; sys.modules['rich'] = None; "  # makes `import rich` raise ImportError
    "from okxasync._cli import main; sys.exit(main(sys.argv[1:]))"
)


def run(cmd: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60, check=False)


def test_help_lists_every_command(okxasync_cmd: list[str], cli_env: dict[str, str]) -> None:
    done = run([*okxasync_cmd, "--help"], cli_env)
    assert done.returncode == 0
    for command in ("demo", "serve", "export"):
        assert command in done.stdout


@pytest.mark.parametrize("command", [["demo"], ["export", "deposits", "--fake"]])
def test_without_the_cli_extra_says_how_to_install_it(
    command: list[str], cli_env: dict[str, str]
) -> None:
    done = run([sys.executable, "-c", BLOCK_RICH, *command], cli_env)
    assert done.returncode == 2
    assert 'pip install "okxasync[cli]"' in done.stderr
    assert "Traceback" not in done.stderr


def test_help_works_without_the_extra(cli_env: dict[str, str]) -> None:
    done = run([sys.executable, "-c", BLOCK_RICH, "export", "--help"], cli_env)
    assert done.returncode == 0
    assert "--since" in done.stdout


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--since", "yesterday"], "not an ISO-8601 time"),
        (["--ccy", "BTC,US-D"], "not a currency code"),
        (
            ["--fake", "--since", "2024-02-01", "--until", "2024-01-01T00:00Z"],
            "--since 2024-02-01 is not before --until 2024-01-01T00:00Z",
        ),
        (["--fake", "--since", "1717200000"], "looks like Unix seconds"),
        (["--fake", "-o", "deposits.json"], "name the file .jsonl, or pass --format jsonl"),
    ],
)
def test_bad_export_arguments_are_usage_errors(
    okxasync_cmd: list[str], cli_env: dict[str, str], args: list[str], complaint: str
) -> None:
    done = run([*okxasync_cmd, "export", "deposits", *args], cli_env)
    assert done.returncode == 2
    assert complaint in done.stderr
    assert "Traceback" not in done.stderr


def test_console_script(cli_env: dict[str, str]) -> None:
    script = Path(sys.executable).parent / "okxasync"
    if not script.exists():
        pytest.skip("the okxasync console script is not installed next to this interpreter")
    done = run([str(script), "--version"], cli_env)
    assert done.returncode == 0
    assert done.stdout.strip() == f"okxasync {__version__}"
