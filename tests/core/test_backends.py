"""What only a second backend can show: PostgreSQL's declared constraints, its schema guard and
connection errors, the same seeded draw on both backends, and copying a whole store across."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from evalguard_core import bootstrap, db, queues, runs
from evalguard_core.cli import main
from evalguard_core.errors import (
    ConstraintViolation,
    StoreError,
    TransactionConflict,
    ValidationError,
)
from evalguard_core.store import Store
from evalguard_core.store import claims as claims_sql
from evalguard_core.store.copy import copy_store
from tests import pgserver
from tests.conftest import _PG, _pg_session, reset_pg
from tests.core.test_bootstrap import write_run


@pytest.fixture
def pg_url() -> str:
    """The session's PostgreSQL test database, emptied (skips when PostgreSQL is unavailable)."""
    url = _pg_session()
    reset_pg(url)
    return url


@pytest.fixture
def empty_pg(pg_url: str) -> Iterator[str]:
    """A brand-new, unmigrated PostgreSQL database; dropped afterwards."""
    server = _PG["server"]
    name = f"eg_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.url(), autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name}")
    yield server.url(name)
    with psycopg.connect(server.url(), autocommit=True) as con:
        con.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_every_migration_exists_for_both_backends() -> None:
    duck = [(v, n) for v, n, _ in db.migrations("duckdb")]
    pg = [(v, n) for v, n, _ in db.migrations("postgresql")]
    assert duck == pg
    # Numbers are assigned per issue (ADR 0013's 0005 may land before 0002-0004): unique and
    # ascending is what `migrate` needs.
    versions = [v for v, _ in duck]
    assert versions == sorted(set(versions)) and versions[0] == 1


def test_unmigrated_database_is_refused_until_migrate(empty_pg: str, capsys) -> None:
    with pytest.raises(StoreError, match="schema version 0.*run `evalguard migrate`"):
        Store.open(empty_pg)
    assert main(["runs", "list", "--database-url", empty_pg]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "evalguard migrate" in err
    assert main(["migrate", "--database-url", empty_pg]) == 0
    store = Store.open(empty_pg)
    assert store.db.schema_version() == db.latest_schema_version("postgresql")
    assert store.db.fetchall("SELECT name, is_default FROM organizations") == [("default", True)]
    store.close()


def test_newer_database_is_refused(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("INSERT INTO schema_version VALUES (999, 'future', now())")
    try:
        with pytest.raises(StoreError, match="newer than this EvalGuard understands"):
            Store.open(pg_url)
    finally:
        with psycopg.connect(pg_url, autocommit=True) as con:
            con.execute("DELETE FROM schema_version WHERE version = 999")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda u: u.rsplit("/", 1)[0] + "/no_such_db", 'database "no_such_db" does not exist'),
        (lambda u: f"postgresql://evalguard@127.0.0.1:{pgserver.free_port()}/x", "refused"),
        (lambda u: u.replace("evalguard@", "nobody@"), 'role "nobody" does not exist'),
    ],
)
def test_connection_problems_are_one_line_and_exit_2(pg_url: str, change, expected, capsys):
    url = change(pg_url)
    with pytest.raises(StoreError, match=expected):
        Store.open(url)
    assert main(["queues", "list", "--database-url", url]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err and "Traceback" not in err


def test_constraints_are_declared_in_postgresql(pg_url: str, tmp_path: Path) -> None:
    store = Store.open(pg_url)
    scope = store.scope()
    run_id = runs.import_run(scope, write_run(tmp_path / "r.csv", 5), name="r").run_id
    queue = queues.create_queue(scope, name="q", created_by="admin")["queue_id"]
    queues.add_items(scope, queue, [f"{run_id}:c00000", f"{run_id}:c00001"])
    item = store.db.fetch_dict("SELECT item_id, trace_id FROM queue_items ORDER BY item_id")
    assert item is not None
    # One item per (queue, target), even when a writer skips the in-process lock.
    with pytest.raises(TransactionConflict):
        store.db.execute(
            "INSERT INTO queue_items (item_id, queue_id, org_id, trace_id, run_id, target_id, "
            "position) SELECT 999, queue_id, org_id, trace_id, run_id, target_id, 0.5 "
            "FROM queue_items WHERE item_id = ?",
            [item["item_id"]],
        )
    # One active lease per (item, rater).
    now = datetime.now(UTC)
    claims_sql.insert_claim(scope, queue, item["item_id"], "ann", now=now, expires=now)
    with pytest.raises(TransactionConflict):
        claims_sql.insert_claim(
            scope, queue, item["item_id"], "ann", now=now, expires=now + timedelta(seconds=9)
        )
    # One label per (queue, item, rater).
    insert = (
        "INSERT INTO annotations (annotation_id, org_id, run_id, trace_id, target_type, "
        "target_id, queue_id, item_id, annotator, label, source, created_at, updated_at) "
        "VALUES (gen_random_uuid(), ?, ?, ?, 'eval_case', 't', ?, ?, 'ann', 'pass', 'api', "
        "now(), now())"
    )
    params = [scope.org_id, run_id, item["trace_id"], queue, item["item_id"]]
    store.db.execute(insert, params)
    with pytest.raises(TransactionConflict):
        store.db.execute(insert, params)
    # Unique names among an organization's live keys (a revoked key's name is free again).
    key = (
        "INSERT INTO api_keys (key_id, org_id, name, live_name, role, key_hash, key_prefix) "
        "VALUES (gen_random_uuid(), ?, 'ci', 'ci', 'viewer', ?, 'eg_')"
    )
    store.db.execute(key, [scope.org_id, "h1"])
    with pytest.raises(ConstraintViolation):
        store.db.execute(key, [scope.org_id, "h2"])
    store.db.execute(
        "UPDATE api_keys SET live_name = NULL, revoked_at = now() WHERE key_hash = 'h1'"
    )
    store.db.execute(key, [scope.org_id, "h3"])
    store.close()


def test_same_seed_draws_the_same_cases_on_both_backends(pg_url: str, tmp_path: Path) -> None:
    csv = write_run(tmp_path / "big.csv", 600)
    drawn = []
    for location in (str(tmp_path / "d.duckdb"), pg_url):
        store = Store.open(location)
        scope = store.scope()
        run_id = runs.import_run(scope, csv, name="big").run_id
        queue = queues.create_queue(scope, name="q", created_by="admin")["queue_id"]
        bootstrap.run_bootstrap(scope, queue_id=queue, run_id=run_id, sample_count=60, seed=11)
        items = bootstrap.sampled_items(scope, queue)
        drawn.append(sorted((i["case_id"], i["stratum"], i["inclusion_prob"]) for i in items))
        store.close()
    assert len(drawn[0]) == 60
    assert drawn[0] == drawn[1]


def test_store_copies_both_ways_with_matching_checksums(pg_url: str, tmp_path: Path, capsys):
    source = Store.open(tmp_path / "src.duckdb")
    scope = source.scope()
    run_id = runs.import_run(scope, write_run(tmp_path / "r.csv", 50), name="r").run_id
    queue = queues.create_queue(scope, name="q", created_by="admin")["queue_id"]
    queues.add_items(scope, queue, [f"{run_id}:c{i:05d}" for i in range(10)])
    source.close()
    assert main(["store", "copy", "--db", str(tmp_path / "src.duckdb"), "--to", pg_url]) == 0
    out = capsys.readouterr().out
    assert "every table matches" in out and " NO" not in out
    back = tmp_path / "back.duckdb"
    assert main(["store", "copy", "--database-url", pg_url, "--to", str(back)]) == 0
    copy = Store.open(back)
    assert copy.db.fetchone("SELECT count(*) FROM cases")[0] == 50
    assert copy.db.fetchone("SELECT count(*) FROM queue_items")[0] == 10
    # Sequences continue after the copied ids: a new import gets fresh trace ids.
    new_run = runs.import_run(copy.scope(), write_run(tmp_path / "s.csv", 3), name="s").run_id
    assert copy.db.fetchone("SELECT count(DISTINCT trace_id) FROM cases")[0] == 53
    assert new_run
    copy.close()
    # A second copy into the now non-empty database is refused and changes nothing.
    assert main(["store", "copy", "--db", str(tmp_path / "src.duckdb"), "--to", pg_url]) == 2
    assert "already holds data" in capsys.readouterr().err


def test_failed_copy_leaves_the_target_empty(pg_url: str, tmp_path: Path, monkeypatch) -> None:
    source = Store.open(tmp_path / "src.duckdb")
    runs.import_run(source.scope(), write_run(tmp_path / "r.csv", 20), name="r")
    target = Store.open(pg_url)
    real = type(target.db).load_arrow
    calls = []

    def failing(self, table, data):  # the fourth table fails half-way through the copy
        calls.append(table)
        if len(calls) == 4:
            raise StoreError("disk full")
        return real(self, table, data)

    monkeypatch.setattr(type(target.db), "load_arrow", failing)
    with pytest.raises(StoreError, match="disk full"):
        copy_store(source, target)
    for table in target.db.table_names():
        if table not in ("schema_version", "organizations"):
            assert target.db.fetchone(f"SELECT count(*) FROM {table}")[0] == 0, table
    assert target.db.fetchall("SELECT name FROM organizations") == [("default",)]
    with pytest.raises(ValidationError):  # and it is still a valid empty target
        monkeypatch.undo()
        copy_store(source, source)
    source.close()
    target.close()
