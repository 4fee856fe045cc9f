"""Checks on the demo city's data file (src/hotline/directory/demo_city.json); no database.

Each test guards against a mistake that is easy to make when the file is edited by hand: a typo in a
parent code, a unit placed at the wrong level, a street drawn outside its district, a category routed
to a unit that does not exist, a role with no demo user.
"""

import json
import re
from collections import Counter
from pathlib import Path

import pytest

DATA_FILE = Path(__file__).resolve().parents[2] / "src" / "hotline" / "directory" / "demo_city.json"

UNIT_KEYS = {"code", "name", "name_en", "kind", "parent", "public_name", "duties", "keywords", "area"}
USER_KEYS = {"username", "display_name", "role", "unit", "password"}
TOP_CATEGORY_KEYS = {"code", "name", "name_en", "children"}
LEAF_CATEGORY_KEYS = {"code", "name", "name_en", "default_unit", "territorial", "keywords"}
ROLES = {"operator", "dispatcher", "supervisor", "admin", "unit_handler", "unit_reviewer", "grid_worker"}

# level = depth in the unit tree, the centre being 1 (GLOSSARY: 层级)
LEVELS_BY_KIND = {
    "centre": {1},
    "district": {2},
    "department": {2, 3},  # level 3: a department's own sub-unit (e.g. its enforcement detachment)
    "enterprise": {2},
    "street": {3},
    "town": {3},
    "community": {4},
    "village": {4},
    "grid": {5},
}
PARENT_KINDS = {
    "district": {"centre"},
    "department": {"centre", "department"},
    "enterprise": {"centre"},
    "street": {"district"},
    "town": {"district"},
    "community": {"street", "town"},
    "village": {"street", "town"},
    "grid": {"community", "village"},
}
POLYGON_KINDS = {"district", "street", "town"}
POINT_KINDS = {"community", "village", "grid"}

UNIT_CODE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
CATEGORY_CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$")
USERNAME = re.compile(r"^[a-z][a-z0-9._-]*$")
HAN = re.compile(r"[\u4e00-\u9fff]")
PASSWORD_SCHEME = "Demo-{username}-2026"  # documented in docs/demo-city.md

# a box around the city (the Qiongzhou Strait coast near 20.0N 110.3E)
LAT_RANGE = (19.7, 20.2)
LON_RANGE = (110.0, 110.7)


# ---------------------------------------------------------------- helpers
@pytest.fixture(scope="module")
def data():
    with DATA_FILE.open(encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="module")
def units(data):
    return {u["code"]: u for u in data["units"]}


def depth(units, code):
    n = 1
    while units[code]["parent"] is not None:
        code = units[code]["parent"]
        n += 1
    return n


def leaves(data):
    return [leaf for top in data["categories"] for leaf in top["children"]]


def on_segment(p, a, b, eps=1e-9):
    cross = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0])
    if abs(cross) > eps:
        return False
    return (
        min(a[0], b[0]) - eps <= p[0] <= max(a[0], b[0]) + eps
        and min(a[1], b[1]) - eps <= p[1] <= max(a[1], b[1]) + eps
    )


def on_boundary(p, poly):
    return any(on_segment(p, poly[i], poly[(i + 1) % len(poly)]) for i in range(len(poly)))


def strictly_inside(p, poly):
    """Ray casting; points on the boundary are not strictly inside."""
    if on_boundary(p, poly):
        return False
    y, x = p
    inside = False
    for i in range(len(poly)):
        (y1, x1), (y2, x2) = poly[i], poly[(i + 1) % len(poly)]
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def inside_or_on(p, poly):
    return on_boundary(p, poly) or strictly_inside(p, poly)


def probes(poly, steps=10):
    """The vertices, points along every edge, and the vertex centroid of a polygon."""
    points = []
    for k in range(len(poly)):
        (y1, x1), (y2, x2) = poly[k], poly[(k + 1) % len(poly)]
        points += [[y1 + (y2 - y1) * t / steps, x1 + (x2 - x1) * t / steps] for t in range(steps)]
    points.append([sum(p[0] for p in poly) / len(poly), sum(p[1] for p in poly) / len(poly)])
    return points


def test_point_in_polygon_helpers():
    square = [[0, 0], [0, 2], [2, 2], [2, 0]]
    assert strictly_inside([1, 1], square)
    assert not strictly_inside([3, 1], square)
    assert not strictly_inside([0, 1], square) and inside_or_on([0, 1], square)
    assert not inside_or_on([2.0001, 1], square)


# ---------------------------------------------------------------- shape of the file
def test_file_is_utf8_json_with_the_contract_keys(data):
    assert set(data) == {"city", "units", "users", "categories"}
    city = data["city"]
    assert set(city) == {"name", "name_en", "timezone", "calendar", "centre_unit", "map_center"}
    assert HAN.search(city["name"]) and city["name"].endswith("市")
    assert city["timezone"] == "Asia/Shanghai" and city["calendar"] == "cn"
    for u in data["units"]:
        assert set(u) == UNIT_KEYS, u.get("code")
    for u in data["users"]:
        assert set(u) == USER_KEYS, u.get("username")
    for top in data["categories"]:
        assert set(top) == TOP_CATEGORY_KEYS, top.get("code")
        for leaf in top["children"]:
            assert set(leaf) == LEAF_CATEGORY_KEYS, leaf.get("code")


def test_file_is_human_editable():
    text = DATA_FILE.read_text(encoding="utf-8")
    assert "\\u" not in text, "write Chinese as is (ensure_ascii=False)"
    assert text.startswith('{\n  "city"'), "indent 2"
    assert text.endswith("\n")


# ---------------------------------------------------------------- units
def test_unit_codes_are_unique_and_well_formed(data):
    codes = [u["code"] for u in data["units"]]
    dupes = [c for c, n in Counter(codes).items() if n > 1]
    assert not dupes
    assert [c for c in codes if not UNIT_CODE.match(c)] == []


def test_parents_exist_and_come_first(data):
    seen = set()
    for u in data["units"]:
        if u["parent"] is not None:
            assert u["parent"] in seen, f"{u['code']}: parent {u['parent']} missing or listed after it"
        seen.add(u["code"])


def test_the_centre_is_the_only_root(data, units):
    roots = [u["code"] for u in data["units"] if u["parent"] is None]
    assert roots == [data["city"]["centre_unit"]]
    assert units[roots[0]]["kind"] == "centre"
    assert data["units"][0]["code"] == roots[0]


def test_kinds_fit_levels_and_parents(data, units):
    wrong = []
    for u in data["units"]:
        level = depth(units, u["code"])
        if level not in LEVELS_BY_KIND[u["kind"]]:
            wrong.append(f"{u['code']}: {u['kind']} at level {level}")
        if u["parent"] is not None and units[u["parent"]]["kind"] not in PARENT_KINDS[u["kind"]]:
            wrong.append(f"{u['code']}: {u['kind']} under a {units[u['parent']]['kind']}")
    assert wrong == []


def test_code_prefix_matches_kind(data):
    prefixes = {
        "district": "d-",
        "department": "dept-",
        "enterprise": "ent-",
        "street": "s-",
        "town": "t-",
        "community": "c-",
        "village": "v-",
        "grid": "g-",
    }
    wrong = [
        u["code"]
        for u in data["units"]
        if u["kind"] != "centre" and not u["code"].startswith(prefixes[u["kind"]])
    ]
    assert wrong == []


def test_territorial_codes_carry_their_district(data, units):
    """s-longwan-x must lie in d-longwan: catches a street pasted under the wrong district."""
    wrong = []
    for u in data["units"]:
        if u["kind"] in {"street", "town", "community", "village", "grid"}:
            district = u["code"].split("-")[1]
            code = u["code"]
            while units[code]["kind"] != "district":
                code = units[code]["parent"]
            if code != f"d-{district}":
                wrong.append(u["code"])
    assert wrong == []


def test_the_city_has_the_promised_size(data, units):
    kinds = Counter(u["kind"] for u in data["units"])
    assert 5 <= kinds["district"] <= 8
    assert 18 <= kinds["department"] + kinds["enterprise"] <= 30
    assert kinds["enterprise"] >= 4
    assert 4 <= kinds["grid"] <= 6
    children = {c: [u for u in data["units"] if u["parent"] == c] for c in units}
    for d in (u for u in data["units"] if u["kind"] == "district"):
        assert 2 <= len(children[d["code"]]) <= 4, d["code"]
    well_filled = [
        d["code"]
        for d in data["units"]
        if d["kind"] == "district" and all(1 <= len(children[s["code"]]) <= 3 for s in children[d["code"]])
    ]
    assert len(well_filled) >= 2
    assert len({u["parent"] for u in data["units"] if u["kind"] == "grid"}) <= 2
    subunits = Counter(
        u["parent"] for u in data["units"] if u["kind"] == "department" and u["parent"] != "centre"
    )
    assert all(n <= 2 for n in subunits.values())


def test_units_have_chinese_names_and_english_names(data):
    wrong = []
    for u in data["units"]:
        if not (HAN.search(u["name"]) and HAN.search(u["public_name"])):
            wrong.append(f"{u['code']}: name")
        if not u["name_en"] or not u["name_en"].isascii() or HAN.search(u["name_en"]):
            wrong.append(f"{u['code']}: name_en")
    assert wrong == []
    names = Counter(u["name"] for u in data["units"])
    assert [n for n, k in names.items() if k > 1] == []


def test_duties_and_keywords(data):
    wrong = []
    for u in data["units"]:
        duties, keywords = u["duties"], u["keywords"]
        sizeable = u["kind"] in {"department", "enterprise", "district", "street", "town"}
        low, high = (3, 8) if sizeable else (1, 8)
        if not low <= len(duties) <= high:
            wrong.append(f"{u['code']}: {len(duties)} duties")
        if any(not isinstance(d, str) or not d.startswith("负责") or not HAN.search(d) for d in duties):
            wrong.append(f"{u['code']}: a duty does not read 负责…")
        if len(set(duties)) != len(duties):
            wrong.append(f"{u['code']}: repeated duty")
        if not keywords or any(not isinstance(k, str) or not k.strip() for k in keywords):
            wrong.append(f"{u['code']}: keywords")
    assert wrong == []


# ---------------------------------------------------------------- areas
def is_point(value):
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(x, int | float) and not isinstance(x, bool) for x in value)
    )


def in_city_box(p):
    return LAT_RANGE[0] <= p[0] <= LAT_RANGE[1] and LON_RANGE[0] <= p[1] <= LON_RANGE[1]


def test_area_shapes_fit_the_kind(data):
    wrong = []
    for u in data["units"]:
        area = u["area"]
        if u["kind"] in POLYGON_KINDS:
            if not (isinstance(area, list) and 4 <= len(area) <= 8 and all(map(is_point, area))):
                wrong.append(f"{u['code']}: needs a polygon of 4-8 points")
            elif not all(map(in_city_box, area)):
                wrong.append(f"{u['code']}: polygon outside the city (lat, lon swapped?)")
        elif u["kind"] in POINT_KINDS:
            if area is not None and not (is_point(area) and in_city_box(area)):
                wrong.append(f"{u['code']}: area must be null or a [lat, lon] point in the city")
        elif area is not None:
            wrong.append(f"{u['code']}: no area expected")
    assert wrong == []


def test_map_center_is_inside_a_district(data):
    center = data["city"]["map_center"]
    assert is_point(center)
    districts = [u["area"] for u in data["units"] if u["kind"] == "district"]
    assert any(inside_or_on(center, poly) for poly in districts)


def test_streets_and_towns_lie_inside_their_district(data, units):
    wrong = []
    for u in data["units"]:
        if u["kind"] in {"street", "town"}:
            district = units[u["parent"]]["area"]
            outside = [p for p in probes(u["area"]) if not inside_or_on(p, district)]
            if outside:
                wrong.append(f"{u['code']}: {outside}")
    assert wrong == []


def test_points_lie_inside_their_street(data, units):
    wrong = []
    for u in data["units"]:
        if u["kind"] in POINT_KINDS and u["area"] is not None:
            code = u["parent"]
            while units[code]["kind"] not in {"street", "town"}:
                code = units[code]["parent"]
            if not strictly_inside(u["area"], units[code]["area"]):
                wrong.append(f"{u['code']} is not inside {code}")
    assert wrong == []


def test_sibling_areas_do_not_overlap(data):
    """No point of a district's (street's) outline, nor its centre, lies strictly inside a sibling.

    Shared edges are fine: siblings tile their parent.
    """
    groups = {}
    for u in data["units"]:
        if u["kind"] in POLYGON_KINDS:
            groups.setdefault(u["parent"], []).append(u)
    wrong = []
    for siblings in groups.values():
        for a in siblings:
            for b in siblings:
                if a is not b and any(strictly_inside(p, b["area"]) for p in probes(a["area"])):
                    wrong.append(f"{a['code']} overlaps {b['code']}")
    assert wrong == []


# ---------------------------------------------------------------- users
def test_usernames_are_unique_and_ascii(data):
    names = [u["username"] for u in data["users"]]
    assert [n for n, k in Counter(names).items() if k > 1] == []
    assert [n for n in names if not USERNAME.match(n)] == []


def test_users_belong_to_existing_units_with_known_roles(data, units):
    assert [u["username"] for u in data["users"] if u["unit"] not in units] == []
    assert [u["username"] for u in data["users"] if u["role"] not in ROLES] == []
    assert [u["username"] for u in data["users"] if not HAN.search(u["display_name"])] == []


def test_every_role_is_present_where_the_demo_needs_it(data, units):
    placed = {(u["role"], units[u["unit"]]["kind"]) for u in data["users"]}
    needed = {
        ("operator", "centre"),
        ("dispatcher", "centre"),
        ("supervisor", "centre"),
        ("admin", "centre"),
        ("unit_handler", "district"),
        ("unit_handler", "department"),
        ("unit_handler", "enterprise"),
        ("unit_handler", "street"),
        ("unit_handler", "community"),
        ("unit_reviewer", "district"),
        ("unit_reviewer", "department"),
        ("unit_reviewer", "street"),
        ("grid_worker", "grid"),
    }
    assert needed - placed == set()
    roles = Counter(u["role"] for u in data["users"])
    assert roles["operator"] >= 2
    assert set(roles) == ROLES


def test_centre_roles_sit_at_the_centre_and_unit_roles_in_units(data, units):
    centre_roles = {"operator", "dispatcher", "supervisor", "admin"}
    wrong = [
        u["username"]
        for u in data["users"]
        if (u["role"] in centre_roles) != (units[u["unit"]]["kind"] == "centre")
    ]
    wrong += [
        u["username"]
        for u in data["users"]
        if u["role"] == "grid_worker" and units[u["unit"]]["kind"] != "grid"
    ]
    assert wrong == []


def test_passwords_follow_the_documented_scheme(data):
    wrong = [
        u["username"]
        for u in data["users"]
        if u["password"] != PASSWORD_SCHEME.format(username=u["username"])
    ]
    assert wrong == []
    doc = Path(__file__).resolve().parents[2] / "docs" / "demo-city.md"
    text = doc.read_text(encoding="utf-8")
    assert [u["username"] for u in data["users"] if f"`{u['password']}`" not in text] == []


# ---------------------------------------------------------------- categories
def test_category_codes_are_unique_and_nested(data):
    codes = [c["code"] for c in data["categories"]] + [leaf["code"] for leaf in leaves(data)]
    assert [c for c, n in Counter(codes).items() if n > 1] == []
    assert [c for c in codes if not CATEGORY_CODE.match(c)] == []
    wrong = [
        leaf["code"]
        for top in data["categories"]
        for leaf in top["children"]
        if not leaf["code"].startswith(top["code"] + ".")
    ]
    assert wrong == []
    assert all("." not in c["code"] for c in data["categories"])


def test_category_tree_has_two_levels_of_the_promised_size(data):
    assert 10 <= len(data["categories"]) <= 14
    assert [c["code"] for c in data["categories"] if not 3 <= len(c["children"]) <= 8] == []
    assert all(isinstance(c["children"], list) for c in data["categories"])


def test_categories_have_chinese_and_english_names(data):
    nodes = [*data["categories"], *leaves(data)]
    assert [c["code"] for c in nodes if not HAN.search(c["name"])] == []
    assert [c["code"] for c in nodes if not c["name_en"] or not c["name_en"].isascii()] == []
    names = Counter(c["name"] for c in nodes)
    assert [n for n, k in names.items() if k > 1] == []


def test_default_units_exist(data, units):
    assert [
        leaf["code"]
        for leaf in leaves(data)
        if leaf["default_unit"] is not None and leaf["default_unit"] not in units
    ] == []


def test_sector_categories_go_to_a_department_or_enterprise(data, units):
    wrong = []
    for leaf in leaves(data):
        assert isinstance(leaf["territorial"], bool), leaf["code"]
        if leaf["territorial"]:
            continue
        unit = units.get(leaf["default_unit"]) if leaf["default_unit"] else None
        if unit is None or unit["kind"] not in {"department", "enterprise"}:
            wrong.append(leaf["code"])
    assert wrong == []


def test_there_are_territorial_categories(data):
    territorial = [leaf["code"] for leaf in leaves(data) if leaf["territorial"]]
    assert len(territorial) >= 4


def test_category_keywords_are_present(data):
    assert [
        leaf["code"]
        for leaf in leaves(data)
        if not leaf["keywords"] or any(not k.strip() for k in leaf["keywords"])
    ] == []


def test_every_department_and_enterprise_receives_some_category(data, units):
    """A department that no category routes to is likely a typo on one side.

    A department counts as routed when one of its sub-units is.
    """
    routed = {leaf["default_unit"] for leaf in leaves(data)}
    parents_of_routed = {units[c]["parent"] for c in routed if c in units}
    idle = [
        u["code"]
        for u in data["units"]
        if u["kind"] in {"department", "enterprise"}
        and u["code"] not in routed
        and u["code"] not in parents_of_routed
    ]
    assert idle == []
