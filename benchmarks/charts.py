"""PNG charts for ``RESULTS.md``; skipped with a note when matplotlib is missing."""

from __future__ import annotations

from pathlib import Path

import results

__all__ = ["draw"]


def draw(
    cpu: dict[str, tuple[float, float]], rates: dict[str, float], bursts: dict[str, float]
) -> None:
    """Write ``clients_{cpu,decode,concurrency}.png`` next to ``RESULTS.md``.

    ``cpu`` maps client -> (median µs, p99 µs); ``rates`` decoder -> records/s;
    ``bursts`` client -> calls/s.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: charts skipped (nox -s bench installs it)")
        return
    out = results.HERE
    _bars(
        plt,
        out / "clients_cpu.png",
        "Client CPU per signed call (µs, lower is better)",
        {name: median for name, (median, _) in cpu.items()},
        {name: p99 for name, (_, p99) in cpu.items()},
    )
    _bars(
        plt,
        out / "clients_decode.png",
        "Decoding the 100-record page (records/s, higher is better)",
        rates,
    )
    _bars(
        plt,
        out / "clients_concurrency.png",
        "1,000 concurrent calls (calls/s, higher is better)",
        bursts,
    )


def _bars(
    plt: object,
    path: Path,
    title: str,
    values: dict[str, float],
    marks: dict[str, float] | None = None,
) -> None:
    """Horizontal bars, first entry on top; ``marks`` (e.g. p99) drawn as ticks."""
    names = list(values)[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.55 * len(names) + 1.2))  # type: ignore[attr-defined]
    bars = ax.barh(names, [values[n] for n in names], color="#4C72B0")
    ax.bar_label(bars, fmt="{:,.0f}", padding=3, fontsize=8)
    if marks:
        ax.scatter(
            [marks[n] for n in names],
            names,
            marker="|",
            s=200,
            color="#C44E52",
            label="p99",
            zorder=3,
        )
        ax.legend(loc="lower right", fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.margins(x=0.15)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)  # type: ignore[attr-defined]
