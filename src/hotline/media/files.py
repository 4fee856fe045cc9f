"""Where a stored photo's file lives: under the data dir, never under the web root, and only by a
name of the platform's own making (so no path from a request ever reaches the file system)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

NAME: Final = re.compile(r"[0-9a-f]{32}\.(?:jpg|png)")


def root_of(data_dir: Path) -> Path:
    return data_dir / "media" / "uploads"


def path_of(root: Path, name: str) -> Path | None:
    """The file of a well-formed name (two levels of fan-out by its first characters), else None."""
    if not NAME.fullmatch(name):
        return None
    return root / name[:2] / name
