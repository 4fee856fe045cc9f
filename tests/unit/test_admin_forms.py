"""What the admin pages offer and how the audit page reads a change, without a database."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from hotline.audit.pages import lines, readable
from hotline.directory import pages, service
from hotline.directory.passwords import password_problem, temporary_password

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_unit_form_offers_every_kind_that_can_be_created_and_no_second_centre() -> None:
    assert set(pages.KINDS) == service.NEW_UNIT_KINDS and "centre" not in pages.KINDS


def test_passwords_are_judged_by_length_and_not_being_the_username() -> None:
    assert password_problem("short", "li.na") == "password.too_short"
    assert password_problem("x" * 129, "li.na") == "password.too_long"
    assert password_problem("Li.Na.Li.Na", "li.na.li.na") == "password.too_simple"
    assert password_problem("ababababab", "li.na") == "password.too_simple"
    assert password_problem("correct horse battery", "li.na") is None
    made = temporary_password()
    assert len(made) == 12 and password_problem(made, "li.na") is None and made != temporary_password()


def test_a_change_reads_as_the_fields_that_differ_with_times_in_the_centres_zone() -> None:
    kind, shown = lines(
        {"name": "解放社区", "active": True, "keywords": ["a"], "at": "2026-11-20T01:30:00+00:00"},
        {"name": "解放新村社区", "active": True, "keywords": ["a", "b"], "at": "2026-11-20T02:30:00+00:00"},
        SHANGHAI,
    )
    assert kind == "changed"
    assert [(x.field, x.before, x.after) for x in shown] == [
        ("at", "2026-11-20 09:30:00", "2026-11-20 10:30:00"),
        ("keywords", "a", "a、b"),
        ("name", "解放社区", "解放新村社区"),
    ]
    kind, shown = lines(None, {"id": 3, "area": None, "flag": False}, SHANGHAI)
    assert kind == "created" and [(x.field, x.after) for x in shown] == [
        ("id", "3"),
        ("area", "—"),
        ("flag", "✗"),
    ]
    assert readable({"b": 1, "a": "中"}, SHANGHAI) == '{"a": "中", "b": 1}'


def test_categories_are_listed_in_tree_order() -> None:
    from hotline.directory.queries import CategoryInfo

    def cat(id: int, code: str, parent: int | None) -> CategoryInfo:
        return CategoryInfo(id, code, code, None, parent, 1, None, False, [], None, True)

    ordered = pages.category_tree([cat(1, "b", None), cat(2, "a", None), cat(3, "b.x", 1), cat(4, "a.y", 2)])
    assert [c.code for c in ordered] == ["a", "a.y", "b", "b.x"]
