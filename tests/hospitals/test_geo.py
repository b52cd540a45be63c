"""Distances and the nearest hospitals, in memory."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moph_connect.hospitals.geo import NearestIndex, haversine_km
from tests.hospitals.hospitals_data import BY_KEY


def test_haversine_matches_known_distances() -> None:
    pathum, siriraj, maharaj = BY_KEY["pathum"], BY_KEY["siriraj"], BY_KEY["maharaj"]
    assert haversine_km(
        pathum.latitude, pathum.longitude, siriraj.latitude, siriraj.longitude
    ) == pytest.approx(29.3, abs=0.5)
    assert haversine_km(
        siriraj.latitude, siriraj.longitude, maharaj.latitude, maharaj.longitude
    ) == pytest.approx(585, abs=5)
    assert haversine_km(0, 179.9, 0, -179.9) == pytest.approx(22.2, abs=0.1)  # across 180°
    assert haversine_km(13.75, 100.5, 13.75, 100.5) == 0


POINTS = st.lists(
    st.tuples(
        st.floats(min_value=5.5, max_value=20.5),
        st.floats(min_value=97.3, max_value=105.7),
    ),
    max_size=60,
)


@given(POINTS, st.floats(min_value=5, max_value=21), st.floats(min_value=97, max_value=106))
def test_nearest_is_what_measuring_every_one_gives(
    points: list[tuple[float, float]], latitude: float, longitude: float
) -> None:
    index = NearestIndex((f"p{i}", lat, lon) for i, (lat, lon) in enumerate(points))
    everyone = sorted(
        (haversine_km(latitude, longitude, lat, lon), f"p{i}")
        for i, (lat, lon) in enumerate(points)
    )
    found = index.nearest(latitude, longitude, 5)
    assert [d for d, _ in found] == pytest.approx([d for d, _ in everyone[:5]])


def test_distance_to_a_point_without_coordinates_is_none() -> None:
    index = NearestIndex([("a", 14.0, 100.5)])
    assert index.distance_to("a", 14.0, 100.5) == 0
    assert index.distance_to("b", 14.0, 100.5) is None
    assert index.nearest(14.0, 100.5, 0) == []
