"""Reading `/metrics` back as Prometheus would: the official parser, then plain numbers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families

Labels = frozenset[tuple[str, str]]


@dataclass(frozen=True)
class Scrape:
    text: str
    # sample name → labels → value
    samples: Mapping[str, Mapping[Labels, float]]
    # family name → its type ("counter", "gauge", "histogram")
    types: Mapping[str, str]

    def value(self, name: str, **labels: str) -> float:
        """The sample with exactly these labels; 0 when absent (a counter not yet moved)."""
        return self.samples.get(name, {}).get(frozenset(labels.items()), 0.0)

    def labelled(self, name: str) -> dict[Labels, float]:
        return dict(self.samples.get(name, {}))


def parse(text: str) -> Scrape:
    samples: dict[str, dict[Labels, float]] = {}
    types: dict[str, str] = {}
    for family in text_string_to_metric_families(text):
        types[family.name] = family.type
        for sample in family.samples:
            samples.setdefault(sample.name, {})[frozenset(sample.labels.items())] = sample.value
    return Scrape(text, samples, types)


def scrape(client: httpx.Client, path: str = "/metrics") -> Scrape:
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return parse(response.text)
