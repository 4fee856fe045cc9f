"""The three-level taxonomy becomes the category tree when its file is given; without it the
built-in tree stays. Each on a database of its own (it retires the built-in categories)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hotline import bootstrap
from hotline.app import create_app
from hotline.config import Settings
from hotline.db.engine import Database
from hotline.db.migrate import upgrade
from hotline.directory import service as directory
from hotline.routing import taxonomy
from hotline.routing.runtime import Runtime
from tests.conftest import SHARED_DATA
from tests.routing_platform.conftest import fresh_database

NOW = datetime(2026, 11, 20, 1, 30, tzinfo=UTC)
SMALL = """一级分类,二级分类,三级分类
城乡建设,城市建设和市政管理,电力供应
城乡建设,城市建设和市政管理,自来水供应
城乡建设,城乡规划,违章建筑
劳动和社会保障,劳动关系,农民工权益
劳动和社会保障,劳动关系,农民工权益
交通运输,出租车管理,网约车问题
,,
"""


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """One fresh database per backend for this module; its tests run in order on it."""
    with fresh_database(request.param, tmp_path_factory.mktemp("taxonomy")) as url:
        upgrade(url)
        database = Database(url)
        with database.write() as s:
            bootstrap.load_city(s, directory.demo_city(), NOW)
        yield database
        database.dispose()


def test_a_small_taxonomy_replaces_the_built_in_tree_with_units_from_the_map(
    db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "taxonomy.csv"
    path.write_text(SMALL, encoding="utf-8")
    rows = taxonomy.read(path)
    assert len(rows) == 5  # the repeated and the empty row are dropped
    with db.write() as s:
        result = taxonomy.import_rows(s, rows, NOW)
    assert (result.created, result.retired, result.territorial) == (3 + 4 + 5, 94, 1)
    runtime = Runtime(tmp_path)
    with db.read() as s:
        world = runtime.world(s)
        leaves = {c.path: c for c in world.leaves}
        assert len(leaves) == 5 and "urban.streetlight" not in world.categories
        power = leaves[("城乡建设", "城市建设和市政管理", "电力供应")]
        assert world.units[power.default_unit_id].code == "ent-power"
        illegal = leaves[("城乡建设", "城乡规划", "违章建筑")]
        assert illegal.territorial and illegal.default_unit_id is None
        migrant = leaves[("劳动和社会保障", "劳动关系", "农民工权益")]
        assert world.units[migrant.default_unit_id].code == "dept-hrss"  # from its first level
    with db.write() as s:  # importing again updates, never duplicates
        again = taxonomy.import_rows(s, rows, NOW)
    assert (again.created, again.updated, again.retired) == (0, 12, 0)


def test_routing_uses_the_imported_tree(db: Database, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=db.url, demo=False)
    with TestClient(create_app(settings, clock=lambda: NOW, db=db)) as client:
        token = client.post(
            "/api/v1/auth/login", json={"username": "operator1", "password": "Demo-operator1-2026"}
        )
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        out = client.post(
            "/api/v1/routing/suggest", json={"text": "博爱社区有人违章建筑"}, headers=headers
        ).json()
    top = out["suggestions"][0]
    assert top["category"]["name"] == "城乡建设 › 城乡规划 › 违章建筑"
    assert top["unit"]["name"] == "龙湾区人民政府"  # territorial: the place's unit


def test_a_file_without_the_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(taxonomy.TaxonomyError, match="missing columns"):
        taxonomy.read(path)


@pytest.mark.needs_shared_data
def test_the_shared_taxonomy_imports_whole(db: Database) -> None:
    path = SHARED_DATA / "tipdm2020c_gov_messages" / "label_taxonomy_attachment1.csv"
    if not path.is_file():
        if os.environ.get("CI"):  # CI has ../shared beside the clone: missing data is a failure there
            pytest.fail(f"shared data not found at {path}; CI must have ../shared/data")
        pytest.skip(f"shared data not found at {path} (only on the project's machines)")
    with db.write() as s:
        result = taxonomy.import_rows(s, taxonomy.read(path), NOW)
    assert result.created + result.updated == 15 + 118 + 517 and result.without_unit == 0
    with db.read() as s:
        assert len(Runtime(path.parent).world(s).leaves) == 517
