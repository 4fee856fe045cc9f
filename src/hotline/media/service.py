"""Storing photos: files first, rows in the caller's transaction, files removed if it fails.

A photo belongs to a ticket. The caller checks and re-encodes the uploads (`images.prepare`) before
anything is written, so a bad photo refuses the whole request; then `staged` writes the files and
the caller's transaction adds their rows (`attach`, with an audit entry). If that transaction does
not commit, `staged` deletes the files again: a row never lacks its file and no file outlives a
refused request.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.config import Settings
from hotline.media.files import path_of, root_of
from hotline.media.images import Limits, Prepared
from hotline.media.models import MediaRow

CITIZEN = audit.Actor("citizen")  # a person on the public portal, known by tracking code and phone


def limits_of(settings: Settings) -> Limits:
    return Limits(
        max_bytes=settings.media_max_bytes,
        max_pixels=settings.media_max_pixels,
        max_side=settings.media_max_side,
        max_files=settings.media_max_files,
    )


def storage_of(settings: Settings) -> Path:
    return root_of(settings.data_dir)


@dataclass(frozen=True)
class Stored:
    name: str
    photo: Prepared


class Staging:
    """Files written ahead of their rows; `discard` removes them (a refused or replayed request)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.stored: list[Stored] = []

    def write(self, photo: Prepared) -> None:
        name = secrets.token_hex(16) + photo.suffix
        path = path_of(self.root, name)
        assert path is not None
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{name}.part")
        tmp.write_bytes(photo.data)
        tmp.replace(path)
        self.stored.append(Stored(name, photo))

    def discard(self) -> None:
        for s in self.stored:
            path = path_of(self.root, s.name)
            if path is not None:
                path.unlink(missing_ok=True)
        self.stored = []


@contextmanager
def staged(root: Path, photos: Sequence[Prepared]) -> Iterator[Staging]:
    """Write the photos' files; if the block raises (its transaction rolled back), remove them."""
    staging = Staging(root)
    try:
        for photo in photos:
            staging.write(photo)
        yield staging
    except BaseException:
        staging.discard()
        raise


def attach(
    session: Session, ticket_id: int, stored: Sequence[Stored], actor: audit.Actor, now: datetime
) -> list[str]:
    """The rows of photos already written by `staged`, in the caller's transaction; their names."""
    for s in stored:
        row = MediaRow(
            name=s.name,
            ticket_id=ticket_id,
            content_type=s.photo.content_type,
            original_type=s.photo.original_type,
            width=s.photo.width,
            height=s.photo.height,
            size_bytes=len(s.photo.data),
            sha256=s.photo.sha256,
            location_kept=s.photo.location_kept,
            uploaded_by="citizen" if actor.user_id is None else "staff",
            uploaded_by_user_id=actor.user_id,
            created_at=now,
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor,
            "media.photo.attached",
            "ticket",
            ticket_id,
            at=now,
            after=audit.snapshot(row),
        )
    return [s.name for s in stored]
