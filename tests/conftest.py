"""Shared fixtures: real DuckDB files in tmp_path or a real throwaway PostgreSQL, the real API
through TestClient.

`store` runs on the backend the `backend` fixture names: DuckDB here; tests/core and tests/api
parametrize it over both backends. PostgreSQL is one cluster per session (tests/pgserver.py)
with one migrated database, emptied before each test (TRUNCATE: ~40 ms, against ~250 ms for a
CREATE DATABASE from a template).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from evalguard_core import auth, runs
from evalguard_core.api import create_api
from evalguard_core.store import DEFAULT_ORG_ID, Scope, Store
from tests import pgserver

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

SAMPLE_CSV = (
    "case_id,input,output,expected,latency_ms,score:accuracy,label:llm_judge,score:llm_judge,topic\n"
    "c1,What is 2+2?,4,4,120,1.0,pass,0.9,math\n"
    "c2,Capital of France?,Lyon,Paris,340,0.0,fail,0.8,geo\n"
    "c3,Color of sky?,Blue,Blue,95.5,0.9,pass,0.7,science\n"
    "c4,Largest planet?,Saturn,Jupiter,410,0.1,pass,0.55,science\n"
)


BACKENDS = ("duckdb", "postgresql")
_PG: dict[str, Any] = {}


def pytest_report_header() -> str:
    """Say up front whether the PostgreSQL half of the suite can run."""
    bindir = pgserver.pg_bin()
    if bindir is None:
        return (
            "PostgreSQL: NO SERVER BINARIES; the postgresql-backend tests will be SKIPPED "
            "(run as root, or `apt-get install -y postgresql`)"
        )
    return f"PostgreSQL: throwaway cluster from {bindir}"


def _pg_session() -> str:
    """The session's migrated PostgreSQL database URL (started on first use), or skip."""
    if "skip" in _PG:
        pytest.skip(_PG["skip"])
    if "url" not in _PG:
        server, reason = pgserver.start(fsync=False)
        if server is None:
            _PG["skip"] = f"PostgreSQL unavailable: {reason}"
            print(f"\n*** {_PG['skip']} ***", file=sys.stderr)
            pytest.skip(_PG["skip"])
        import psycopg

        with psycopg.connect(server.url(), autocommit=True) as con:
            con.execute("CREATE DATABASE evalguard_test")
        url = server.url("evalguard_test")
        Store.open(url, migrate=True).close()
        with psycopg.connect(url, autocommit=True) as con:
            tables = [
                r[0]
                for r in con.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = "
                    "'public' AND table_name <> 'schema_version'"
                )
            ]
            sequences = [
                r[0]
                for r in con.execute(
                    "SELECT sequence_name FROM information_schema.sequences "
                    "WHERE sequence_schema = 'public'"
                )
            ]
        _PG.update(server=server, url=url, tables=tables, sequences=sequences)
    return str(_PG["url"])


def reset_pg(url: str) -> None:
    """Empty every table of the test database and put back the default organization."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        con.execute("SET lock_timeout = '20s'")
        con.execute(f"TRUNCATE {', '.join(_PG['tables'])} CASCADE")
        for seq in _PG["sequences"]:
            con.execute(f"ALTER SEQUENCE {seq} RESTART")
        con.execute(
            "INSERT INTO organizations (org_id, name, is_default) VALUES (%s, 'default', true)",
            [DEFAULT_ORG_ID],
        )


@pytest.fixture
def backend() -> str:
    """The store backend for this test (tests/core and tests/api parametrize it)."""
    return "duckdb"


@pytest.fixture
def store_location(backend: str, tmp_path: Path) -> str:
    """Where this test's fresh store lives: a DuckDB file, or an emptied PostgreSQL database."""
    if backend == "duckdb":
        return str(tmp_path / "evalguard.duckdb")
    url = _pg_session()
    reset_pg(url)
    return url


@pytest.fixture
def store(store_location: str) -> Iterator[Store]:
    """A fresh store on the test's backend."""
    s = Store.open(store_location)
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
