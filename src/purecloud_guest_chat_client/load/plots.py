"""The PNG plots of a run: reply latency over time with its percentiles, throughput over time,
and the latency histogram. They need matplotlib (the ``[load]`` extra)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .metrics import Recorder

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["MISSING_MATPLOTLIB", "PLOT_FILES", "plots_available", "write_plots"]

MISSING_MATPLOTLIB = "the plots need matplotlib: pip install 'purecloud-guest-chat-client[load]'"
PLOT_FILES = ("latency_over_time.png", "throughput_over_time.png", "latency_histogram.png")


def plots_available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def write_plots(recorder: Recorder, out_dir: Path, title: str) -> list[Path]:
    """Write the three plots into ``out_dir``; ImportError with MISSING_MATPLOTLIB without
    matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(MISSING_MATPLOTLIB) from None
    rows = recorder.per_second()
    paths = []
    for name, draw in zip(
        PLOT_FILES, (_latency_over_time, _throughput_over_time, _histogram), strict=True
    ):
        figure = Figure(figsize=(9, 4.8), dpi=100, layout="constrained")
        draw(figure, recorder, rows)
        figure.suptitle(f"{title}: {figure.get_label()}", fontsize=11)
        path = out_dir / name
        figure.savefig(path)
        paths.append(path)
    return paths


def _latency_over_time(figure: Figure, recorder: Recorder, rows: list[dict[str, Any]]) -> None:
    figure.set_label("reply latency over time")
    axes = figure.add_subplot()
    ended_at, seconds = recorder.samples("reply")
    if len(seconds):
        axes.scatter(
            list(ended_at),
            [value * 1000 for value in seconds],
            s=2,
            alpha=0.15,
            color="tab:gray",
            label="each reply",
            rasterized=True,
        )
    for key, label, colour in (
        ("replyP50Ms", "p50", "tab:blue"),
        ("replyP90Ms", "p90", "tab:orange"),
        ("replyP99Ms", "p99", "tab:red"),
    ):
        points = [(row["second"] + 0.5, row[key]) for row in rows if key in row]
        if points:
            axes.plot(*zip(*points, strict=True), label=f"{label} per second", color=colour)
    axes.set_xlabel("seconds since the start")
    axes.set_ylabel("reply latency (ms)")
    if len(seconds) and max(seconds) / max(min(seconds), 1e-6) > 50:
        axes.set_yscale("log")
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left", fontsize=8)


def _throughput_over_time(figure: Figure, recorder: Recorder, rows: list[dict[str, Any]]) -> None:
    figure.set_label("throughput over time")
    axes = figure.add_subplot()
    seconds = [row["second"] + 0.5 for row in rows]
    axes.plot(seconds, [row["sent"] for row in rows], label="messages sent/s", color="tab:blue")
    axes.plot(
        seconds, [row["received"] for row in rows], label="answers received/s", color="tab:green"
    )
    axes.set_xlabel("seconds since the start")
    axes.set_ylabel("per second")
    axes.grid(alpha=0.3)
    cpu = [(row["second"] + 0.5, row["cpu"] * 100) for row in rows if row["cpu"] is not None]
    if cpu:
        other = axes.twinx()
        other.plot(
            *zip(*cpu, strict=True),
            color="tab:red",
            alpha=0.5,
            linestyle="--",
            label="generator CPU (% of a core)",
        )
        other.set_ylabel("generator CPU (% of one core)")
        other.set_ylim(0, max(110, max(value for _s, value in cpu) * 1.1))
        other.legend(loc="upper right", fontsize=8)
    axes.legend(loc="upper left", fontsize=8)


def _histogram(figure: Figure, recorder: Recorder, _rows: list[dict[str, Any]]) -> None:
    figure.set_label("reply latency histogram")
    axes = figure.add_subplot()
    _ended, seconds = recorder.samples("reply")
    values = [value * 1000 for value in seconds]
    if values:
        low, high = max(min(values), 0.01), max(values)
        if high / low > 20:
            bins = [low * (high / low) ** (step / 60) for step in range(61)]
            axes.set_xscale("log")
        else:
            bins = 60  # type: ignore[assignment]
        axes.hist(values, bins=bins, color="tab:blue", alpha=0.8)
        stats = recorder.stats("reply")
        assert stats is not None
        for name, colour in (("p50", "tab:green"), ("p90", "tab:orange"), ("p99", "tab:red")):
            value = getattr(stats, name) * 1000
            axes.axvline(value, color=colour, linestyle="--", label=f"{name} {value:.1f} ms")
        axes.legend(fontsize=8)
    axes.set_xlabel("reply latency (ms)")
    axes.set_ylabel("replies")
    axes.grid(alpha=0.3)
