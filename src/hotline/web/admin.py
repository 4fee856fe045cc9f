"""The mechanics every administration page shares, written once: draw a page with its form (what
was typed, each problem beside its field, the status), save a posted form — refused by the API's
schema or the service, it is drawn again and nothing is written; saved, the browser is sent on
(303) — and press a button without fields (retire, delete, revoke). Each package keeps its own
pages, fields and service calls; only this sequence lives here, so a fix to it (an error's shape,
a header) is made once.

The web knows no feature package: `auth.pages` makes the `Page` and `Post` of an administrator
(`AdminPageDep`, `AdminPostDep`: the role and the CSRF token checked there), and a page hands over
its service call as a function."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from hotline.db.engine import Database
from hotline.domain.errors import DomainError, ErrorKind
from hotline.web.forms import Refused
from hotline.web.shell import Caller, PageRefusal, Shell


@dataclass(frozen=True)
class Page:
    """A request for an administration page: the request, the database, and who asks."""

    request: Request
    db: Database
    session: Caller


@dataclass(frozen=True)
class Post(Page):
    """A form posted to an administration page, its CSRF token checked: the fields as sent, the
    request's time, the page's language, and the actor the services record."""

    form: FormData
    now: datetime
    lang: str
    actor: Any  # who the audit names (`audit.service.Actor`): every write is recorded with it


@dataclass(frozen=True)
class Attempt:
    """A form sent back: what was typed (None: the page's own values), each problem by field ("" for
    the form as a whole), the status to answer with, and which of the page's forms it was."""

    form: dict[str, Any] | None = None
    problems: dict[str, str] = field(default_factory=dict)
    status: int = 200
    which: str = ""


FRESH = Attempt()


def render(
    shell: Shell,
    page: Page,
    template: str,
    context: dict[str, Any],
    sent: Attempt | None = None,
    *,
    form: dict[str, Any] | None = None,
    no_store: bool = False,
) -> HTMLResponse:
    """An admin page: `form` is what its form shows when nothing was sent back; `no_store` for an
    answer that holds a secret shown once (no cache or history may keep it)."""
    sent = sent or FRESH
    response = shell.render(
        page.request,
        template,
        {
            "form": sent.form if sent.form is not None else (form or {}),
            "problems": sent.problems,
            "which": sent.which,
            "done": page.request.query_params.get("done"),
            **context,
        },
        user=page.session.user,
        csrf=page.session.csrf,
        status_code=sent.status,
    )
    if no_store:
        response.headers["Cache-Control"] = "no-store"
    return response


def submit(
    post: Post,
    save: Callable[[], str | Response],
    redraw: Callable[[Attempt], Response],
    *,
    form: dict[str, Any] | None = None,
    which: str = "",
    refused: Callable[[DomainError, str], Refused] = Refused.of,
) -> Response:
    """Save a posted form. `save` checks it with the API's schema and calls the service, and gives
    where to go next (a 303) or an answer of its own; a refusal — `Refused` from the schema, a
    `DomainError` from the service, said by `refused` — is drawn again by `redraw` with `form`
    (what was typed, never a secret) kept. A `not_found` that names no field is the thing the page
    is about gone (deleted meanwhile, a wrong id): the refusal page (404), not the form again."""
    try:
        outcome = save()
    except Refused as failed:
        return redraw(Attempt(form, failed.problems, failed.status, which))
    except DomainError as err:
        if err.kind is ErrorKind.NOT_FOUND and "field" not in err.params:
            raise PageRefusal(err, post.session) from None
        failed = refused(err, post.lang)
        return redraw(Attempt(form, failed.problems, failed.status, which))
    return outcome if isinstance(outcome, Response) else RedirectResponse(outcome, status_code=303)


def press(post: Post, step: Callable[[Any], object], then: str) -> Response:
    """A button without fields (retire, delete, revoke, deactivate): `step` in one transaction,
    then 303 to `then`; a refusal is the refusal page, with the API's status."""
    try:
        with post.db.write() as ws:
            step(ws)
    except DomainError as err:
        raise PageRefusal(err, post.session) from None
    return RedirectResponse(then, status_code=303)
