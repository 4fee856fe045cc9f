"""A small Open311 client over the test platform, so tests read as a 311 app's calls."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

import httpx2

from tests.conftest import Platform

BASE = "/open311/v2"
DEMO_KEY = "HOTLINE-DEMO-KEY"

# A complete street-light report: every attribute datatype of service 101 answered.
STREETLIGHT: dict[str, Any] = {
    "service_code": "101",
    "lat": "20.0452",
    "long": "110.3420",
    "address_string": "龙湾区中山路 18 号对面",
    "description": "路灯不亮已经三天，晚上很黑",
    "attribute[pole_number]": "HB-LW-0231",
    "attribute[problem]": "out",
    "attribute[hazards][]": ["wires", "leaning"],
    "attribute[lamps_out]": "2",
    "attribute[noticed_at]": "2026-11-18T19:30:00+08:00",
    "attribute[details]": "靠近公交站",
}


class Open311:
    def __init__(self, platform: Platform) -> None:
        self.p = platform
        self.client = platform.client

    def get(self, path: str, fmt: str = "json", expect: int = 200, **params: Any) -> httpx2.Response:
        r = self.client.get(f"{BASE}/{path}.{fmt}", params=params)
        assert r.status_code == expect, f"GET {path}.{fmt} {params}: {r.status_code} {r.text}"
        check_format(r, fmt)
        return r

    def json(self, path: str, expect: int = 200, **params: Any) -> Any:
        return self.get(path, "json", expect, **params).json()

    def xml(self, path: str, expect: int = 200, **params: Any) -> ET.Element:
        return ET.fromstring(self.get(path, "xml", expect, **params).content)

    def post(
        self,
        fmt: str = "json",
        expect: int = 200,
        files: Any = None,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        **form: Any,
    ) -> httpx2.Response:
        r = self.client.post(
            f"{BASE}/requests.{fmt}", data=form, files=files, headers=headers, params=query or {}
        )
        assert r.status_code == expect, f"POST requests.{fmt}: {r.status_code} {r.text}"
        check_format(r, fmt)
        return r

    def create(self, key: str = DEMO_KEY, **overrides: Any) -> dict[str, Any]:
        """POST a request (the full street-light report unless told otherwise); the answer's one item."""
        form = {**STREETLIGHT, "api_key": key, **overrides}
        form = {k: v for k, v in form.items() if v is not None}
        return self.post(**form).json()[0]  # type: ignore[no-any-return]

    def one(self, request_id: str, **params: Any) -> dict[str, Any]:
        docs = self.json(f"requests/{request_id}", **params)
        assert len(docs) == 1, docs
        return docs[0]  # type: ignore[no-any-return]


def check_format(r: httpx2.Response, fmt: str) -> None:
    """UTF-8 in the answer's content type; XML opens with its declaration."""
    ctype = r.headers["content-type"]
    if fmt == "json":
        assert ctype == "application/json; charset=utf-8", ctype
    else:
        assert ctype == "text/xml; charset=utf-8", ctype
        assert r.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>'), r.content[:80]
    r.content.decode("utf-8")  # strictly UTF-8
