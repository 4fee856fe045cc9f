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


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _maps(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "maps").read_text()
    except OSError:
        return ""


def test_serve_with_two_workers_starts_them_from_the_web_app_alone(tmp_path: Path) -> None:
    """Issue 16, defect 6: each of `serve --workers 2`'s workers imported the whole command line
    (scikit-learn, scipy) before it could answer uvicorn's 5-s health check, and on a busy machine
    was killed and respawned over and over. Now the workers answer, none of them has loaded
    scikit-learn's or scipy's libraries, and the health-check timeout is the one asked for."""
    port = _free_port()
    env = {**os.environ, "HOTLINE_DATA_DIR": str(tmp_path / "var"), "HOTLINE_PORT": str(port)}
    env.pop("HOTLINE_DATABASE_URL", None)
    env["HOTLINE_WORKER"] = "off"  # web workers only, as beside `hotline worker` on PostgreSQL
    hotline = Path(sys.executable).parent / "hotline"
    log = tmp_path / "serve.log"
    cmd = [str(hotline), "serve", "--no-demo", "--workers", "2", "--healthcheck-timeout", "45"]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_serving(proc, base, log, 90)
        for _ in range(20):  # both workers answer (requests spread over them)
            assert httpx2.get(f"{base}/healthz").json()["status"] == "ok"
        cmdline = (Path("/proc") / str(proc.pid) / "cmdline").read_bytes().split(b"\0")
        assert cmdline[1:4] == [b"-m", b"uvicorn", b"hotline.asgi:app"]
        assert cmdline[cmdline.index(b"--timeout-worker-healthcheck") + 1] == b"45"
        workers = [pid for pid in _children(proc.pid) if b"spawn_main" in _cmd(pid)]
        assert len(workers) == 2, workers
        for pid in workers:
            maps = _maps(pid)
            assert "/sklearn/" not in maps and "/scipy/" not in maps, f"worker {pid} loaded scikit-learn"
        assert "died" not in log.read_text(), log.read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _cmd(pid: int) -> bytes:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes()
    except OSError:
        return b""


def test_the_web_app_starts_without_the_classifier(tmp_path: Path) -> None:
    """Importing the ASGI app and starting it as a web worker (routing left to `hotline worker`)
    imports neither scikit-learn nor scipy: they cost a busy machine seconds (defect 6)."""
    url = f"sqlite:///{tmp_path / 'hotline.db'}"
    upgrade(url)
    script = (
        "import sys\n"
        "import hotline.asgi\n"
        "heavy = {'sklearn', 'scipy', 'hotline.classifier.model', 'hotline.cli'}\n"
        "assert not heavy & set(sys.modules), sorted(heavy & set(sys.modules))\n"
        "from fastapi.testclient import TestClient\n"
        "with TestClient(hotline.asgi.app) as client:\n"
        "    assert client.get('/healthz').status_code == 200\n"
        "    assert not heavy & set(sys.modules), sorted(heavy & set(sys.modules))\n"
        "print('light')\n"
    )
    env = {**os.environ, "HOTLINE_DATA_DIR": str(tmp_path), "HOTLINE_DATABASE_URL": url}
    env.update({"HOTLINE_WORKER": "off", "HOTLINE_DEMO": "false"})
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "light"
