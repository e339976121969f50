"""Background jobs: a row per job, a small thread pool in this process, status for polling.

The one-process design (docs/adr/0001) means the API, the UI and the workers share the store,
so a job is just a function run on a worker thread with its own cursor. Its row survives the
thread: a process that stops mid-job leaves the row `running`, and the next start marks it
failed (`fail_interrupted_jobs`) rather than leaving it running forever.

With several replicas on one PostgreSQL (docs/adr/0013-replicas.md) every job row names its
owner (this process's replica id) and carries a heartbeat that a daemon thread renews; a start
fails only its own leftover jobs, and any replica fails, exactly once, a job whose owner has
stopped heartbeating.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from datetime import timedelta
from typing import Any

from evalguard_core.config import settings
from evalguard_core.errors import EvalGuardError, NotFoundError
from evalguard_core.store import Scope, Store
from evalguard_core.store import jobs as sql

log = logging.getLogger("evalguard.jobs")

STATUSES = ("queued", "running", "succeeded", "failed")
INTERRUPTED = (
    "interrupted by a restart: the process running this job stopped before it finished; "
    "start it again"
)
MAX_WORKERS = 2

ProgressFn = Callable[[float], None]
Work = Callable[[ProgressFn], dict[str, Any]]

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()
# Jobs this process is running: the start-up sweep must not fail them (the UI re-runs it).
_live: set[str] = set()
_live_lock = threading.Lock()
_replica_id: str | None = None
_beating: set[int] = set()
_beating_lock = threading.Lock()
ABANDONED = (
    "the replica running this job ({owner}) stopped heartbeating; it was marked failed by "
    "{me}; start it again"
)


def replica_id() -> str:
    """This process's name as a job owner: $EVALGUARD_REPLICA_ID, else host-pid-random."""
    global _replica_id
    if _replica_id is None:
        _replica_id = settings().replica_id or (
            f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        )
    return _replica_id


def _pool() -> ThreadPoolExecutor:
    """The process's worker pool, created on first use."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=MAX_WORKERS, thread_name_prefix="evalguard-job"
            )
        return _executor


def create_job(
    scope: Scope, kind: str, params: dict[str, Any], created_by: str | None = None
) -> str:
    """Record a queued job and return its id."""
    with _live_lock:
        job_id = sql.insert_job(scope, kind, params, created_by, owner=replica_id())
        _live.add(job_id)
    start_heartbeat(scope.store)
    return job_id


def _progress_fn(scope: Scope, job_id: str) -> ProgressFn:
    """A callback that records progress (clamped to 0..1) on the job row."""

    def report(fraction: float) -> None:
        sql.set_progress(scope, job_id, max(0.0, min(1.0, float(fraction))))

    return report


def execute(scope: Scope, job_id: str, work: Work) -> dict[str, Any]:
    """Run a job's work on this thread, recording running → succeeded/failed; re-raises."""
    try:
        sql.mark_running(scope, job_id)
        result = work(_progress_fn(scope, job_id))
        sql.finish_job(scope, job_id, status="succeeded", result=result)
        return result
    except EvalGuardError as exc:
        _record_failure(scope, job_id, exc.message)
        raise
    except Exception as exc:
        log.exception("job %s failed", job_id)
        _record_failure(scope, job_id, f"unexpected {type(exc).__name__}: {exc}")
        raise
    finally:
        with _live_lock:
            _live.discard(job_id)


def _record_failure(scope: Scope, job_id: str, message: str) -> None:
    """Mark a job failed; a store closed under us can only be logged."""
    try:
        sql.finish_job(scope, job_id, status="failed", error=message)
    except Exception:
        log.exception("could not record the failure of job %s", job_id)


def submit(scope: Scope, job_id: str, work: Work) -> Future:
    """Run a created job on the worker pool; the caller answers at once (202)."""

    def run() -> None:
        # The outcome is recorded on the job row; nobody awaits this future.
        with suppress(Exception):
            execute(scope, job_id, work)

    return _pool().submit(run)


def get_job(scope: Scope, job_id: str) -> dict[str, Any]:
    """The job (status, progress, result, error), or NotFoundError."""
    job = sql.get_job(scope, str(job_id))
    if job is None:
        raise NotFoundError(f"job {job_id} not found", details={"job_id": str(job_id)})
    return job


def wait_for(
    scope: Scope,
    job_id: str,
    *,
    timeout: float = 300.0,
    interval: float = 0.05,
    on_progress: ProgressFn | None = None,
) -> dict[str, Any]:
    """Poll a job until it succeeds or fails (or `timeout` passes); returns the last state."""
    deadline = time.monotonic() + timeout
    while True:
        job = get_job(scope, job_id)
        if on_progress is not None:
            on_progress(job["progress"])
        if job["status"] in ("succeeded", "failed") or time.monotonic() >= deadline:
            return job
        time.sleep(interval)


def fail_interrupted_jobs(store: Store) -> int:
    """Start-up task: jobs left queued/running by a stopped process become failed.

    One process per DuckDB file, so there every unfinished job not running here is
    interrupted. On a shared database only this replica's own leftovers and jobs whose owner
    stopped heartbeating are; the heartbeat thread then keeps sweeping.
    """
    failed = sweep_abandoned(store)
    start_heartbeat(store)
    return failed


def sweep_abandoned(store: Store) -> int:
    """Fail the jobs nobody runs any more (see `fail_interrupted_jobs`); each flips once."""
    with _live_lock:
        keep = sorted(_live)
    now = store.now()
    if store.db.shared:
        stale_before = now - timedelta(seconds=settings().job_stale_seconds)
    else:
        stale_before = now + timedelta(days=36500)
    me = replica_id()
    rows = sql.fail_orphaned(store, INTERRUPTED, owner=me, keep=keep, stale_before=stale_before)
    for row in rows if store.db.shared else []:
        if row["owner"] not in (None, me):
            # Say who gave up on it; the flip above already happened exactly once.
            sql.finish_job(
                store.scope(row["org_id"]),
                row["job_id"],
                status="failed",
                error=ABANDONED.format(owner=row["owner"], me=me),
            )
    if rows:
        log.warning("marked %d interrupted job(s) failed", len(rows))
    return len(rows)


def _heartbeat_loop(store: Store) -> None:
    """Renew this replica's running jobs and fail silent replicas' jobs, until the store closes."""
    while not store.db.closed:
        time.sleep(settings().heartbeat_seconds)
        try:
            with _live_lock:
                live = sorted(_live)
            sql.beat(store, replica_id(), live)
            if store.db.shared:
                sweep_abandoned(store)
        except Exception as exc:  # a closed store ends the loop; a blip only skips a beat
            if store.db.closed:
                return
            log.warning("job heartbeat failed: %s", exc)


def start_heartbeat(store: Store) -> None:
    """Start the heartbeat thread for this store once per process."""
    with _beating_lock:
        if id(store.db) in _beating:
            return
        _beating.add(id(store.db))
    threading.Thread(
        target=_heartbeat_loop, args=(store,), name="evalguard-heartbeat", daemon=True
    ).start()
