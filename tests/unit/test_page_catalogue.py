"""Every word a staff page shows comes from the catalogue, in Chinese and in English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hotline.domain.drilldown import REASONS
from hotline.domain.rates import Measure
from hotline.web.catalogue import PAGE_TEXT, text

SRC = Path(__file__).resolve().parents[2] / "src" / "hotline"
TEMPLATES = [p for p in SRC.glob("*/templates/*.html") if p.name not in ("home.html", "docs.html")]
KEY = re.compile(r"""\bt\(\s*["']([a-z_.]+)["']""")
HAN = re.compile(r"[\u4e00-\u9fff]")


def test_the_staff_templates_are_found() -> None:
    names = {p.name for p in TEMPLATES}
    assert {"layout.html", "login.html", "inbox.html", "inbox_table.html", "ticket.html"} <= names


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_each_key_a_template_asks_for_is_in_the_catalogue(template: Path) -> None:
    source = template.read_text()
    keys = {k for k in KEY.findall(source) if not k.endswith(".")}  # "event." ~ tag has a default
    assert keys, f"{template.name} shows no word from the catalogue"
    params = {"n": 1, "no": 1, "number": "x", "total": 1, "shown": 1, "name": "x", "unit": "x"}
    params |= {"title": "x", "action": "x", "page": 1, "pages": 1, "first": 1, "last": 1}
    params |= {k: "x" for k in ("at", "who", "start", "end", "group", "place", "of", "volume", "periods")}
    params |= {k: "x" for k in ("bottom", "top", "min", "max", "definition", "r", "s", "sat", "w")}
    params |= {k: "x" for k in ("rate", "period", "num", "den", "value")}
    params |= {"code": "x", "lat": "1", "lon": "1", "at": "x"}  # the grid pages' (docs/grid.md)
    params |= {k: "x" for k in ("word", "hint", "delivered", "failed", "pending", "d", "h", "m")}  # admin
    params |= {"lat": 1, "lon": 1, "days": 1, "radius": 1, "m": 1, "area": "x"}  # the portal's map
    params |= {"at": "x", "period": "x", "w": "x", "f": 1, "basis": "x"}  # the reports' words
    params |= {k: "x" for k in ("status", "closed", "due", "acked", "sum", "mean", "replied")}  # drill-downs
    for key in keys:
        assert text(key, "zh", **params)
        assert text(key, "en", **params)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_no_template_hard_codes_chinese(template: Path) -> None:
    assert not HAN.search(template.read_text()), f"{template.name} has words outside the catalogue"


def test_english_page_words_are_english() -> None:
    for key, (zh, en) in PAGE_TEXT.items():
        if key == "nav.language":  # the switch names the other language in its own words
            continue
        assert HAN.search(zh), key
        assert not HAN.search(en), key


def test_an_unknown_key_is_an_error_not_a_silent_blank() -> None:
    with pytest.raises(KeyError):
        text("inbox.no_such_word", "zh")
    assert text("event.ticket.teleported", "en", default="ticket.teleported") == "ticket.teleported"


def test_every_reason_a_drill_down_line_gives_has_words() -> None:
    for why in REASONS:
        assert text(f"assess.why.{why}", "zh", status="x", closed="x", due="x", acked="x", n=1)
        assert text(f"assess.why.{why}", "en", status="x", closed="x", due="x", acked="x", n=1)
    for measure in Measure:
        assert text(f"assess.col.adds.{measure.value}", "en")
