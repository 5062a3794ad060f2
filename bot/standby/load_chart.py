"""The standby load as a picture: a bar chart (PNG) of hours per person, a flagged person's
bar in another colour and marked.

matplotlib is imported inside `draw` only, and with its object-oriented API (a `Figure`
with an Agg canvas): importing this module costs nothing, so an idle `opsbot serve` never
loads matplotlib, and drawing changes no global state (no pyplot, no backend switch)."""

from __future__ import annotations

import io
from collections.abc import Callable

from bot.standby.load import LoadReport
from bot.standby.load_render import hours, share, weeks_of

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BAR = "#457b9d"
FLAGGED = "#e63946"


def alt_text(report: LoadReport, name: Callable[[str], str] = str) -> str:
    """What the picture shows, for readers who cannot see it."""
    bars = ", ".join(
        f"{name(m.user)} {hours(m.hours)}" + (" (flagged)" if m.flagged else "")
        for m in report.members
    )
    return f"Hours on standby per person, {report.roster_name}, last {weeks_of(report)}: {bars}"[
        :1000
    ]


def filename(report: LoadReport) -> str:
    return f"standby-load-{report.roster_id}-{report.end:%Y-%m-%d}.png"


def draw(report: LoadReport, name: Callable[[str], str] = str) -> bytes:
    """The PNG of hours per person (names by `name`)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    people = report.members
    labels = [name(m.user) for m in people]
    values = [m.hours for m in people]
    colours = [FLAGGED if m.flagged else BAR for m in people]
    figure = Figure(figsize=(max(4.0, 1.1 * len(people) + 2), 3.6), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    bars = axes.bar(range(len(people)), values, color=colours)
    axes.set_xticks(range(len(people)), labels, rotation=20 if len(people) > 5 else 0)
    axes.set_ylabel("hours on standby")
    axes.set_title(f"{report.roster_name}: last {weeks_of(report)}")
    for bar, member in zip(bars, people, strict=True):
        text = f"{hours(member.hours)} · {share(member.share)}"
        if member.flagged:
            text += " ⚠"
        axes.annotate(
            text,
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
            color=FLAGGED if member.flagged else "black",
        )
    if report.seat_hours:
        limit = report.max_share * report.seat_hours
        axes.axhline(limit, color=FLAGGED, linestyle="--", linewidth=1)
        axes.annotate(
            f"max share {share(report.max_share)}",
            (1.0, limit),
            xycoords=("axes fraction", "data"),
            ha="right",
            va="bottom",
            fontsize=7,
            color=FLAGGED,
        )
    axes.set_ylim(0, max([*values, report.max_share * report.seat_hours, 1.0]) * 1.2)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
