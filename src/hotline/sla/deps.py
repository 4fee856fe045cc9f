"""The deadline calculator as a named dependency: the one `bootstrap` wired into the app."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hotline.sla.service import DeadlineSource


async def get_deadlines(request: Request) -> DeadlineSource:
    return request.app.state.wiring.deadlines  # type: ignore[no-any-return]


DeadlinesDep = Annotated[DeadlineSource, Depends(get_deadlines)]
