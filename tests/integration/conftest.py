"""Fixtures of the integration tests (the `platform` fixture itself is in tests/conftest.py)."""

from tests.integration.timeline import timeline  # noqa: F401  (fixture: move the clock, put it back)
