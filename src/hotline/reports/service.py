"""The one write of the reports: an export is recorded in the audit (it takes figures and citizens'
comments out of the platform), with who, when, and which report."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth.service import CurrentUser
from hotline.reports.queries import Period


def record_export(session: Session, user: CurrentUser, period: Period, lang: str, now: datetime) -> None:
    audit.record(
        session,
        audit.Actor.of(user),
        "reports.export",
        "report",
        f"{period.kind.value}:{period.code}",
        at=now,
        after={"kind": period.kind.value, "period": period.code, "format": "xlsx", "lang": lang},
    )
