"""Shared helpers for the reliability suite: bounded load, loopback servers, seeded runs.

Every loop here is bounded in count AND in time; every server listens on 127.0.0.1 only.
Sizes come from env vars so CI runs a small form and a developer can run the full one:

- EVALGUARD_SOAK_ITEMS (default 500; the issue's full size is 20000)
- EVALGUARD_CRASH_ROUNDS (default 3)
- EVALGUARD_FUZZ_EXAMPLES (default 25 per operation)
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from evalguard_core import queues, runs
from evalguard_core.store import Scope
from tests import servers
from tests.servers import free_port, stop, wait_healthy

__all__ = ["free_port", "start_server", "stop", "wait_healthy"]

REPO = Path(__file__).resolve().parents[2]


def env_int(name: str, default: int) -> int:
    """An integer knob from the environment."""
    return int(os.environ.get(name) or default)


def write_run_csv(path: Path, n: int, *, prefix: str = "c") -> Path:
    """A single-output run file of n cases with a judge label."""
    path.write_text(
        "case_id,input,output,expected,label:llm_judge,score:acc\n"
        + "".join(
            f"{prefix}{i},question {i},answer {i},answer {i},{'pass' if i % 3 else 'fail'},"
            f"{(i % 10) / 10}\n"
            for i in range(n)
        ),
        "utf-8",
    )
    return path


def make_queue(
    scope: Scope, tmp: Path, n: int, *, per_item: int, lease_seconds: int = 900, name: str = "q"
) -> tuple[str, str]:
    """(run_id, queue_id): a run of n cases, all of them in a new queue."""
    run_id = runs.import_run(scope, write_run_csv(tmp / f"{name}.csv", n), name=name).run_id
    queue = queues.create_queue(
        scope, name=name, annotations_per_item=per_item, lease_seconds=lease_seconds
    )
    added = queues.add_items(scope, queue["queue_id"], [f"{run_id}:c{i}" for i in range(n)])
    assert added["added"] == n
    return run_id, queue["queue_id"]


def start_server(db: Path, port: int, *, extra_env: dict | None = None) -> subprocess.Popen:
    """The real server.py over `db` with a rate limit no load test reaches."""
    return servers.start_server(
        db, port, env={"EVALGUARD_RATE_LIMIT": "1000000/minute", **(extra_env or {})}
    )


def audit_queue(db, queue_id: str, per_item: int) -> dict:
    """Invariants of a queue read straight from the file (tests may read SQL; the app may not).

    Returns counts; raises AssertionError on: an item with more labels than required, a rater
    labelling one item twice, an annotation without its `annotate` event (or the reverse), or an
    item whose done_count disagrees with its labels.
    """
    q = [queue_id]
    over = db.fetchall(
        "SELECT item_id, count(*), count(DISTINCT annotator) FROM annotations "
        "WHERE queue_id = CAST(? AS UUID) GROUP BY item_id "
        "HAVING count(*) > ? OR count(*) <> count(DISTINCT annotator)",
        [queue_id, per_item],
    )
    assert not over, f"items over-labelled or labelled twice by one rater: {over[:5]}"
    mismatch = db.fetchall(
        "SELECT i.item_id, i.done_count, count(a.annotation_id) FROM queue_items i "
        "LEFT JOIN annotations a ON a.item_id = i.item_id AND a.queue_id = i.queue_id "
        "WHERE i.queue_id = CAST(? AS UUID) GROUP BY i.item_id, i.done_count "
        "HAVING i.done_count <> count(a.annotation_id)",
        q,
    )
    assert not mismatch, f"done_count disagrees with the labels: {mismatch[:5]}"
    orphans = db.fetchall(
        "SELECT CAST(a.annotation_id AS VARCHAR) FROM annotations a LEFT JOIN events e "
        "ON e.annotation_id = a.annotation_id AND e.kind = 'annotate' "
        "WHERE a.queue_id = CAST(? AS UUID) AND e.event_id IS NULL",
        q,
    )
    assert not orphans, f"annotations without an annotate event: {orphans[:5]}"
    ghosts = db.fetchall(
        "SELECT e.event_id FROM events e LEFT JOIN annotations a "
        "ON a.annotation_id = e.annotation_id WHERE e.queue_id = CAST(? AS UUID) "
        "AND e.kind = 'annotate' AND a.annotation_id IS NULL",
        q,
    )
    assert not ghosts, f"annotate events without their annotation: {ghosts[:5]}"
    dup_events = db.fetchall(
        "SELECT annotation_id, count(*) FROM events WHERE queue_id = CAST(? AS UUID) "
        "AND kind = 'annotate' GROUP BY annotation_id HAVING count(*) > 1",
        q,
    )
    assert not dup_events, f"one annotation logged twice: {dup_events[:5]}"
    claim_events = db.fetchone(
        "SELECT count(*) FROM events WHERE queue_id = CAST(? AS UUID) AND kind = 'claim'", q
    )[0]
    claim_rows = db.fetchone("SELECT count(*) FROM claims WHERE queue_id = CAST(? AS UUID)", q)[0]
    assert claim_events == claim_rows, (claim_events, claim_rows)
    items, done = db.fetchone(
        "SELECT count(*), count(*) FILTER (WHERE done_count = ? AND status = 'done') "
        "FROM queue_items WHERE queue_id = CAST(? AS UUID)",
        [per_item, queue_id],
    )
    labels = db.fetchone("SELECT count(*) FROM annotations WHERE queue_id = CAST(? AS UUID)", q)[0]
    return {"items": items, "done": done, "labels": labels, "claims": claim_rows}
