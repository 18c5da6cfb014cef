"""PNG charts for ``RESULTS.md``; skipped with a note when matplotlib is missing."""

from __future__ import annotations

import statistics
from pathlib import Path

__all__ = ["draw"]


def draw(out: Path, cpu: dict[str, dict[str, list[float]]], decode: list[float]) -> None:
    """Write ``clients_ratios.png`` and ``clients_decode.png`` into ``out``.

    ``cpu`` maps contender -> condition -> okxasync/contender CPU ratios (one per
    repetition); ``decode`` holds typed/json.loads speed ratios (one per batch pair).
    Bars are medians, whiskers the lowest and highest value.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: charts skipped (nox -s bench installs it)")
        return
    _ratio_chart(plt, out / "clients_ratios.png", cpu)
    _ratio_chart(
        plt,
        out / "clients_decode.png",
        {"okxasync records vs json.loads": {"speed": decode}},
        title="Typed decode speed / json.loads (higher is better)",
    )


def _ratio_chart(
    plt: object,
    path: Path,
    groups: dict[str, dict[str, list[float]]],
    title: str = "okxasync CPU per call / contender's (lower is better)",
) -> None:
    """Grouped horizontal bars with min-max whiskers and a line at 1.0."""
    names = list(groups)[::-1]
    conditions = list(next(iter(groups.values()))) if groups else []
    height = 0.8 / max(1, len(conditions))
    fig, ax = plt.subplots(figsize=(8, 0.9 * len(names) + 1.4))  # type: ignore[attr-defined]
    for i, condition in enumerate(conditions):
        ys = [n + i * height for n in range(len(names))]
        values = [groups[name][condition] for name in names]
        mids = [statistics.median(v) for v in values]
        errs = [
            [m - min(v) for m, v in zip(mids, values, strict=True)],
            [max(v) - m for m, v in zip(mids, values, strict=True)],
        ]
        bars = ax.barh(ys, mids, height=height, xerr=errs, capsize=3, label=condition)
        ax.bar_label(bars, fmt="{:.2f}x", padding=12, fontsize=8)
    ax.set_yticks([n + height * (len(conditions) - 1) / 2 for n in range(len(names))], names)
    ax.axvline(1.0, color="grey", linestyle="--", linewidth=1)
    if len(conditions) > 1:
        ax.legend(loc="lower right", fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.margins(x=0.2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)  # type: ignore[attr-defined]
