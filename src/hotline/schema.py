"""The whole schema in one place, for Alembic (`db/migrations/env.py`) and the schema tests.

It imports every package's `models`, so it sits above them all: `db` stays the ground floor that
every package builds on, and never imports a package's tables."""

from __future__ import annotations

from hotline.analytics import models as _analytics  # noqa: F401  (registers tables)
from hotline.assessment import models as _assessment  # noqa: F401  (registers tables)
from hotline.audit import models as _audit  # noqa: F401  (registers tables)
from hotline.console import models as _console  # noqa: F401  (registers tables)
from hotline.db.base import Base
from hotline.directory import models as _directory  # noqa: F401  (registers tables)
from hotline.followup import models as _followup  # noqa: F401  (registers tables)
from hotline.intake import models as _intake  # noqa: F401  (registers tables)
from hotline.kb import models as _kb  # noqa: F401  (registers tables)
from hotline.media import models as _media  # noqa: F401  (registers tables)
from hotline.notify import models as _notify  # noqa: F401  (registers tables)
from hotline.open311 import models as _open311  # noqa: F401  (registers tables)
from hotline.routing import models as _routing  # noqa: F401  (registers tables)
from hotline.search import models as _search  # noqa: F401  (registers tables)
from hotline.sla import models as _sla  # noqa: F401  (registers tables)
from hotline.tickets import models as _tickets  # noqa: F401  (registers tables)

metadata = Base.metadata
