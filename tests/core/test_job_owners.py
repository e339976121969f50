"""Jobs across replicas (docs/adr/0013-replicas.md): owner, heartbeat, takeover exactly once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from evalguard_core import jobs
from evalguard_core.store import Store


@pytest.fixture
def me(monkeypatch: pytest.MonkeyPatch) -> str:
    """This process plays replica "me"; others are simulated by their rows."""
    monkeypatch.setattr(jobs, "_replica_id", "me")
    monkeypatch.setenv("EVALGUARD_JOB_STALE_SECONDS", "30")
    return "me"


def _job_of(store: Store, owner: str) -> str:
    """A running job as replica `owner` would have left it."""
    from evalguard_core.store import jobs as jobs_sql

    job_id = jobs_sql.insert_job(store.scope(), "test", {}, None, owner=owner)
    jobs_sql.mark_running(store.scope(), job_id)
    return job_id


def test_a_job_records_its_owner_and_heartbeat(store: Store, me: str) -> None:
    job_id = jobs.create_job(store.scope(), "test", {})
    job = jobs.get_job(store.scope(), job_id)
    assert job["owner"] == me and job["heartbeat_at"] is not None
    later = store.now() + timedelta(seconds=5)
    store.clock = lambda: later
    from evalguard_core.store import jobs as jobs_sql

    assert jobs_sql.beat(store, me, [job_id]) == 1
    assert jobs.get_job(store.scope(), job_id)["heartbeat_at"] == later
    assert jobs_sql.beat(store, "someone-else", [job_id]) == 0  # only the owner beats


def test_silent_replicas_job_is_failed_once_and_a_live_one_is_spared(
    store: Store, me: str, backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("replicas need a shared database; one DuckDB process fails every leftover")
    silent = _job_of(store, "r-dead")
    alive = _job_of(store, "r-alive")
    # Fresh heartbeats: another replica's jobs are left alone.
    assert jobs.sweep_abandoned(store) == 0
    assert jobs.get_job(store.scope(), silent)["status"] == "running"
    # r-alive beats, r-dead does not; 31 s later r-dead's job is stale.
    t0 = store.now()
    store.clock = lambda: t0 + timedelta(seconds=20)
    from evalguard_core.store import jobs as jobs_sql

    jobs_sql.beat(store, "r-alive", [alive])
    store.clock = lambda: t0 + timedelta(seconds=31)
    # Several replicas sweep at once: the job flips exactly once.
    counts: list[int] = []
    threads = [
        threading.Thread(target=lambda: counts.append(jobs.sweep_abandoned(store)))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sum(counts) == 1
    job = jobs.get_job(store.scope(), silent)
    assert job["status"] == "failed" and "r-dead" in job["error"] and "me" in job["error"]
    assert jobs.get_job(store.scope(), alive)["status"] == "running"


def test_restart_fails_its_own_leftovers_at_once(store: Store, me: str, backend: str) -> None:
    mine = _job_of(store, me)  # left by this replica's previous life (same replica id)
    other = _job_of(store, "r-other")
    assert jobs.fail_interrupted_jobs(store) == (1 if backend == "postgresql" else 2)
    assert "interrupted by a restart" in jobs.get_job(store.scope(), mine)["error"]
    expected = "running" if backend == "postgresql" else "failed"  # DuckDB: one process
    assert jobs.get_job(store.scope(), other)["status"] == expected
