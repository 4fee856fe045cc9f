"""README's walkthrough is scripts/walkthrough, run here against `hotline serve` on a fresh data
directory, on SQLite and on PostgreSQL, twice in a row, as a new user would paste it."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import temporary_postgres_database, wait_until_serving

ROOT = Path(__file__).resolve().parents[2]
WALKTHROUGH = ROOT / "scripts" / "walkthrough"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(tmp_path: Path, database_url: str | None) -> Iterator[tuple[str, str]]:
    """`hotline serve` with the demo city, as scripts/run starts it; yields its URL and database."""
    port = _free_port()
    env = {**os.environ, "HOTLINE_DATA_DIR": str(tmp_path / "var"), "HOTLINE_PORT": str(port)}
    env["HOTLINE_DEMO_HISTORY_DAYS"] = "1"  # a day of the past: a short start (docs/demo-city.md)
    env.pop("HOTLINE_DATABASE_URL", None)
    if database_url:  # PostgreSQL: the background work (routing of new tickets) in the same process
        env.update(HOTLINE_DATABASE_URL=database_url, HOTLINE_WORKER="on")
    hotline = Path(sys.executable).parent / "hotline"
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(hotline), "serve"], env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(proc, base, log, 180)
        yield base, database_url or f"sqlite:///{tmp_path / 'var' / 'hotline.db'}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    if request.param == "sqlite":
        yield from _serve(tmp_path, None)
    else:
        with temporary_postgres_database("hotline_walkthrough") as url:
            yield from _serve(tmp_path, url)


def _walk(url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOTLINE_URL": url}
    return subprocess.run(["bash", str(WALKTHROUGH)], env=env, capture_output=True, text=True, timeout=120)


def test_the_walkthrough_runs_twice_in_a_row(server: tuple[str, str]) -> None:
    url, database = server
    runs = [_walk(url), _walk(url)]
    codes = []
    for run in runs:
        assert run.returncode == 0, run.stdout + run.stderr
        out = run.stdout
        assert "status: 已办结" in out
        steps = ["dispatched", "acknowledged", "contacted", "replied", "approved", "followed_up", "closed"]
        for step in steps:  # the audit trail, one event per step
            assert re.search(rf"(ticket|assignment)\.{step} ", out), step
        # what the citizen sees: the status, the unit's reply, the steps, and nothing internal
        citizen = out.split("7. ")[1]
        assert "已办结 · 答复：金鱼路10千伏线路故障已于18时修复，已恢复供电。" in citizen
        assert "已派至海滨供电办理" in citizen and "海滨供电已与您联系" in citizen
        assert "13812345678" not in citizen and "审核" not in citizen.split("\n", 1)[1]
        codes.append(re.search(r"tracking code (\w{10})", out).group(1))  # type: ignore[union-attr]
    assert codes[0] != codes[1]  # the second paste is a new call, not the first one found again

    # A failed login stops the walk at once, saying why, with no Python traceback.
    engine = create_engine(database)
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET password_hash = 'not-a-hash' WHERE username = 'operator1'"))
    engine.dispose()
    failed = _walk(url)
    assert failed.returncode != 0 and failed.stdout == ""
    assert "/api/v1/auth/login refused (401): 用户名或密码错误" in failed.stderr
    assert "Traceback" not in failed.stderr


def test_readme_shows_the_walkthrough_as_it_is() -> None:
    script = WALKTHROUGH.read_text()
    block = script[script.index("(\n") :].rstrip()
    readme = (ROOT / "README.md").read_text()
    assert f"```bash\n{block}\n```" in readme
