"""Screenshots of the browser tests, kept in build/screenshots/ for a person to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

FOLDER = Path(__file__).resolve().parents[2] / "build" / "screenshots"
saved: list[Path] = []


def screenshot(page: Any, name: str, full_page: bool = True) -> Path:
    """Save what the page shows now (all of it, or the window) as build/screenshots/<name>.png."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    path = FOLDER / f"{name}.png"
    page.wait_for_load_state()
    try:
        page.screenshot(path=str(path), full_page=full_page)
    except Exception as error:
        # Chromium refuses a capture while a navigation commits; the page is what the test
        # checks, the picture is for a person, so it is taken again once the page has loaded.
        if "Unable to capture screenshot" not in str(error):
            raise
        page.wait_for_load_state()
        page.screenshot(path=str(path), full_page=full_page)
    saved.append(path)
    return path
