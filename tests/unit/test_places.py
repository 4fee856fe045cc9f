"""Place resolution on the demo city's polygons and names, without a database."""

from __future__ import annotations

import pytest

from hotline.directory.service import demo_city
from hotline.routing.places import PlaceIndex, PlaceUnit, distance_m


@pytest.fixture(scope="module")
def index() -> PlaceIndex:
    units = demo_city()["units"]
    ids = {u["code"]: i + 1 for i, u in enumerate(units)}
    return PlaceIndex.build(
        PlaceUnit(
            id=ids[u["code"]],
            code=u["code"],
            name=u["name"],
            kind=u["kind"],
            parent_id=ids.get(u["parent"]) if u["parent"] else None,
            public_name=u.get("public_name"),
            name_en=u.get("name_en"),
            area=u["area"],
            duties=tuple(u["duties"]),
            keywords=tuple(u["keywords"]),
        )
        for u in units
    )


def codes(place) -> list[str]:  # type: ignore[no-untyped-def]
    return [u.code for u in place.chain]


def test_a_point_resolves_down_to_the_grid(index: PlaceIndex) -> None:
    place = index.locate(20.0071, 110.2906)
    assert codes(place) == ["d-longwan", "s-longwan-zhongshan", "c-longwan-boai", "g-longwan-boai-1"]
    assert place.method == "point"
    assert place.describe() == "龙湾区 › 中山街道 › 博爱社区 › 博爱社区第一网格"


def test_a_point_in_a_town_resolves_to_its_village(index: PlaceIndex) -> None:
    assert codes(index.locate(19.9, 110.2)) == ["d-yelin", "t-yelin-shita", "v-yelin-shita"]


def test_a_point_outside_the_city_has_no_place(index: PlaceIndex) -> None:
    assert index.locate(25.0, 110.0) is None
    assert index.locate(float("nan"), 110.0) is None


def test_an_address_resolves_by_the_names_it_mentions(index: PlaceIndex) -> None:
    place = index.find("龙湾区中山街道博爱社区12号楼")
    assert codes(place) == ["d-longwan", "s-longwan-zhongshan", "c-longwan-boai"]
    assert place.method == "address"
    assert codes(index.find("骑楼老街那边")) == ["d-longwan", "s-longwan-qilou", "c-longwan-laojie"]
    assert codes(index.find("石塔村村口")) == ["d-yelin", "t-yelin-shita", "v-yelin-shita"]
    assert index.find("中山路") is None  # a road is not a place the directory knows


def test_names_of_two_places_are_reported_as_a_conflict(index: PlaceIndex) -> None:
    place = index.find("滨江区博爱社区")
    assert codes(place)[-1] == "c-longwan-boai"
    assert place.conflicts == ("滨江区",)


def test_territorial_category_goes_to_the_lowest_unit_with_that_duty(index: PlaceIndex) -> None:
    boai = index.find("博爱社区")
    unit, duty = index.responsible(boai, ["噪音扰民", "广场舞"])
    assert unit.code == "s-longwan-zhongshan" and "噪音扰民" in duty
    unit, duty = index.responsible(boai, ["社区事务", "社区", "居委会"])
    assert unit.code == "c-longwan-boai"
    # the community only *assists* with property disputes (协助…): the street answers for them
    unit, _ = index.responsible(boai, ["小区物业", "物业"])
    assert unit.code == "s-longwan-zhongshan"
    # nobody below the district lists village affairs in an urban community: the district answers
    unit, duty = index.responsible(boai, ["村务和宅基地", "宅基地"])
    assert unit.code == "d-longwan" and duty is None


def test_distance_in_metres() -> None:
    assert abs(distance_m(20.0, 110.0, 20.0, 110.01) - 1045) < 10
