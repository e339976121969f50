"""Baseline: the claim→annotate workload on PostgreSQL with `SELECT … FOR UPDATE SKIP LOCKED`.

Starts a throwaway cluster (initdb + pg_ctl in a temp dir, 127.0.0.1, a free port, as the
`postgres` user when run as root), runs the same workload as bench/claims.py's in-process phase
(a queue of ITEMS items, WORKERS threads, claim = lease one pending item + claim row + event,
annotate = annotation row + item done + claim completed + event, each one transaction), stops
the cluster, and reports PostgreSQL cycles/s next to EvalGuard's (DuckDB, in-process) as a ratio.

Skips with a reason (in the JSON) when no PostgreSQL can be started: binaries missing and not
root (as root it runs `apt-get install -y postgresql` once), or psycopg not installed.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from _common import emit  # also puts the repo root on sys.path

from tests import pgserver  # noqa: E402

ITEMS = 3000
WORKERS = 4
PHASE_SECONDS = 8.0


SCHEMA = """
CREATE TABLE queue_items (item_id BIGINT PRIMARY KEY, queue_id UUID NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending', version BIGINT NOT NULL DEFAULT 0,
  done_count INT NOT NULL DEFAULT 0, position DOUBLE PRECISION NOT NULL);
CREATE INDEX ON queue_items (queue_id, status, position);
CREATE TABLE claims (claim_id UUID PRIMARY KEY, item_id BIGINT NOT NULL, annotator TEXT NOT NULL,
  status TEXT NOT NULL, claimed_at TIMESTAMPTZ NOT NULL, lease_expires_at TIMESTAMPTZ NOT NULL,
  ended_at TIMESTAMPTZ);
CREATE TABLE annotations (annotation_id UUID PRIMARY KEY, item_id BIGINT NOT NULL,
  annotator TEXT NOT NULL, label TEXT, created_at TIMESTAMPTZ NOT NULL);
CREATE TABLE events (event_id BIGSERIAL PRIMARY KEY, kind TEXT NOT NULL, actor TEXT,
  item_id BIGINT, payload JSONB, event_at TIMESTAMPTZ NOT NULL DEFAULT now());
"""


def _pg_workload(dsn: str) -> dict:
    """WORKERS threads claim→annotate until the queue is empty or PHASE_SECONDS pass."""
    import uuid

    import psycopg

    queue_id = str(uuid.uuid4())
    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute(SCHEMA)
        con.execute(
            "INSERT INTO queue_items (item_id, queue_id, position) "
            "SELECT g, %s, random() FROM generate_series(1, %s) g",
            [queue_id, ITEMS],
        )
    import claims as claims_bench

    claims_bench.PHASE_SECONDS = PHASE_SECONDS

    def make_worker(i: int):
        """claim / annotate / close for one rater on its own connection."""
        rater = f"rater{i}"
        con = psycopg.connect(dsn)

        def claim() -> dict | None:
            with con.transaction():
                row = con.execute(
                    "UPDATE queue_items SET status = 'claimed', version = version + 1 "
                    "WHERE item_id = (SELECT item_id FROM queue_items WHERE queue_id = %s "
                    "AND status = 'pending' ORDER BY position LIMIT 1 "
                    "FOR UPDATE SKIP LOCKED) RETURNING item_id",
                    [queue_id],
                ).fetchone()
                if row is None:
                    return None
                claim_id = str(uuid.uuid4())
                con.execute(
                    "INSERT INTO claims VALUES (%s, %s, %s, 'active', now(), "
                    "now() + interval '900 seconds', NULL)",
                    [claim_id, row[0], rater],
                )
                con.execute(
                    "INSERT INTO events (kind, actor, item_id, payload) VALUES "
                    "('claim', %s, %s, jsonb_build_object('claim_id', %s::text))",
                    [rater, row[0], claim_id],
                )
            return {"item_id": row[0], "claim_id": claim_id}

        def annotate(item: dict) -> None:
            with con.transaction():
                con.execute(
                    "UPDATE queue_items SET status = 'done', done_count = done_count + 1, "
                    "version = version + 1 WHERE item_id = %s",
                    [item["item_id"]],
                )
                ann = str(uuid.uuid4())
                con.execute(
                    "INSERT INTO annotations VALUES (%s, %s, %s, 'pass', now())",
                    [ann, item["item_id"], rater],
                )
                con.execute(
                    "UPDATE claims SET status = 'completed', ended_at = now() WHERE claim_id = %s",
                    [item["claim_id"]],
                )
                con.execute(
                    "INSERT INTO events (kind, actor, item_id, payload) VALUES "
                    "('annotate', %s, %s, jsonb_build_object('annotation_id', %s::text))",
                    [rater, item["item_id"], ann],
                )

        return claim, annotate, con.close

    # The same driver as bench/claims.py: identical timing, latency and double-claim counting.
    return claims_bench._drive(WORKERS, make_worker)


def _evalguard_workload(location: str | None = None) -> dict:
    """The same workload through EvalGuard's core, WORKERS in-process threads, on a DuckDB
    file (default) or on the PostgreSQL database at `location`."""
    import claims as claims_bench

    from evalguard_core.store import Store

    claims_bench.PHASE_SECONDS = PHASE_SECONDS
    claims_bench.ITEMS_PER_PHASE = ITEMS
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(location or Path(tmp) / "pg_compare.duckdb")
        result = claims_bench.in_process(store, WORKERS)
        store.close()
    return result


def main() -> dict:
    """Start PostgreSQL, run the three workloads, stop PostgreSQL."""
    out: dict = {"benchmark": "pg_baseline", "items": ITEMS, "workers": WORKERS}
    try:
        import psycopg
    except ImportError:
        out["skipped"] = "psycopg is not installed (pip install 'psycopg[binary]')"
        return out
    server, reason = pgserver.start(fsync=True)
    if server is None:
        out["skipped"] = reason
        return out
    try:
        out["postgresql"] = server.version
        with psycopg.connect(server.url(), autocommit=True) as con:
            con.execute("CREATE DATABASE baseline")
            con.execute("CREATE DATABASE evalguard")
        out["postgres_skip_locked"] = _pg_workload(server.url("baseline"))
        from evalguard_core.store import Store

        Store.open(server.url("evalguard"), migrate=True).close()
        out["evalguard_postgresql_in_process"] = _evalguard_workload(server.url("evalguard"))
    finally:
        server.stop()
    out["evalguard_duckdb_in_process"] = _evalguard_workload()
    pg = out["postgres_skip_locked"]["cycles_per_s"]
    eg = out["evalguard_duckdb_in_process"]["cycles_per_s"]
    egpg = out["evalguard_postgresql_in_process"]["cycles_per_s"]
    out["ratio_evalguard_over_postgres"] = round(eg / pg, 3) if pg else None
    out["ratio_evalguard_postgresql_over_skip_locked"] = round(egpg / pg, 3) if pg else None
    out["target_evalguard_postgresql_over_skip_locked"] = 0.9
    return out


if __name__ == "__main__":
    emit(main())
    os._exit(0)
