"""The kept copy of a photo carries nothing of the original file but its pixels (no database)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from hotline.domain.errors import DomainError
from hotline.media.images import WITH_GIF, Limits, prepare
from tests.integration.portal_client import exif_of, photo


def test_a_jpeg_comment_and_its_exif_are_not_carried_into_the_kept_copy() -> None:
    buffer = io.BytesIO()
    Image.open(io.BytesIO(photo((800, 600)))).save(buffer, "JPEG", comment=b"Wang's phone, home")
    kept = prepare(buffer.getvalue(), Limits(), field="photos")
    assert b"Wang's phone" not in kept.data and exif_of(kept.data) == ({}, {})


def test_gif_is_taken_only_where_asked_and_comes_out_as_png_or_jpeg() -> None:
    buffer = io.BytesIO()
    Image.new("P", (20, 10), 1).save(buffer, "GIF", comment=b"secret")
    with pytest.raises(DomainError) as refused:
        prepare(buffer.getvalue(), Limits(), field="photos")
    assert refused.value.code == "media.type"
    kept = prepare(buffer.getvalue(), Limits(), field="media", accept=WITH_GIF)
    assert kept.content_type in ("image/jpeg", "image/png") and kept.original_type == "image/gif"
    assert b"secret" not in kept.data
    assert (
        prepare(buffer.getvalue(), Limits(), field="media", accept=WITH_GIF).data == kept.data
    )  # deterministic
