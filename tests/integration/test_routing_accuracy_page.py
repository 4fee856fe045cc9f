"""The centre's page of how right 秒派 was (/routing/accuracy): the numbers of the API for the same
period, worst first, the definition printed; units and operators refused. SQLite and PostgreSQL."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hotline.db.migrate import upgrade
from tests.conftest import Platform
from tests.integration.test_pages import logged_in
from tests.routing_platform.conftest import RoutedApi
from tests.routing_platform.test_accuracy import own, walked  # noqa: F401  (fixtures)

ZONE = ZoneInfo("Asia/Shanghai")


def _rows(html: str, section: str) -> list[tuple[str, list[str]]]:
    """(data-key, the cells' text) of each row of one section's table, in order."""
    part = html.split(f'id="{section}"', 1)[1].split("</table>", 1)[0]
    found = []
    for key, body in re.findall(r'<tr[^>]*data-key="([^"]*)"[^>]*>(.*?)</tr>', part, re.S):
        cells = [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", body, re.S)
        ]
        found.append((key, cells))
    return found


def test_the_page_shows_the_apis_numbers_worst_first(own: Platform, walked: dict[str, int]) -> None:  # noqa: F811
    today = own.clock().astimezone(ZONE).date()
    b = logged_in(own, "supervisor")
    page = b.get("/routing/accuracy")  # the last 30 days by default
    assert page.status_code == 200, page.text
    html = page.text
    assert f'value="{(today - timedelta(days=29)).isoformat()}"' in html
    assert f'value="{today.isoformat()}"' in html
    assert '<a href="/routing/accuracy" aria-current="page">秒派准确率</a>' in html  # the header's link
    api = RoutedApi(own).get(
        "supervisor",
        "/api/v1/routing/accuracy",
        params={"from": (today - timedelta(days=29)).isoformat(), "to": today.isoformat()},
    )
    categories = _rows(html, "s-categories")
    assert {k for k, _ in categories} == {r["key"] for r in api["by_category"]}
    for key, cells in categories:
        row = next(r for r in api["by_category"] if r["key"] == key)
        decided = row["auto_dispatched"] - row["pending"]
        assert cells[0] == row["name"]
        assert cells[1] == f"{row['accuracy'] * 100:.1f}%"
        assert cells[2] == f"{decided - row['wrong']} / {decided}"  # numerator and denominator
        assert [int(c) for c in cells[3:]] == [
            row[f] for f in ("auto_dispatched", "sent_back", "wrong", "rejected", "pending")
        ]
    # worst first: power (1 of 2 wrong, 50%) before water (100%), though the API orders by volume
    assert [k for k, _ in categories] == ["utilities.power", "utilities.water_supply"]
    units = _rows(html, "s-units")
    assert units[0][0] == str(own.unit_id("ent-power")) and units[0][1][1] == "50.0%"
    assert "66.7%" in html and "2 / 3" in html  # the whole: 2 right of 3 decided
    assert "准确率 = (秒派 − 退回待审 − 错派) ÷ (秒派 − 退回待审)" in html  # the definition printed
    assert '<link rel="stylesheet" href="/static/routing.css">' in html

    day = today.isoformat()
    one_day = b.get(f"/routing/accuracy?from={day}&to={day}&lang=en")
    assert one_day.status_code == 200 and "Share right" in one_day.text and "66.7%" in one_day.text
    earlier = (today - timedelta(days=3)).isoformat()
    empty = b.get(f"/routing/accuracy?from={earlier}&to={earlier}")
    assert "本期间没有秒派工单" in empty.text


def test_units_and_operators_are_refused_and_bad_periods_told(
    own: Platform,  # noqa: F811
    walked: dict[str, int],  # noqa: F811
) -> None:
    for user in ("handler.power", "operator1"):
        b = logged_in(own, user)
        page = b.get("/routing/accuracy")
        assert page.status_code == 403
        assert 'href="/routing/accuracy"' not in b.get("/inbox", follow_redirects=True).text
    for user in ("dispatcher", "admin"):
        assert logged_in(own, user).get("/routing/accuracy").status_code == 200
    b = logged_in(own, "dispatcher")
    assert b.get("/routing/accuracy?from=2026-13-01").status_code == 422
    assert b.get("/routing/accuracy?from=2026-12-01&to=2026-11-01").status_code == 422
    assert b.get("/routing/accuracy?from=2020-01-01&to=2026-12-01").status_code == 422


def test_the_page_reads_its_figures_without_the_classifier(tmp_path: Path) -> None:
    """The web worker draws the page without scikit-learn or scipy (they stay in `hotline worker`)."""
    url = f"sqlite:///{tmp_path / 'hotline.db'}"
    upgrade(url)
    script = (
        "import sys, types, datetime\n"
        "import hotline.asgi\n"
        "from hotline.routing import accuracy, routes\n"
        "from hotline.domain.vocabulary import Role\n"
        "from zoneinfo import ZoneInfo\n"
        "from fastapi.testclient import TestClient\n"
        "heavy = {'sklearn', 'scipy', 'hotline.classifier.model', 'hotline.classifier.evaluation'}\n"
        "with TestClient(hotline.asgi.app) as client:\n"
        "    assert client.get('/routing/accuracy', follow_redirects=False).status_code == 303\n"
        "    day = datetime.date(2026, 11, 20)\n"
        "    who = types.SimpleNamespace(role=Role.SUPERVISOR)\n"
        "    found = routes.accuracy_report(hotline.asgi.app.state.db, who, ZoneInfo('Asia/Shanghai'), 'zh', day, day)\n"
        "    assert accuracy.worst_first(found.by_category) == []\n"
        "    assert not heavy & set(sys.modules), sorted(heavy & set(sys.modules))\n"
        "print('light')\n"
    )
    env = {**os.environ, "HOTLINE_DATA_DIR": str(tmp_path), "HOTLINE_DATABASE_URL": url}
    env.update({"HOTLINE_WORKER": "off", "HOTLINE_DEMO": "false"})
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "light"
