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
    page.screenshot(path=str(path), full_page=full_page)
    saved.append(path)
    return path
