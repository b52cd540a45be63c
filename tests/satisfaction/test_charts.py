"""The server-drawn SVG charts, read back with xml.etree: accessible, escaped, to scale."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from moph_connect.satisfaction.charts import HEIGHT, MARGIN, Series, bar_chart, line_chart

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to check it


def test_bar_chart_is_an_accessible_image_with_bars_to_scale() -> None:
    root = parse(
        bar_chart("dist", "คะแนน 1-5", "How many gave each score", [("1", 2), ("2", 0), ("5", 8)])
    )
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "dist-title dist-desc"
    assert root.find("svg:title", NS).text == "คะแนน 1-5"  # type: ignore[union-attr]
    assert root.find("svg:desc", NS).text == "How many gave each score"  # type: ignore[union-attr]
    bars = root.findall(".//svg:g[@class='bars']/svg:rect", NS)
    assert [(b.get("data-label"), b.get("data-value")) for b in bars] == [
        ("1", "2"),
        ("2", "0"),
        ("5", "8"),
    ]
    heights = [float(b.get("height", "nan")) for b in bars]
    # The axis tops out at 10, the round number over 8; 8 is four times 2.
    assert heights[1] == 0.0
    assert heights[2] == pytest.approx(4 * heights[0])
    plot_height = HEIGHT - MARGIN[2] - MARGIN[3]
    assert heights[2] == pytest.approx(plot_height * 8 / 10)
    ticks = [t.text for t in root.findall(".//svg:g[@class='grid']/svg:text", NS)]
    assert ticks == ["0", "2", "4", "6", "8", "10"]
    # Every bar carries its value for screen readers and as a tooltip.
    assert [b.find("svg:title", NS).text for b in bars] == ["1: 2", "2: 0", "5: 8"]  # type: ignore[union-attr]


def test_labels_are_escaped_not_markup() -> None:
    hostile = '<script>alert("x")</script> & "quotes"'
    svg = bar_chart("x", hostile, hostile, [(hostile, 1)])
    assert "<script>" not in svg
    root = parse(svg)
    assert root.find("svg:title", NS).text == hostile  # type: ignore[union-attr]
    assert not root.findall(".//svg:script", NS)


def test_an_empty_distribution_still_draws_an_axis() -> None:
    root = parse(bar_chart("e", "t", "d", [(str(s), 0) for s in range(1, 6)]))
    ticks = [t.text for t in root.findall(".//svg:g[@class='grid']/svg:text", NS)]
    assert ticks == ["0", "1"]  # whole numbers only
    assert all(b.get("height") == "0.0" for b in root.findall(".//svg:rect", NS))


def test_line_chart_points_gaps_and_scale() -> None:
    labels = ["30 พ.ย.", "7 ธ.ค.", "14 ธ.ค.", "21 ธ.ค."]
    svg = line_chart(
        "trend",
        "Weekly mean",
        "Mean score per week",
        labels,
        [Series("mean", [4.0, None, 5.0, 1.0]), Series("NPS", [None, None, None, None])],
        y_min=1,
        y_max=5,
        ticks=[1, 2, 3, 4, 5],
    )
    root = parse(svg)
    mean = root.find(".//svg:g[@data-series='mean']", NS)
    assert mean is not None
    # The week without answers breaks the line in two.
    lines = mean.findall("svg:polyline", NS)
    assert [len(line.get("points", "").split()) for line in lines] == [1, 2]
    dots = mean.findall("svg:circle", NS)
    assert [d.get("data-value") for d in dots] == ["4", "5", "1"]
    ys = [float(d.get("cy", "nan")) for d in dots]
    top, plot_height = MARGIN[2], HEIGHT - MARGIN[2] - MARGIN[3]
    assert ys == pytest.approx([top + plot_height / 4, top, top + plot_height])
    assert dots[0].find("svg:title", NS).text == "mean, 30 พ.ย.: 4"  # type: ignore[union-attr]
    empty = root.find(".//svg:g[@data-series='NPS']", NS)
    assert empty is not None and not list(empty)
    assert [t.text for t in root.findall(".//svg:g[@class='legend']/svg:text", NS)] == [
        "mean",
        "NPS",
    ]


def test_line_chart_thins_its_labels_and_refuses_an_empty_scale() -> None:
    labels = [f"w{i}" for i in range(20)]
    svg = line_chart(
        "n", "t", "d", labels, [Series("s", [1.0] * 20)], y_min=0, y_max=2, ticks=[0, 2]
    )
    shown = [t.text for t in parse(svg).findall(".//svg:g[@class='x-axis']/svg:text", NS)]
    assert shown == ["w0", "w3", "w6", "w9", "w12", "w15", "w18"]
    with pytest.raises(ValueError, match="above"):
        line_chart("n", "t", "d", labels, [], y_min=1, y_max=1, ticks=[])
