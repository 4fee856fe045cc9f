"""Positions: WGS-84 is the platform's only datum; GCJ-02 points from Chinese map apps are converted.

A phone's position (the browser's Geolocation API, GPS) is WGS-84, and so are the city's polygons.
Maps published in mainland China (AMap/Gaode, Tencent, the WeChat location picker; Baidu adds a
further shift, BD-09, which the platform does not accept) show and hand out GCJ-02 points, shifted
from WGS-84 by a few hundred metres by a published, non-secret formula. A point said to be GCJ-02
is converted to WGS-84 before it is stored (`gcj02_to_wgs84`, the formula inverted by iteration to
well under a centimetre); outside China the two datums are the same and nothing is changed.
"""

from __future__ import annotations

import math
from typing import Final

_A: Final = 6378245.0  # the Krasovsky ellipsoid's semi-major axis, as the GCJ-02 formula uses it
_EE: Final = 0.00669342162296594323


def outside_china(lat: float, lon: float) -> bool:
    """The GCJ-02 shift applies only within this box (the formula's own bounds)."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _shift(lat: float, lon: float) -> tuple[float, float]:
    x, y = lon - 105.0, lat - 35.0
    base = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x)) + base
    dlat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x)) + base
    dlon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    root = math.sqrt(magic)
    dlat = dlat * 180.0 / ((_A * (1 - _EE)) / (magic * root) * math.pi)
    dlon = dlon * 180.0 / (_A / root * math.cos(rad) * math.pi)
    return dlat, dlon


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """(lat, lon) as a Chinese map app shows the WGS-84 point (lat, lon)."""
    if outside_china(lat, lon):
        return lat, lon
    dlat, dlon = _shift(lat, lon)
    return lat + dlat, lon + dlon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """The WGS-84 (lat, lon) of a GCJ-02 point: the forward formula inverted by fixed-point steps
    (each step's error is about a thousandth of the last; stops under 1e-10 degrees, ~0.01 mm)."""
    if outside_china(lat, lon):
        return lat, lon
    wlat, wlon = lat, lon
    for _ in range(30):
        glat, glon = wgs84_to_gcj02(wlat, wlon)
        elat, elon = glat - lat, glon - lon
        wlat, wlon = wlat - elat, wlon - elon
        if abs(elat) < 1e-10 and abs(elon) < 1e-10:
            break
    return wlat, wlon
