"""Shared fixtures: real DuckDB files in tmp_path, the real API through TestClient."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from evalguard_core import auth, runs
from evalguard_core.api import create_api
from evalguard_core.store import Scope, Store

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

SAMPLE_CSV = (
    "case_id,input,output,expected,latency_ms,score:accuracy,label:llm_judge,score:llm_judge,topic\n"
    "c1,What is 2+2?,4,4,120,1.0,pass,0.9,math\n"
    "c2,Capital of France?,Lyon,Paris,340,0.0,fail,0.8,geo\n"
    "c3,Color of sky?,Blue,Blue,95.5,0.9,pass,0.7,science\n"
    "c4,Largest planet?,Saturn,Jupiter,410,0.1,pass,0.55,science\n"
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh store in a real DuckDB file."""
    s = Store.open(tmp_path / "evalguard.duckdb")
    yield s
    s.close()


@pytest.fixture
def scope(store: Store) -> Scope:
    """The default organization's scope."""
    return store.scope()


@pytest.fixture
def sample_csv(tmp_path: Path) -> Path:
    """A small single-output eval run file."""
    path = tmp_path / "run.csv"
    path.write_text(SAMPLE_CSV, encoding="utf-8")
    return path


@pytest.fixture
def sample_run(scope: Scope, sample_csv: Path) -> str:
    """The sample run imported; returns its run id."""
    return runs.import_run(scope, sample_csv, name="sample").run_id


@pytest.fixture
def keys(store: Store) -> dict[str, str]:
    """One key per role in the default organization: {role: key}."""
    return {
        role: auth.create_key(store, name=f"{role}_user", role=role)["key"]
        for role in ("admin", "annotator", "viewer")
    }


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    """The real API over the temporary store."""
    with TestClient(create_api(store, rate_limit="100000/minute")) as c:
        yield c


def bearer(key: str) -> dict[str, str]:
    """Authorization header for a key."""
    return {"Authorization": f"Bearer {key}"}
