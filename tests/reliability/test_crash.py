"""Crash safety: kill -9 the real server.py mid-stream, restart it on the same file.

Each round (EVALGUARD_CRASH_ROUNDS, default 3, kill points drawn from a seeded RNG) starts
server.py, drives 4 HTTP raters plus bulk adds and a bootstrap job at it, SIGKILLs it at a
random moment and restarts it. Then: every annotation that got a 2xx is in the file, none is
duplicated, every bulk add is all-or-nothing, no job is left queued/running, and the dead
process's leases expire normally (the queue drains to exactly the required labels).
A second test kills a process in the middle of a large import: the run is absent or whole.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from evalguard_core import auth, jobs
from evalguard_core.client import EvalGuard
from evalguard_core.errors import EvalGuardError
from evalguard_core.store import Store
from tests.reliability.conftest import (
    audit_queue,
    env_int,
    free_port,
    make_queue,
    start_server,
    stop,
    wait_healthy,
    write_run_csv,
)

ROUNDS = env_int("EVALGUARD_CRASH_ROUNDS", 3)
SEED = env_int("EVALGUARD_CRASH_SEED", 20240607)
ITEMS = 300
PER_ITEM = 2
LEASE_SECONDS = 10  # the shortest a queue allows
RATERS = 4
BATCH = 200  # targets per bulk add


class Acks:
    """Everything the server acknowledged with a 2xx (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.annotations: dict[str, tuple[int, str]] = {}
        self.batches: list[tuple[str, int]] = []
        self.jobs: list[str] = []


def _rater(base: str, key: str, name: str, queue_id: str, acks: Acks, stop_at: float) -> None:
    """Claim → label until the server dies, the queue is empty, or the time bound passes."""
    try:
        with EvalGuard(api_key=key, base_url=base, timeout=10) as client:
            for _ in range(ITEMS * PER_ITEM):
                if time.monotonic() > stop_at:
                    return
                done = client.claim_and_label(queue_id, "pass")
                if done is None:
                    return
                with acks.lock:
                    acks.annotations[done["annotation"]["annotation_id"]] = (
                        done["item"]["item_id"],
                        name,
                    )
    except (httpx.HTTPError, EvalGuardError):
        return  # the server was killed under us: only acknowledged labels count


def _admin(
    base: str, key: str, run_id: str, batch_queues: list[str], acks: Acks, stop_at: float
) -> None:
    """Bulk adds (one queue per batch, so all-or-nothing is checkable) and bootstrap jobs."""
    try:
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=10
        ) as c:
            for qid in batch_queues:
                if time.monotonic() > stop_at:
                    return
                r = c.post(
                    "/api/v1/annotations/queues/items",
                    json={"queue_id": qid, "target_ids": [f"{run_id}:c{i}" for i in range(BATCH)]},
                )
                if r.status_code == 200:
                    with acks.lock:
                        acks.batches.append((qid, r.json()["added"]))
                r = c.post(
                    "/api/v1/annotations/bootstrap",
                    json={
                        "queue_id": qid,
                        "run_id": run_id,
                        "sample_count": 50,
                        "stratify_by": "none",
                    },
                )
                if r.status_code == 202:
                    with acks.lock:
                        acks.jobs.append(r.json()["job_id"])
    except httpx.HTTPError:
        return


def _check_file(db_path: Path, queue_id: str, batch_queues: list[str], acks: Acks) -> dict:
    """Open the file after a crash (no server running) and check what was acknowledged."""
    store = Store.open(db_path)
    try:
        db = store.db
        have = {
            r[0]
            for r in db.fetchall(
                "SELECT CAST(annotation_id AS VARCHAR) FROM annotations "
                "WHERE queue_id = CAST(? AS UUID)",
                [queue_id],
            )
        }
        lost = set(acks.annotations) - have
        assert not lost, f"{len(lost)} acknowledged annotations lost, e.g. {sorted(lost)[:3]}"
        counts = audit_queue(db, queue_id, PER_ITEM)
        for qid in batch_queues:
            n = db.fetchone(
                "SELECT count(*) FROM queue_items WHERE queue_id = CAST(? AS UUID) "
                "AND job_id IS NULL",
                [qid],
            )[0]
            assert n in (0, BATCH), f"half-applied bulk add: {n} of {BATCH} items in {qid}"
        for qid, added in acks.batches:
            assert added == BATCH
            assert (
                db.fetchone(
                    "SELECT count(*) FROM queue_items WHERE queue_id = CAST(? AS UUID) "
                    "AND job_id IS NULL",
                    [qid],
                )[0]
                == BATCH
            ), "an acknowledged bulk add is missing"
        return counts
    finally:
        store.close()


def test_kill_9_mid_stream_loses_nothing_acknowledged(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    db_path = tmp_path / "crash.duckdb"
    store = Store.open(db_path)
    scope = store.scope()
    run_id, queue_id = make_queue(
        scope, tmp_path, ITEMS, per_item=PER_ITEM, lease_seconds=LEASE_SECONDS, name="crash"
    )
    from evalguard_core import queues

    batch_queues = [
        [queues.create_queue(scope, name=f"batch{r}-{i}")["queue_id"] for i in range(20)]
        for r in range(ROUNDS)
    ]
    keys = [
        auth.create_key(store, name=f"rater{i}", role="annotator")["key"] for i in range(RATERS)
    ]
    admin = auth.create_key(store, name="admin", role="admin")["key"]
    store.close()

    acks = Acks()
    for rnd in range(ROUNDS):
        port = free_port()
        proc = start_server(db_path, port)
        try:
            wait_healthy(port, proc)
            base = f"http://127.0.0.1:{port}"
            stop_at = time.monotonic() + 30
            threads = [
                threading.Thread(
                    target=_rater, args=(base, keys[i], f"rater{i}", queue_id, acks, stop_at)
                )
                for i in range(RATERS)
            ] + [
                threading.Thread(
                    target=_admin, args=(base, admin, run_id, batch_queues[rnd], acks, stop_at)
                )
            ]
            for t in threads:
                t.start()
            # The random kill point of this round, counted from the first acknowledged label of
            # the round (bounded) so that a slow start on a loaded machine still kills mid-load.
            before = len(acks.annotations)
            started = time.monotonic()
            while len(acks.annotations) == before and time.monotonic() - started < 20:
                time.sleep(0.02)
            time.sleep(rng.uniform(0.0, 2.0))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=20)
            for t in threads:
                t.join(timeout=40)
        finally:
            stop(proc)
        _check_file(db_path, queue_id, batch_queues[rnd], acks)
    assert acks.annotations, "the load reached the server before the kills"

    # Restart: interrupted jobs are failed, the dead leases expire and the queue drains.
    port = free_port()
    proc = start_server(db_path, port)
    try:
        wait_healthy(port, proc)
        base = f"http://127.0.0.1:{port}"
        h = {"Authorization": f"Bearer {admin}"}
        for job_id in acks.jobs:
            job = httpx.get(f"{base}/api/v1/jobs/{job_id}", headers=h).json()
            assert job["status"] in ("succeeded", "failed"), job
            if job["status"] == "failed":
                assert job["error"] == jobs.INTERRUPTED
        time.sleep(LEASE_SECONDS + 0.5)  # every lease of the dead processes has run out
        live = httpx.get(f"{base}/api/v1/annotations/queues/{queue_id}/claims", headers=h).json()
        assert live["claims"] == []
        stop_at = time.monotonic() + 120
        threads = [
            threading.Thread(
                target=_rater, args=(base, keys[i], f"rater{i}", queue_id, acks, stop_at)
            )
            for i in range(RATERS)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=150)
    finally:
        stop(proc)
    counts = _check_file(db_path, queue_id, [], acks)
    assert counts["done"] == ITEMS, "after the crashes every item still got exactly its labels"
    store = Store.open(db_path)
    try:
        stuck = store.db.fetchone(
            "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')"
        )[0]
        assert stuck == 0
        expired = store.db.fetchone(
            "SELECT count(*) FROM events WHERE queue_id = CAST(? AS UUID) AND kind = 'expire'",
            [queue_id],
        )[0]
        active = store.db.fetchone(
            "SELECT count(*) FROM claims WHERE queue_id = CAST(? AS UUID) AND status = 'active'",
            [queue_id],
        )[0]
        assert active == 0
        assert expired >= 0  # leases the kill left behind were expired (logged) or completed
    finally:
        store.close()


IMPORT_SCRIPT = """
import sys
from evalguard_core import runs
from evalguard_core.store import Store
store = Store.open(sys.argv[1])
print("open", flush=True)
runs.import_run(store.scope(), sys.argv[2], name="big")
print("done", flush=True)
"""


def test_kill_9_during_import_leaves_no_half_run(tmp_path: Path) -> None:
    rng = random.Random(SEED + 1)
    big = write_run_csv(tmp_path / "big.csv", 200_000)
    for rnd in range(ROUNDS):
        db_path = tmp_path / f"import{rnd}.duckdb"
        Store.open(db_path).close()
        proc = subprocess.Popen(
            [sys.executable, "-c", IMPORT_SCRIPT, str(db_path), str(big)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert proc.stdout.readline().strip() == b"open"
        time.sleep(rng.uniform(0.05, 1.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=20)
        store = Store.open(db_path)
        try:
            rows = store.db.fetchall("SELECT case_count FROM runs")
            cases = store.db.fetchone("SELECT count(*) FROM cases")[0]
            if rows:
                assert rows == [(200_000,)] and cases == 200_000
            else:
                assert cases == 0, f"half-applied import: {cases} cases without a run"
        finally:
            store.close()
