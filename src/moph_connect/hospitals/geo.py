"""Nearest hospitals to a point, in memory. Pure.

Points are kept sorted by latitude. A search walks outwards from the point's latitude and
stops once the latitude difference alone is farther than the k-th nearest found so far
(a great-circle distance is never shorter than the north-south distance), so it reads only
a thin band of the country: about a millisecond for 12,000 hospitals.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections.abc import Iterable

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
KM_PER_DEGREE_LATITUDE = math.pi * EARTH_RADIUS_KM / 180


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


class NearestIndex:
    def __init__(self, points: Iterable[tuple[str, float, float]]) -> None:
        """`points`: (id, latitude, longitude) in degrees."""
        ordered = sorted(points, key=lambda point: (point[1], point[0]))
        self._latitudes = [latitude for _, latitude, _ in ordered]
        self._points = ordered
        self._where = {point_id: (latitude, longitude) for point_id, latitude, longitude in ordered}

    def __len__(self) -> int:
        return len(self._points)

    def distance_to(self, point_id: str, latitude: float, longitude: float) -> float | None:
        """km from the point to `point_id`, or None if it has no coordinates."""
        where = self._where.get(point_id)
        return None if where is None else haversine_km(latitude, longitude, *where)

    def nearest(self, latitude: float, longitude: float, count: int) -> list[tuple[float, str]]:
        """The `count` nearest (km, id), nearest first (ties by id)."""
        if count <= 0:
            return []
        # A max-heap of the best so far, as (-distance, id) so the farthest is on top.
        best: list[tuple[float, str]] = []
        start = bisect.bisect_left(self._latitudes, latitude)
        below, above = start - 1, start
        while below >= 0 or above < len(self._points):
            # Take the side whose next point is closer in latitude.
            go_below = above >= len(self._points) or (
                below >= 0
                and latitude - self._latitudes[below] <= self._latitudes[above] - latitude
            )
            position = below if go_below else above
            point_id, point_latitude, point_longitude = self._points[position]
            if len(best) == count:
                bound = abs(latitude - point_latitude) * KM_PER_DEGREE_LATITUDE
                if bound > -best[0][0]:
                    break  # every point left is farther north or south than that
            distance = haversine_km(latitude, longitude, point_latitude, point_longitude)
            if len(best) < count:
                heapq.heappush(best, (-distance, point_id))
            elif (distance, point_id) < (-best[0][0], best[0][1]):
                heapq.heapreplace(best, (-distance, point_id))
            if go_below:
                below -= 1
            else:
                above += 1
        return sorted((-negative, point_id) for negative, point_id in best)
