"""Schemathesis over the whole OpenAPI document, as three staff roles, on SQLite and PostgreSQL:
no input it generates may give a 5xx, and every answer must match the documented schema (issue
16). Bounded: a few examples per operation and role (about a minute a database on a quiet
machine). Logging out and revoking an Open311 key are left out: the run must not pull the ground
from under itself; their own tests are in tests/integration."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import Platform, _platform

ROLES = ("operator1", "dispatcher", "admin")
EXAMPLES = 4
LEFT_OUT = {("POST", "/api/v1/auth/logout"), ("POST", "/api/v1/open311/keys/{key_id}/revoke")}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzzed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """A platform of its own: what the fuzzer writes stays out of the other tests' data."""
    data_dir = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    if request.param == "sqlite":
        yield from _platform("sqlite", f"sqlite:///{data_dir / 'hotline.db'}", data_dir)
    else:
        from tests.conftest import temporary_postgres_database

        with temporary_postgres_database("hotline_fuzz") as url:
            yield from _platform("postgresql", url, data_dir)


def _fuzz(operation: object, role: str, headers: dict[str, str], failures: list[str]) -> None:
    """``EXAMPLES`` generated calls of one operation as one role; failures collected, not raised."""
    op: schemathesis.APIOperation = operation  # type: ignore[assignment]

    @given(case=op.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def call(case: schemathesis.Case) -> None:
        try:
            case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])
        except Exception as exc:  # every operation's failure, not just the first
            failures.append(f"{role} {op.method.upper()} {op.path}: {exc}"[:2000])

    call()


def test_no_generated_request_gives_a_server_error_or_an_undocumented_answer(fuzzed: Platform) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed.client.app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in LEFT_OUT:
            continue
        operations += 1
        for role in ROLES:
            _fuzz(operation, role, fuzzed.headers(role), failures)
    assert operations > 60  # the whole document, not a part of it
    assert failures == [], "\n\n".join(failures[:10])
