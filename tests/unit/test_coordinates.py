"""GCJ-02 ⇄ WGS-84 against points published with two independent, widely used implementations."""

import pytest

from hotline.domain.coordinates import gcj02_to_wgs84, outside_china, wgs84_to_gcj02

# wandergis/coordtransform's own example (the same constants): WGS-84 (39.915, 116.404) in Beijing
BEIJING_WGS = (39.915, 116.404)
BEIJING_GCJ = (39.91640428150164, 116.41024449916938)
# and its inverse example: GCJ-02 (39.915, 116.404) is WGS-84 (≈39.9136, ≈116.3978)
BEIJING_GCJ_IN = (39.915, 116.404)
BEIJING_WGS_OUT = (39.91359571849836, 116.39775550083061)  # a one-step inverse: within ~1 m

# googollee/eviltransform's test points (wgsLat, wgsLng, gcjLat, gcjLng)
EVIL = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]


def test_forward_matches_the_published_beijing_point():
    lat, lon = wgs84_to_gcj02(*BEIJING_WGS)
    assert lat == pytest.approx(BEIJING_GCJ[0], abs=1e-9)
    assert lon == pytest.approx(BEIJING_GCJ[1], abs=1e-9)


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), EVIL)
def test_forward_and_back_match_the_published_city_points(wlat, wlon, glat, glon):
    lat, lon = wgs84_to_gcj02(wlat, wlon)
    assert (lat, lon) == pytest.approx((glat, glon), abs=1e-6)  # ~0.1 m (their earth radius differs)
    back = gcj02_to_wgs84(glat, glon)
    assert back == pytest.approx((wlat, wlon), abs=1e-6)


def test_the_inverse_is_exact_where_a_one_step_inverse_is_not():
    lat, lon = gcj02_to_wgs84(*BEIJING_GCJ_IN)
    assert (lat, lon) == pytest.approx(BEIJING_WGS_OUT, abs=2e-5)  # the published one-step answer
    assert wgs84_to_gcj02(lat, lon) == pytest.approx(BEIJING_GCJ_IN, abs=1e-9)  # ours round-trips


def test_the_shift_is_hundreds_of_metres_in_china_and_nothing_outside():
    lat, lon = wgs84_to_gcj02(20.02, 110.35)  # Haikou
    assert 0.001 < abs(lon - 110.35) + abs(lat - 20.02) < 0.01
    assert outside_china(40.7128, -74.006)
    assert wgs84_to_gcj02(40.7128, -74.006) == (40.7128, -74.006)  # New York: unchanged
    assert gcj02_to_wgs84(51.5, -0.12) == (51.5, -0.12)
