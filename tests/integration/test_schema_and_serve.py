"""The migrations build exactly the schema the models describe, and `hotline serve` starts a
working platform with the demo city on a fresh data directory — the README's first command."""

from __future__ import annotations

import gc
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx2
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient

from hotline.app import create_app
from hotline.config import Settings
from hotline.db.migrate import upgrade
from hotline.schema import metadata
from tests.conftest import Platform, wait_until_serving


def test_migrations_match_the_models(platform: Platform) -> None:
    with platform.db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diffs == [], diffs


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_starts_the_demo_city_on_a_fresh_machine(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "HOTLINE_DATA_DIR": str(tmp_path / "var"), "HOTLINE_PORT": str(port)}
    env["HOTLINE_DEMO_HISTORY_DAYS"] = "1"  # a day of the demo's past (a month: docs/demo-city.md)
    env.pop("HOTLINE_DATABASE_URL", None)
    hotline = Path(sys.executable).parent / "hotline"
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(hotline), "serve"], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_serving(proc, base, log, 60)
        assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in httpx2.get(f"{base}/docs").text
        login = httpx2.post(
            f"{base}/api/v1/auth/login", json={"username": "dispatcher", "password": "Demo-dispatcher-2026"}
        )
        assert login.status_code == 200
        token = login.json()["access_token"]
        units = httpx2.get(f"{base}/api/v1/units", headers={"Authorization": f"Bearer {token}"}).json()
        assert any(u["name"] == "海滨市12345政务服务便民热线中心" for u in units)
        # and it has a past: the day of history written at first start
        page = httpx2.get(f"{base}/api/v1/tickets", headers={"Authorization": f"Bearer {token}"}).json()
        assert page["total"] > 10
        assert "演示历史已写入" in log.read_text()
        # the demo city's Open311 services come with it (docs/open311.md)
        services = httpx2.get(f"{base}/open311/v2/services.json").json()
        assert "101" in {s["service_code"] for s in services}
        assert (tmp_path / "var" / "hotline.db").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_the_server_app_freezes_what_start_up_loaded(tmp_path: Path) -> None:
    """`hotline.asgi` takes the start-up heap out of the garbage collector's walks (a full
    collection of it paused the server for 120-140 ms under load); apps made by tests do not."""
    url = f"sqlite:///{tmp_path / 'hotline.db'}"
    upgrade(url)
    settings = Settings(data_dir=tmp_path, database_url=url, demo=False)
    gc.unfreeze()
    try:
        with TestClient(create_app(settings)) as client:
            assert client.get("/healthz").status_code == 200
            assert gc.get_freeze_count() == 0
        with TestClient(create_app(settings, freeze_after_start=True)) as client:
            assert client.get("/healthz").status_code == 200
            assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
