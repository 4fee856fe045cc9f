"""Forms of the staff pages read like the API's bodies: validated by the API's own schema, refused
with the API's codes and messages, each beside the field it names (`Refused.problems`, "" for the
form as a whole), and with the status the API would give."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from hotline.domain.errors import DomainError, message
from hotline.web.errors import STATUS, field_errors

M = TypeVar("M", bound=BaseModel)


class Refused(Exception):
    """A form that cannot be saved: its problems by field, and the status to answer with."""

    def __init__(self, problems: dict[str, str], status: int) -> None:
        super().__init__("refused")
        self.problems, self.status = problems, status

    @classmethod
    def of(cls, err: DomainError, lang: str) -> Refused:
        """A domain refusal, said beside its field (or the whole form's when it names none)."""
        field = str(err.params.get("field") or "")
        return cls({field: message(err.code, lang, **err.params)}, STATUS[err.kind])


def checked(model: type[M], data: dict[str, Any], lang: str) -> M:
    """The form as the API's schema reads it, or `Refused` with each bad field's message."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = {str(e["field"] or ""): e["message"] for e in field_errors(exc, lang)}
        raise Refused(problems, 422) from None


def text(form: FormData, name: str) -> str | None:
    """A text field: None when left empty (optional fields), else as typed."""
    value = str(form.get(name) or "").strip()
    return value or None
