"""Staff read a ticket's photos if they may see the ticket: over the API with their bearer token,
or from the staff pages with their session. The files are never served from a static folder."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from pydantic import BaseModel

from hotline.auth.deps import UserDep
from hotline.auth.pages import PageSessionDep
from hotline.auth.service import CurrentUser
from hotline.db.engine import Database
from hotline.domain.errors import not_found
from hotline.media import queries
from hotline.media.files import path_of
from hotline.media.service import storage_of
from hotline.tickets import queries as tickets
from hotline.web.deps import DbDep, SettingsDep, ZoneDep
from hotline.web.numbers import Id

router = APIRouter(prefix="/api/v1/tickets", tags=["media 附件"])


class MediaOut(BaseModel):
    name: str
    url: str
    content_type: str
    width: int
    height: int
    size_bytes: int
    uploaded_by: str
    created_at: str


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


def _visible(db: Database, ticket_id: int, user: CurrentUser) -> None:
    with db.read() as s:
        tickets.require_visible(s, ticket_id, user)


@router.get("/{ticket_id}/media", response_model=list[MediaOut])
def list_media(ticket_id: Id, db: DbDep, user: UserDep, zone: ZoneDep) -> list[MediaOut]:
    """The ticket's photos (citizens' and staff's), for those who may see the ticket."""
    _visible(db, ticket_id, user)
    with db.read() as s:
        found = queries.of_ticket(s, ticket_id)
    return [
        MediaOut(
            name=m.name,
            url=f"/api/v1/tickets/{ticket_id}/media/{m.name}",
            content_type=m.content_type,
            width=m.width,
            height=m.height,
            size_bytes=m.size_bytes,
            uploaded_by=m.uploaded_by,
            created_at=m.created_at.astimezone(zone).isoformat(),
        )
        for m in found
    ]


@router.get("/{ticket_id}/media/{name}", response_class=FileResponse)
def get_media(ticket_id: Id, name: str, db: DbDep, user: UserDep, settings: SettingsDep) -> FileResponse:
    """One photo of the ticket (JPEG or PNG as re-encoded on upload)."""
    _visible(db, ticket_id, user)
    with db.read() as s:
        info = queries.by_name(s, ticket_id, name)
    return photo_response(storage_of(settings), info)


def install(app: FastAPI) -> None:
    @app.get("/tickets/{ticket_id}/media/{name}", include_in_schema=False)
    def page_media(
        ticket_id: Id, name: str, db: DbDep, page: PageSessionDep, settings: SettingsDep
    ) -> FileResponse:
        """The same photo for the staff pages (session cookie instead of a bearer token)."""
        _visible(db, ticket_id, page.user)
        with db.read() as s:
            info = queries.by_name(s, ticket_id, name)
        return photo_response(storage_of(settings), info)

    app.include_router(router)
