"""Fixtures of the integration tests (the shared `platform` fixture itself is in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import Platform, _platform, temporary_postgres_database
from tests.integration.timeline import timeline  # noqa: F401  (fixture: move the clock, put it back)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def isolated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """A platform on a database of this test module's own (demo city loaded), for tests that look at
    everything due in the database — the sweeper, the outbox — and so must not see other tests' tickets."""
    data_dir = tmp_path_factory.mktemp(f"isolated-{request.param}")
    if request.param == "sqlite":
        yield from _platform("sqlite", f"sqlite:///{data_dir / 'hotline.db'}", data_dir)
        return
    with temporary_postgres_database() as url:
        yield from _platform("postgresql", url, data_dir)
