"""The pages tried as a careless or hostile person would, on both databases: every id in a page's
address beyond what the database can hold finds nothing (404, never a 500), every form posted with
absurd values is refused or answered, and a browser that meets an error reads it as a page in its
language with the way back, while the API and scripts keep problem+json.

The routes are read from the app itself, so a page added later is probed too. The probe runs on a
platform of its own: its forms may create things the shared platform's tests would count."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from hotline.web import errors
from tests import conftest
from tests.conftest import Platform
from tests.integration.api import Api
from tests.integration.test_pages import browser, csrf_of, logged_in

#: Who may open each area of the pages; a route outside them is tried by the administrator.
ROLE_OF = [
    ("/admin", "admin"),
    ("/console", "dispatcher"),
    ("/workbench", "operator1"),
    ("/follow-ups", "operator1"),
    ("/grid", "grid.boai1"),
    ("/tickets", "handler.longwan"),
    ("/inbox", "handler.longwan"),
    ("/assessment", "supervisor"),
    ("/reports", "supervisor"),
    ("/routing", "dispatcher"),
    ("/portal", None),
    ("/login", None),
]
#: Pages that end the prober's own session; they are not probed.
SELF_ENDING = {"/logout", "/password"}
BEYOND = [str(2**31), str(2**63), "1" * 30]
ABSURD = [str(2**31), str(2**63), "-1", "1.5", "nan", "\x00", "a\x01b", "", "x" * 20_000, "2026-13-45"]
HTML = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def own_platform(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    data_dir: Path = tmp_path_factory.mktemp(f"pages-{request.param}")
    if request.param == "sqlite":
        yield from conftest._platform("sqlite", f"sqlite:///{data_dir / 'hotline.db'}", data_dir)
        return
    with conftest.temporary_postgres_database("hotline_pages") as url:
        yield from conftest._platform("postgresql", url, data_dir)


def _page_routes(platform: Platform) -> list[APIRoute]:
    app = platform.client.app
    return [
        r
        for r in app.routes  # type: ignore[attr-defined]
        if isinstance(r, APIRoute) and not r.include_in_schema and r.path not in SELF_ENDING
    ]


def _role(path: str) -> str | None:
    return next((role for prefix, role in ROLE_OF if path.startswith(prefix)), "admin")


def _id_params(route: APIRoute) -> list[str]:
    return [p.name for p in route.dependant.path_params if p.field_info.annotation is int]


class Visitors:
    """One logged-in browser per role (logged in again should a probe end its session)."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.clients: dict[str | None, TestClient] = {}
        self.tokens: dict[str | None, str] = {}

    def of(self, role: str | None) -> tuple[TestClient, str]:
        if role not in self.clients:
            client = browser(self.platform) if role is None else logged_in(self.platform, role)
            self.clients[role] = client
            self.tokens[role] = csrf_of(
                client.get("/login" if role is None else "/inbox", follow_redirects=True).text
            )
        return self.clients[role], self.tokens[role]


def test_every_id_in_a_page_address_beyond_the_database_finds_nothing(own_platform: Platform) -> None:
    visitors = Visitors(own_platform)
    probed, wrong = 0, []
    for route in _page_routes(own_platform):
        ids = _id_params(route)
        if not ids:
            continue
        client, csrf = visitors.of(_role(route.path))
        for big in BEYOND:
            path = route.path
            for name in re.findall(r"{(\w+)}", route.path):
                path = path.replace("{" + name + "}", big if name in ids else "x")
            for method in sorted(route.methods - {"HEAD"}):
                r = client.request(method, path, data={"csrf": csrf} if method == "POST" else None)
                probed += 1
                if r.status_code != 404:
                    wrong.append((method, path[:60], r.status_code))
    assert probed >= 60, probed  # every page with an id in its address (tickets, units, people, …)
    assert wrong == [], wrong


def test_absurd_values_in_every_page_form_and_query_are_refused_or_answered(own_platform: Platform) -> None:
    """Each value into every field any page names, and into the query of every page: a 5xx fails."""
    visitors = Visitors(own_platform)
    routes = _page_routes(own_platform)
    names: set[str] = set()
    for route in routes:
        if "GET" in route.methods and "{" not in route.path:
            client, _ = visitors.of(_role(route.path))
            names |= set(re.findall(r'name="([^"]+)"', client.get(route.path).text))
    names -= {"csrf", "htmx-config"}
    assert {"content", "citizen_phone", "unit_id", "username", "month"} <= names, sorted(names)
    failed = []
    for route in routes:
        if "{" in route.path:
            continue
        client, csrf = visitors.of(_role(route.path))
        for method in sorted(route.methods - {"HEAD"}):
            for value in ABSURD:
                fields = {name: value for name in names}
                if method == "GET":
                    r = client.get(route.path, params={k: v[:500] for k, v in fields.items()})
                else:
                    r = client.request(method, route.path, data={**fields, "csrf": csrf})
                if r.status_code >= 500:
                    failed.append((method, route.path, repr(value[:12]), r.status_code))
    assert failed == [], failed


class Forms(HTMLParser):
    """The POST forms of a page, each with the values it offers (what a person would send unchanged)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []
        self.fields: dict[str, str] | None = None
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "form":
            self.fields = {}
            if a.get("method", "get").lower() == "post":
                self.found.append((a.get("action", ""), self.fields))
        elif self.fields is None:
            return
        elif tag == "option" and self.select and (self.select not in self.fields or "selected" in a):
            self.fields[self.select] = a.get("value", "")
        elif not name:
            return
        elif tag == "input" and a.get("type") in ("checkbox", "radio"):
            if "checked" in a:
                self.fields[name] = a.get("value") or "on"
        elif tag == "input" and a.get("type") != "file":
            self.fields.setdefault(name, a.get("value", ""))
        elif tag == "select":
            self.select = name
        elif tag == "textarea":
            self.textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.fields = None
        self.select = None if tag == "select" else self.select
        self.textarea = None if tag == "textarea" else self.textarea

    def handle_data(self, data: str) -> None:
        if self.fields is not None and self.textarea:
            self.fields[self.textarea] += data


def test_absurd_values_in_the_ticket_pages_forms_are_refused_or_answered(own_platform: Platform) -> None:
    """Every form on an acknowledged ticket's page (the unit's and the centre's), sent as the page
    offers it with one field at a time made absurd: a refusal or an answer, never a 5xx."""
    api = Api(own_platform)
    tid = api.dispatched()
    api.on("handler.longwan", tid, 1, "acknowledge")
    failed, sent = [], 0
    for role, page in [("handler.longwan", f"/tickets/{tid}"), ("dispatcher", f"/console/tickets/{tid}")]:
        client, _ = Visitors(own_platform).of(role)
        forms = Forms()
        forms.feed(client.get(page).text)
        for action, fields in forms.found:
            if action == "/logout":
                continue
            for name in sorted(set(fields) - {"csrf"}):
                for value in ABSURD:
                    r = client.post(action or page, data={**fields, name: value})
                    sent += 1
                    if r.status_code >= 500:
                        failed.append((action, name, repr(value[:12]), r.status_code))
    assert sent >= 100, sent  # reply, delegate, extension, send-back, …: the forms were found
    assert failed == [], failed


@pytest.mark.parametrize(
    ("path", "status", "words", "back"),
    [
        ("/tickets/2147483648", 404, "资源不存在", "/inbox"),
        ("/tickets/abc", 422, "须为整数", "/inbox"),
        ("/no-such-page", 404, "资源不存在", "/inbox"),
        ("/portal/r/NOSUCHCODE", 404, "查询码不存在", "/portal"),
        ("/grid/a/1/2147483648", 404, "资源不存在", "/grid"),
    ],
)
def test_a_browser_reads_an_error_as_a_page_with_the_way_back(
    platform: Platform, path: str, status: int, words: str, back: str
) -> None:
    b = logged_in(platform, "handler.longwan")
    r = b.get(path, headers=HTML)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("text/html")
    main = r.text[r.text.index("<main") :]
    assert words in main and f'href="{back}"' in main, main
    if path.startswith("/portal"):
        assert "12345 政务服务便民热线" in r.text[: r.text.index("<main")]  # the portal's name
    english = b.get(path, headers={**HTML, "accept-language": "en"})
    assert (
        english.status_code == status
        and "资源不存在" not in english.text
        and '<html lang="en"' in english.text
    )


def test_the_api_open311_and_scripts_keep_their_json(platform: Platform) -> None:
    b = logged_in(platform, "handler.longwan")
    for path, headers in [
        ("/api/v1/tickets/2147483648", {**HTML, **platform.headers("operator1")}),
        ("/open311/v2/requests/2147483648.json", HTML),
        ("/tickets/2147483648", {**HTML, "hx-request": "true"}),
        ("/tickets/2147483648", {}),
    ]:
        r = b.get(path, headers=headers)
        assert r.status_code == 404, path
        json = "application/json" if path.startswith("/open311") else "application/problem+json"
        assert r.headers["content-type"].split(";")[0] == json, path


def test_an_error_page_that_fails_to_draw_still_answers_with_the_status() -> None:
    app = FastAPI()
    errors.install(app)

    def broken(*_: object) -> HTMLResponse:
        raise RuntimeError("template missing")

    errors.register_error_page(app, "/", broken)
    r = TestClient(app).get("/nowhere", headers=HTML)
    assert r.status_code == 404
    assert r.json()["code"] == "http.not_found"
