"""Charts drawn on the server as SVG text: pure functions, no JavaScript, no I/O.

Built with `xml.etree.ElementTree`, so every label (a hospital's name, a translated word)
is escaped by the serialiser, never pasted into markup. Each chart is an accessible image:
`role="img"`, a `<title>` and a `<desc>` it is labelled by, and a `<title>` on each bar
and point with its exact value (shown as a tooltip, read by screen readers).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

SVG_NS: Final = "http://www.w3.org/2000/svg"
WIDTH: Final = 560
HEIGHT: Final = 260
# Room for the axis labels: left, right, top, bottom.
MARGIN: Final = (48, 16, 16, 40)
INK: Final = "#1b1f23"
GRID: Final = "#d0d7de"
BAR_FILL: Final = "#00695c"
# Colour-blind-safe pair (Okabe-Ito blue and vermilion) for two series.
SERIES_COLOURS: Final = ("#0072b2", "#d55e00")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]  # one per label; None: no data that week (a gap)


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if value % 1 else str(int(value))


def _svg(chart_id: str, title: str, desc: str) -> ET.Element:
    svg = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "viewBox": f"0 0 {WIDTH} {HEIGHT}",
            "role": "img",
            "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
            "id": chart_id,
            "class": "chart",
            "font-family": "inherit",
            "font-size": "15",
        },
    )
    ET.SubElement(svg, "title", id=f"{chart_id}-title").text = title
    ET.SubElement(svg, "desc", id=f"{chart_id}-desc").text = desc
    return svg


def _text(parent: ET.Element, x: float, y: float, text: str, anchor: str = "middle") -> None:
    label = ET.SubElement(
        parent, "text", {"x": f"{x:.1f}", "y": f"{y:.1f}", "fill": INK, "text-anchor": anchor}
    )
    label.text = text


def _plot_box() -> tuple[float, float, float, float]:
    left, right, top, bottom = MARGIN
    return left, top, WIDTH - left - right, HEIGHT - top - bottom


def _y_axis(svg: ET.Element, ticks: Sequence[float], y_of: dict[float, float]) -> None:
    left, _, width, _ = _plot_box()
    grid = ET.SubElement(svg, "g", {"class": "grid", "aria-hidden": "true"})
    for tick in ticks:
        y = y_of[tick]
        ET.SubElement(
            grid,
            "line",
            x1=f"{left:.1f}",
            x2=f"{left + width:.1f}",
            y1=f"{y:.1f}",
            y2=f"{y:.1f}",
            stroke=GRID,
        )
        _text(grid, left - 6, y + 4, _fmt(tick), anchor="end")


def _nice_top(value: int) -> int:
    """A round axis maximum at or above `value` (1, 2, 5 × a power of ten)."""
    top = 1
    while True:
        for step in (1, 2, 5):
            if step * top >= value:
                return step * top
        top *= 10


def bar_chart(chart_id: str, title: str, desc: str, bars: Sequence[tuple[str, int]]) -> str:
    """Counts as vertical bars, e.g. how many answered 1, 2, 3, 4 and 5."""
    svg = _svg(chart_id, title, desc)
    left, top, width, height = _plot_box()
    highest = _nice_top(max((count for _, count in bars), default=0) or 1)
    # Whole-number ticks: 1, 2 and 5 step by one; 10, 20, 50, ... in fifths.
    steps = min(highest, 5)
    ticks = [highest * i // steps for i in range(steps + 1)]
    _y_axis(svg, ticks, {t: top + height - height * t / highest for t in ticks})
    slot = width / max(len(bars), 1)
    group = ET.SubElement(svg, "g", {"class": "bars"})
    for index, (label, count) in enumerate(bars):
        bar_height = height * count / highest
        x = left + index * slot + slot * 0.15
        bar = ET.SubElement(
            group,
            "rect",
            {
                "x": f"{x:.1f}",
                "y": f"{top + height - bar_height:.1f}",
                "width": f"{slot * 0.7:.1f}",
                "height": f"{bar_height:.1f}",
                "fill": BAR_FILL,
                "data-label": label,
                "data-value": str(count),
            },
        )
        ET.SubElement(bar, "title").text = f"{label}: {count}"
        centre = left + index * slot + slot / 2
        _text(group, centre, top + height - bar_height - 4, str(count))
        _text(group, centre, top + height + 16, label)
    return ET.tostring(svg, encoding="unicode")


def line_chart(
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    y_min: float,
    y_max: float,
    ticks: Sequence[float],
) -> str:
    """Values over time (one per label, e.g. per week) as lines; a None breaks the line."""
    if y_max <= y_min:
        raise ValueError("y_max must be above y_min")
    svg = _svg(chart_id, title, desc)
    left, top, width, height = _plot_box()

    def y_of(value: float) -> float:
        clipped = min(max(value, y_min), y_max)
        return top + height - height * (clipped - y_min) / (y_max - y_min)

    _y_axis(svg, ticks, {t: y_of(t) for t in ticks})
    step = width / max(len(labels), 1)
    x_of = [left + step * (i + 0.5) for i in range(len(labels))]
    axis = ET.SubElement(svg, "g", {"class": "x-axis"})
    # At most ~8 labels fit under the chart; the others are kept in each point's title.
    every = max(1, -(-len(labels) // 8))
    for index, label in enumerate(labels):
        if index % every == 0:
            _text(axis, x_of[index], top + height + 16, label)
    legend = ET.SubElement(svg, "g", {"class": "legend"})
    for number, line in enumerate(series):
        colour = SERIES_COLOURS[number % len(SERIES_COLOURS)]
        group = ET.SubElement(svg, "g", {"class": "series", "data-series": line.name})
        run: list[str] = []
        runs: list[list[str]] = []
        for index, value in enumerate(line.values):
            if value is None:
                if run:
                    runs.append(run)
                run = []
                continue
            point = f"{x_of[index]:.1f},{y_of(value):.1f}"
            run.append(point)
        if run:
            runs.append(run)
        for points in runs:
            ET.SubElement(
                group,
                "polyline",
                {"points": " ".join(points), "fill": "none", "stroke": colour, "stroke-width": "2"},
            )
        for index, value in enumerate(line.values):
            if value is None:
                continue
            dot = ET.SubElement(
                group,
                "circle",
                {
                    "cx": f"{x_of[index]:.1f}",
                    "cy": f"{y_of(value):.1f}",
                    "r": "3.5",
                    "fill": colour,
                    "data-value": _fmt(value),
                },
            )
            ET.SubElement(dot, "title").text = f"{line.name}, {labels[index]}: {_fmt(value)}"
        key_x = left + 8 + number * 150
        ET.SubElement(
            legend,
            "rect",
            x=f"{key_x:.1f}",
            y=f"{top:.1f}",
            width="12",
            height="12",
            fill=colour,
        )
        _text(legend, key_x + 16, top + 10, line.name, anchor="start")
    return ET.tostring(svg, encoding="unicode")
