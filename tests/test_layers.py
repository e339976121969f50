"""The layering contracts hold on this tree, and each one fails when broken on purpose."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHECK = REPO / "tools" / "check_layers.py"
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc")


def _lint(repo: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    """Run the layer check on `repo` in a fresh interpreter (imports must not leak in)."""
    return subprocess.run(
        [sys.executable, str(CHECK), "--repo", str(repo), *contracts],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _scratch(tmp_path: Path) -> Path:
    """A copy of what the contracts look at: the packages, the UI and the config."""
    root = tmp_path / "repo"
    for package in ("evalguard_core", "evalguard_ui", "pages"):
        shutil.copytree(REPO / package, root / package, ignore=_IGNORE)
    for name in ("app.py", "server.py", "pyproject.toml"):
        shutil.copy2(REPO / name, root / name)
    return root


def test_this_tree_keeps_every_contract() -> None:
    result = _lint(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


# (contract id, file to add, its source): each breaks exactly the rule named by the id.
BREAKS = [
    ("core-no-streamlit", "evalguard_core/scratch_ui.py", "import streamlit\n"),
    ("web-framework-in-api", "evalguard_core/scratch_web.py", "import fastapi\n"),
    ("web-framework-in-api", "evalguard_ui/scratch_web.py", "import starlette.routing\n"),
    ("drivers-in-store", "evalguard_core/scratch_sql.py", "import duckdb\n"),
    ("drivers-in-store", "evalguard_ui/scratch_sql.py", "import psycopg\n"),
    ("models-no-store", "evalguard_core/models/scratch.py", "from evalguard_core import store\n"),
    ("pages-public-api", "pages/scratch.py", "from evalguard_core.store import Store\n"),
    ("pages-public-api", "pages/scratch_api.py", "import evalguard_core.api.app\n"),
]


@pytest.mark.parametrize(("contract", "path", "source"), BREAKS, ids=[b[1] for b in BREAKS])
def test_a_broken_contract_fails_the_check(
    tmp_path: Path, contract: str, path: str, source: str
) -> None:
    root = _scratch(tmp_path)
    (root / path).write_text(source)
    result = _lint(root, contract)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout
    assert Path(path).stem in result.stdout  # the report names the offending module
