"""The words of the staff pages, Chinese and English, in the same (zh, en) form as the API's
messages (`domain.errors.MESSAGES`) and the vocabulary's labels (`domain.vocabulary.LABELS`).
Each area of the pages keeps its words in `web/words/<area>.py`. `text` looks in all three, so a
template asks one catalogue for every word it shows."""

from __future__ import annotations

from typing import Any

from hotline.domain.errors import MESSAGES
from hotline.domain.vocabulary import LABELS
from hotline.web.words import (
    admin,
    assessment,
    console,
    followup,
    grid,
    portal,
    reports,
    routing,
    shell,
    tickets,
    workbench,
)


def _joined(*areas: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """One dictionary from the areas' lists; a key in two areas is a mistake caught at import."""
    joined: dict[str, tuple[str, str]] = {}
    for area in areas:
        twice = joined.keys() & area.keys()
        if twice:
            raise ValueError(f"page words defined twice: {sorted(twice)}")
        joined.update(area)
    return joined


# One area a line: a new page area adds its own line (and its own words module).
PAGE_TEXT: dict[str, tuple[str, str]] = _joined(
    shell.WORDS,
    tickets.WORDS,
    admin.WORDS,
    console.WORDS,
    followup.WORDS,
    portal.WORDS,
    workbench.WORDS,
    assessment.WORDS,
    grid.WORDS,
    reports.WORDS,
    routing.WORDS,
)


def text(key: str, lang: str, default: str | None = None, **params: Any) -> str:
    """The word for ``key`` in ``lang``: a page's own, else an API message, else a vocabulary label;
    ``default`` for keys made from data (an event tag the catalogue does not know yet)."""
    pair = PAGE_TEXT.get(key) or MESSAGES.get(key) or LABELS.get(key)
    if pair is None:
        if default is not None:
            return default
        raise KeyError(f"no text for {key!r} in the catalogue")
    template = pair[1] if lang == "en" else pair[0]
    return template.format(**params) if params else template
