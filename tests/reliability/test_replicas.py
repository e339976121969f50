"""Several real server processes (server.py) on one throwaway PostgreSQL (docs/adr/0013).

HTTP raters send every request to the next replica in turn (a load balancer without sticky
sessions), so a rater's claim and label land on different processes. Sizes: EVALGUARD_REPLICA_ITEMS
items (default 40 in CI; the issue's full size is 20000), bounded by EVALGUARD_REPLICA_SECONDS
(default 240). Every server listens on 127.0.0.1 only.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from evalguard_core import auth, jobs
from evalguard_core.store import DEFAULT_ORG_ID, Store
from tests import servers
from tests.reliability.conftest import audit_queue, env_int, make_queue

ITEMS = env_int("EVALGUARD_REPLICA_ITEMS", 40)
SECONDS = env_int("EVALGUARD_REPLICA_SECONDS", 240)
RATERS = 8
LEASE = 10  # the shortest lease a queue accepts: the dead replica's leases expire quickly
STALE = 3.0  # EVALGUARD_JOB_STALE_SECONDS for the replicas


@pytest.fixture
def backend() -> str:
    """Replicas need a shared database: PostgreSQL only."""
    return "postgresql"


class Replicas:
    """n server.py processes on one database URL, named r0..r(n-1)."""

    def __init__(self, url: str, tmp: Path, n: int, stale: float = STALE) -> None:
        self.url = url
        self.tmp = tmp
        self.stale = stale
        self.procs: list[Any] = []
        self.ports: list[int] = []
        for i in range(n):
            self.start(i)
        for port, proc in zip(self.ports, self.procs, strict=True):
            servers.wait_healthy(port, proc)

    def start(self, i: int) -> None:
        """Start (or restart) replica i, named r<i>."""
        port = self.ports[i] if i < len(self.ports) else servers.free_port()
        proc = servers.start_server(
            self.tmp / "unused.duckdb",
            port,
            log=self.tmp / f"replica-{i}.log",
            env={
                "EVALGUARD_DATABASE_URL": self.url,
                "EVALGUARD_RATE_LIMIT": "100000000/minute",
                "EVALGUARD_REPLICA_ID": f"r{i}",
                "EVALGUARD_HEARTBEAT_SECONDS": "0.5",
                "EVALGUARD_JOB_STALE_SECONDS": str(self.stale),
            },
        )
        if i < len(self.procs):
            self.procs[i], self.ports[i] = proc, port
        else:
            self.procs.append(proc)
            self.ports.append(port)

    def base(self, i: int) -> str:
        """The URL of replica i."""
        return f"http://127.0.0.1:{self.ports[i]}"

    def stop_all(self) -> None:
        """Stop every replica still running."""
        for proc in self.procs:
            servers.stop(proc)


@pytest.fixture
def replicas(store: Store, store_location: str, tmp_path: Path) -> Iterator[Any]:
    """A factory of replica sets, all stopped at the end."""
    made: list[Replicas] = []

    def make(n: int, stale: float = STALE) -> Replicas:
        r = Replicas(store_location, tmp_path, n, stale)
        made.append(r)
        return r

    yield make
    for r in made:
        r.stop_all()


class Ledger:
    """What every rater was handed and which labels were acknowledged (200)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.handed: dict[int, set[str]] = defaultdict(set)
        self.acked: list[tuple[int, str]] = []
        self.errors: list[str] = []
        self.busy = 0

    def claim(self, item_id: int, rater: str) -> None:
        with self.lock:
            self.handed[item_id].add(rater)

    def label(self, item_id: int, rater: str) -> None:
        with self.lock:
            self.acked.append((item_id, rater))


def _rater(
    reps: Replicas,
    alive: list[bool],
    key: str,
    rater: str,
    queue_id: str,
    ledger: Ledger,
    deadline: float,
    budget: int,
    start: int,
) -> None:
    """Claim → label until the queue has nothing left, each request on the next live replica."""
    h = {"Authorization": f"Bearer {key}"}
    turn = start
    idle = 0

    def post(path: str, body: dict) -> httpx.Response | None:
        nonlocal turn
        for _ in range(2 * len(alive)):
            turn += 1
            i = turn % len(alive)
            if not alive[i]:
                continue
            try:
                return httpx.post(reps.base(i) + path, json=body, headers=h, timeout=30)
            except httpx.TransportError:
                continue  # that replica died under us: the next one answers
        return None

    for _ in range(budget):
        if time.monotonic() > deadline:
            ledger.errors.append(f"{rater}: time budget exhausted ({len(ledger.acked)} labels)")
            return
        r = post("/api/v1/annotations/queue", {"queue_id": queue_id})
        if r is None:
            continue
        if r.status_code == 409:
            if (r.json()["error"].get("details") or {}).get("retryable"):
                ledger.busy += 1
                continue
            idle += 1
            if idle > 3:
                return
            time.sleep(0.2)
            continue
        if r.status_code != 200:
            ledger.errors.append(f"{rater}: claim {r.status_code} {r.text[:200]}")
            return
        idle = 0
        item = r.json()["item"]
        ledger.claim(item["item_id"], rater)
        body = {
            "target_id": item["target_id"],
            "target_type": item["target_type"],
            "label": "pass",
            "queue_id": queue_id,
        }
        a = post("/api/v1/annotations", body)
        if a is not None and a.status_code == 200:
            ledger.label(item["item_id"], rater)
        elif a is not None:
            ledger.errors.append(f"{rater}: annotate {a.status_code} {a.text[:200]}")
            return


def _run_raters(
    reps: Replicas, alive: list[bool], keys: list[str], queue_id: str, ledger: Ledger, budget: int
) -> list[threading.Thread]:
    deadline = time.monotonic() + SECONDS
    threads = [
        threading.Thread(
            target=_rater,
            args=(reps, alive, keys[i], f"rater{i}", queue_id, ledger, deadline, budget, i),
        )
        for i in range(RATERS)
    ]
    for t in threads:
        t.start()
    return threads


def _join(threads: list[threading.Thread]) -> None:
    for t in threads:
        t.join(timeout=SECONDS + 60)
    assert not any(t.is_alive() for t in threads), "a rater did not stop"


def _stored_labels(store: Store, queue_id: str) -> list[tuple[int, str]]:
    return [
        (int(a), str(b))
        for a, b in store.db.fetchall(
            "SELECT item_id, annotator FROM annotations WHERE queue_id = CAST(? AS UUID)",
            [queue_id],
        )
    ]


def _keys(store: Store) -> list[str]:
    return [
        auth.create_key(store, name=f"rater{i}", role="annotator")["key"] for i in range(RATERS)
    ]


@pytest.mark.parametrize("per_item", [1, 3])
def test_three_replicas_share_one_queue(
    store: Store, replicas: Any, tmp_path: Path, per_item: int
) -> None:
    _, queue_id = make_queue(store.scope(), tmp_path, ITEMS, per_item=per_item, name="rep")
    keys = _keys(store)
    reps = replicas(3)
    ledger = Ledger()
    _join(_run_raters(reps, [True, True, True], keys, queue_id, ledger, ITEMS * per_item + 20))
    assert not ledger.errors, (ledger.errors[:5], ledger.busy)

    over = {i: r for i, r in ledger.handed.items() if len(r) > per_item}
    assert not over, f"double assignments: {list(over.items())[:5]}"
    counts = audit_queue(store.db, queue_id, per_item)
    assert counts["done"] == counts["items"] == ITEMS, "every item has exactly its labels"
    stored = _stored_labels(store, queue_id)
    assert len(stored) == len(set(stored)) == ITEMS * per_item
    assert set(stored) == set(ledger.acked)
    # Every replica served raters (the load balancer really spread them).
    for i in range(3):
        log = (tmp_path / f"replica-{i}.log").read_text(errors="replace")
        assert "Traceback" not in log, log[-2000:]


def _insert_job(store: Store, owner: str) -> str:
    """A running job row as replica `owner` would have written it."""
    job_id = str(uuid.uuid4())
    now = store.now()
    store.db.execute(
        "INSERT INTO jobs (job_id, org_id, kind, status, progress, created_at, started_at, "
        "owner, heartbeat_at) VALUES (?, ?, 'import', 'running', 0.5, ?, ?, ?, ?)",
        [job_id, DEFAULT_ORG_ID, now, now, owner, now],
    )
    return job_id


def _job(store: Store, job_id: str) -> dict:
    return jobs.get_job(store.scope(), job_id)


def test_killed_replica_loses_no_label_and_its_leases_and_jobs_are_taken_over(
    store: Store, replicas: Any, tmp_path: Path
) -> None:
    per_item = 1
    _, queue_id = make_queue(
        store.scope(), tmp_path, ITEMS, per_item=per_item, lease_seconds=LEASE, name="kill"
    )
    keys = _keys(store)
    ghost = auth.create_key(store, name="ghost", role="annotator")["key"]
    reps = replicas(3)
    alive = [True, True, True]
    # A rater who was served by r0 and vanished with it: its lease must expire and be reclaimed.
    held = httpx.post(
        reps.base(0) + "/api/v1/annotations/queue",
        json={"queue_id": queue_id},
        headers={"Authorization": f"Bearer {ghost}"},
        timeout=30,
    )
    assert held.status_code == 200, held.text
    ghost_item = held.json()["item"]["item_id"]

    ledger = Ledger()
    threads = _run_raters(reps, alive, keys, queue_id, ledger, ITEMS * per_item + 20)
    deadline = time.monotonic() + 60
    while len(ledger.acked) < ITEMS // 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(reps.procs[0].pid, signal.SIGKILL)  # kill -9 mid-load
    alive[0] = False
    reps.procs[0].wait(timeout=20)
    dead_job = _insert_job(store, "r0")  # r0's running job, as its last heartbeat left it
    _join(threads)
    assert not ledger.errors, ledger.errors[:5]

    # The ghost's lease outlived the raters; once it runs out a survivor hands the item out.
    deadline = time.monotonic() + LEASE + 30
    while time.monotonic() < deadline:
        r = httpx.post(
            reps.base(1) + "/api/v1/annotations/queue",
            json={"queue_id": queue_id},
            headers={"Authorization": f"Bearer {keys[0]}"},
            timeout=30,
        )
        if r.status_code == 200:
            item = r.json()["item"]
            ledger.claim(item["item_id"], "rater0")
            a = httpx.post(
                reps.base(2) + "/api/v1/annotations",
                json={
                    "target_id": item["target_id"],
                    "target_type": item["target_type"],
                    "label": "pass",
                    "queue_id": queue_id,
                },
                headers={"Authorization": f"Bearer {keys[0]}"},
                timeout=30,
            )
            assert a.status_code == 200, a.text
            ledger.label(item["item_id"], "rater0")
            continue
        if audit_queue(store.db, queue_id, per_item)["done"] == ITEMS:
            break
        time.sleep(0.5)

    over = {i: r for i, r in ledger.handed.items() if len(r) > per_item}
    assert not over, f"double assignments: {list(over.items())[:5]}"
    counts = audit_queue(store.db, queue_id, per_item)
    assert counts["done"] == ITEMS, "the survivors finished the queue"
    stored = _stored_labels(store, queue_id)
    assert len(stored) == len(set(stored)), "no label duplicated"
    assert set(ledger.acked) <= set(stored), "every acknowledged label is stored"
    assert any(i == ghost_item for i, _ in stored), "the ghost's item was reclaimed"
    expired = store.db.fetchone(
        "SELECT count(*) FROM events WHERE queue_id = CAST(? AS UUID) AND kind = 'expire' "
        "AND actor = 'ghost'",
        [queue_id],
    )[0]
    assert expired == 1, "the dead replica's lease expired exactly once"

    # r0's job stopped heartbeating with r0: a survivor failed it, once, saying why.
    deadline = time.monotonic() + STALE + 15
    while _job(store, dead_job)["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
    job = _job(store, dead_job)
    assert job["status"] == "failed"
    assert "r0" in job["error"] and "stopped heartbeating" in job["error"]


def test_restart_fails_only_its_own_jobs(store: Store, replicas: Any) -> None:
    reps = replicas(2, stale=600)
    mine = _insert_job(store, "r0")  # left behind by r0's previous life
    theirs = _insert_job(store, "r7")  # a replica elsewhere, heartbeating
    servers.stop(reps.procs[0])
    reps.start(0)
    servers.wait_healthy(reps.ports[0], reps.procs[0])
    assert _job(store, mine)["status"] == "failed"
    assert "interrupted by a restart" in _job(store, mine)["error"]
    assert _job(store, theirs)["status"] == "running"


def test_revoked_key_and_changed_setting_apply_on_every_replica(
    store: Store, replicas: Any, tmp_path: Path
) -> None:
    _, queue_id = make_queue(store.scope(), tmp_path, 20, per_item=1, name="rev")
    admin = auth.create_key(store, name="boss", role="admin")["key"]
    victim = auth.create_key(store, name="victim", role="annotator")
    reps = replicas(2)
    h = {"Authorization": f"Bearer {victim['key']}"}
    for i in (0, 1):  # both replicas have the key and the queue's settings cached
        assert httpx.get(reps.base(i) + "/api/v1/annotations/queues", headers=h).status_code == 200
        got = httpx.get(reps.base(i) + f"/api/v1/annotations/queues/{queue_id}", headers=h)
        assert got.status_code == 200 and got.json()["lease_seconds"] == 900
    # A's lease time changes through replica 0 ...
    r = httpx.patch(
        reps.base(0) + f"/api/v1/annotations/queues/{queue_id}",
        json={"lease_seconds": 4321},
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert r.status_code == 200, r.text
    # ... and the key is revoked by another process on the same database.
    auth.revoke_key(store.scope(), victim["key_id"])
    time.sleep(1.0)
    for i in (0, 1):
        assert httpx.get(reps.base(i) + "/api/v1/annotations/queues", headers=h).status_code == 401
    got = httpx.get(
        reps.base(1) + f"/api/v1/annotations/queues/{queue_id}",
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert got.json()["lease_seconds"] == 4321
