"""Serving a stored photo: the file, private to the browser that asked. Who may see it is decided
by the caller before (the ticket's photos: `tickets.photos` for staff and for the citizen); the
files are never served from a static folder. media/ knows nothing of tickets, so tickets may use it."""

from __future__ import annotations

from pathlib import Path

from fastapi.responses import FileResponse

from hotline.domain.errors import not_found
from hotline.media import queries
from hotline.media.files import path_of


def photo_response(root: Path, info: queries.MediaInfo | None) -> FileResponse:
    """The stored file, private to the browser that asked (no shared caches)."""
    path = path_of(root, info.name) if info is not None else None
    if info is None or path is None or not path.is_file():
        raise not_found("media.not_found")
    return FileResponse(
        path,
        media_type=info.content_type,
        headers={"Cache-Control": "private, max-age=3600", "Content-Disposition": "inline"},
    )
