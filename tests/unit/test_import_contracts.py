"""The domain's contract (standard library only) kept by the real domain, broken by planted imports:
a third-party library and a sibling package, at function level where a grep for "^import" misses it."""

from __future__ import annotations

import shutil
from pathlib import Path

import grimp
import pytest

from tests.import_contracts import StandardLibraryOnly

DOMAIN = Path(__file__).resolve().parents[2] / "src" / "hotline" / "domain"


def _house(root: Path) -> None:
    """A package `house` whose domain is a copy of the real one (its imports renamed) and which has
    a sibling package, `house.routing`."""
    (root / "house").mkdir()
    (root / "house" / "__init__.py").write_text("")
    (root / "house" / "routing.py").write_text("ROUTES = 1\n")
    shutil.copytree(DOMAIN, root / "house" / "domain", ignore=shutil.ignore_patterns("__pycache__"))
    for path in (root / "house" / "domain").glob("*.py"):
        path.write_text(path.read_text(encoding="utf-8").replace("hotline.", "house."), encoding="utf-8")


def _check(root: Path) -> list[tuple[str, str]]:
    graph = grimp.build_graph("house", include_external_packages=True, cache_dir=None)
    contract = StandardLibraryOnly(
        name="pure",
        session_options={"root_packages": ["house"]},
        contract_options={"source_modules": ["house.domain"]},
    )
    check = contract.check(graph, verbose=False)
    found = [(str(b["importer"]), str(b["imported"])) for b in check.metadata["bad"]]
    assert check.kept == (not found)
    return found


def test_the_real_domain_keeps_the_contract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _house(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _check(tmp_path) == []


def test_a_planted_library_or_sibling_import_breaks_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _house(tmp_path)
    (tmp_path / "house" / "domain" / "planted.py").write_text(
        "import json\n\n\ndef later():\n    import numpy\n\n    from house import routing\n\n"
        "    return json, numpy, routing\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert sorted(_check(tmp_path)) == [
        ("house.domain.planted", "house.routing"),
        ("house.domain.planted", "numpy"),
    ]
