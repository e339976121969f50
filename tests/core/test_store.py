"""Store: migrations on open, the schema version guard, atomic(), threads."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from evalguard_core import db as dbmod
from evalguard_core.errors import StoreError
from evalguard_core.store import Store


def test_fresh_store_is_at_latest_version_with_default_org(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "a.duckdb")
    assert store.db.schema_version() == dbmod.latest_schema_version()
    orgs = store.db.fetchall("SELECT name, is_default FROM organizations")
    assert orgs == [("default", True)]
    store.close()


def test_reopening_does_not_reapply_migrations(tmp_path: Path) -> None:
    Store.open(tmp_path / "a.duckdb").close()
    store = Store.open(tmp_path / "a.duckdb")
    versions = store.db.fetchall("SELECT version FROM schema_version ORDER BY version")
    # each shipped migration once (numbers are assigned per issue, so they may have gaps)
    assert [v for (v,) in versions] == [v for v, _, _ in dbmod.migrations(dbmod.DUCKDB)]
    store.close()


def test_older_file_is_upgraded_keeping_its_data(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "old.duckdb"
    store = Store.open(path)
    store.db.execute("INSERT INTO organizations (org_id, name) VALUES (gen_random_uuid(), 'acme')")
    store.close()
    shipped = dbmod.migrations("duckdb")
    extra = (shipped[-1][0] + 1, "add_note", "ALTER TABLE organizations ADD COLUMN note VARCHAR;")
    monkeypatch.setattr(dbmod, "migrations", lambda dialect: [*shipped, extra])
    store = Store.open(path)
    assert store.db.schema_version() == extra[0]
    assert store.db.fetchall("SELECT name, note FROM organizations WHERE name = 'acme'") == [
        ("acme", None)
    ]
    store.close()


def test_failed_migration_leaves_file_at_previous_version(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "old.duckdb"
    Store.open(path).close()
    shipped = dbmod.migrations("duckdb")
    bad = (shipped[-1][0] + 1, "broken", "ALTER TABLE organizations ADD COLUMN x INT; SELEC 1;")
    monkeypatch.setattr(dbmod, "migrations", lambda dialect: [*shipped, bad])
    with pytest.raises(Exception):  # noqa: B017 - the parser error itself is DuckDB's
        Store.open(path)
    monkeypatch.setattr(dbmod, "migrations", lambda dialect: shipped)
    store = Store.open(path)
    assert store.db.schema_version() == shipped[-1][0]
    cols = [r[0] for r in store.db.fetchall("DESCRIBE organizations")]
    assert "x" not in cols
    store.close()


def test_newer_file_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "new.duckdb"
    store = Store.open(path)
    store.db.execute("INSERT INTO schema_version VALUES (999, 'future', now())")
    store.close()
    with pytest.raises(StoreError, match="newer than this EvalGuard understands"):
        Store.open(path)


def test_atomic_rolls_back_everything_on_error(store: Store) -> None:
    with pytest.raises(RuntimeError), store.db.atomic() as cur:
        cur.execute("INSERT INTO organizations (org_id, name) VALUES (gen_random_uuid(), 'x')")
        with store.db.atomic() as inner:  # nested joins the outer transaction
            inner.execute(
                "INSERT INTO organizations (org_id, name) VALUES (gen_random_uuid(), 'y')"
            )
        raise RuntimeError("boom")
    assert store.db.fetchone("SELECT count(*) FROM organizations")[0] == 1


def test_each_thread_gets_its_own_cursor(store: Store) -> None:
    if store.dialect != "duckdb":
        pytest.skip("DuckDB cursors only; PostgreSQL threads borrow pooled connections")
    cursors = []

    def grab() -> None:
        cursors.append(store.db.cursor())
        store.db.fetchone("SELECT 1")

    threads = [threading.Thread(target=grab) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert len({id(c) for c in cursors}) == 4


def test_second_process_gets_one_line_naming_the_holder(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "held.duckdb"
    store = Store.open(path)
    try:
        code = (
            "from evalguard_core.store import Store\n"
            "from evalguard_core.errors import StoreError\n"
            f"try:\n    Store.open({str(path)!r})\nexcept StoreError as e:\n    print(e)\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
        )
        assert "in use by another process" in out.stdout
        assert "PID" in out.stdout
        assert out.stdout.count("\n") == 1
    finally:
        store.close()
