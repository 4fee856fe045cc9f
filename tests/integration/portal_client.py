"""A citizen on the portal, as the test client sees it: forms with their CSRF token, photos."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image

GPS_IFD = 0x8825


def photo(size: tuple[int, int] = (2400, 1800), *, gps: bool = True, fmt: str = "JPEG") -> bytes:
    """A photo as a phone makes it: EXIF with the camera, and the place where it was taken."""
    image = Image.new("RGB", size, (30, 110, 190))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Model X"
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (20.0, 1.0, 30.0), 3: "E", 4: (110.0, 20.0, 15.0)}
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes())
    return out.getvalue()


def exif_of(data: bytes) -> tuple[dict[int, Any], dict[int, Any]]:
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        return dict(exif), dict(exif.get_ifd(GPS_IFD))


def csrf(client: TestClient, path: str = "/portal") -> str:
    r = client.get(path)
    found = re.search(r'name="csrf" value="([^"]+)"', r.text)
    assert found, r.text[:500]
    return found.group(1)


def submit(
    client: TestClient,
    photos: list[tuple[str, bytes, str]] | None = None,
    expect: int = 303,
    **fields: str,
) -> Any:
    data = {
        "kind": "complaint",
        "content": "小区门口的路灯坏了三天，晚上很黑",
        "citizen_phone": "13800001111",
    }
    data.update(fields)
    data.setdefault("csrf", csrf(client))
    files = [("photos", p) for p in photos] if photos else None
    r = client.post("/portal/new", data=data, files=files, follow_redirects=False)
    assert r.status_code == expect, r.text[:2000]
    return r


def code_of(r: Any) -> str:
    found = re.fullmatch(r"/portal/r/([A-Z0-9]+)\?new=1", r.headers["location"])
    assert found, r.headers["location"]
    return found.group(1)


def stored_files(data_dir: Path) -> set[Path]:
    root = data_dir / "media" / "uploads"
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
