"""SQL for background jobs: one row per job, so status survives the thread that ran it."""

from __future__ import annotations

import json
import uuid
from typing import Any

from evalguard_core.store import Scope, Store

_JOB_COLUMNS = (
    "CAST(job_id AS VARCHAR) AS job_id, kind, status, progress, params, result, error, "
    "created_by, created_at, started_at, finished_at, owner, heartbeat_at"
)
UNFINISHED = ("queued", "running")


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    """Parse the JSON columns of a job row."""
    for key in ("params", "result"):
        row[key] = json.loads(row[key]) if row[key] else None
    return row


def insert_job(
    scope: Scope,
    kind: str,
    params: dict[str, Any],
    created_by: str | None,
    owner: str | None = None,
) -> str:
    """A new queued job owned by a replica (its first heartbeat is now); returns its id."""
    job_id = str(uuid.uuid4())
    now = scope.now()
    scope.db.execute(
        "INSERT INTO jobs (job_id, org_id, kind, status, progress, params, created_by, "
        "created_at, owner, heartbeat_at) VALUES (?, ?, ?, 'queued', 0, ?, ?, ?, ?, ?)",
        [
            job_id,
            scope.org_id,
            kind,
            json.dumps(params, default=str),
            created_by,
            now,
            owner,
            now,
        ],
    )
    return job_id


def get_job(scope: Scope, job_id: str) -> dict[str, Any] | None:
    """One job of the organization, or None."""
    rows = scope.db.fetch_dicts(
        f"SELECT {_JOB_COLUMNS} FROM jobs WHERE org_id = CAST(? AS UUID) "
        "AND CAST(job_id AS VARCHAR) = ?",
        [scope.org_id, str(job_id)],
    )
    return _decode(rows[0]) if rows else None


def mark_running(scope: Scope, job_id: str) -> None:
    """queued → running."""
    scope.db.execute(
        "UPDATE jobs SET status = 'running', started_at = ? WHERE org_id = CAST(? AS UUID) "
        "AND CAST(job_id AS VARCHAR) = ? AND status = 'queued'",
        [scope.now(), scope.org_id, job_id],
    )


def set_progress(scope: Scope, job_id: str, progress: float) -> None:
    """Record how far a running job is (0..1)."""
    scope.db.execute(
        "UPDATE jobs SET progress = ? WHERE org_id = CAST(? AS UUID) "
        "AND CAST(job_id AS VARCHAR) = ? AND status = 'running'",
        [progress, scope.org_id, job_id],
    )


def finish_job(
    scope: Scope,
    job_id: str,
    *,
    status: str,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """Record the end of a job (succeeded with a result, or failed with an error)."""
    scope.db.execute(
        "UPDATE jobs SET status = ?, progress = CASE WHEN ? = 'succeeded' THEN 1 ELSE progress "
        "END, result = ?, error = ?, finished_at = ? WHERE org_id = CAST(? AS UUID) "
        "AND CAST(job_id AS VARCHAR) = ?",
        [
            status,
            status,
            json.dumps(result, default=str) if result is not None else None,
            error,
            scope.now(),
            scope.org_id,
            job_id,
        ],
    )


def fail_unfinished(scope: Scope, reason: str, keep: list[str]) -> int:
    """Mark the organization's queued/running jobs failed, except those in `keep`."""
    rows = scope.db.fetchall(
        "UPDATE jobs SET status = 'failed', error = ?, finished_at = ? "
        "WHERE org_id = CAST(? AS UUID) AND list_contains(CAST(? AS VARCHAR[]), status) "
        "AND NOT list_contains(CAST(? AS VARCHAR[]), CAST(job_id AS VARCHAR)) RETURNING job_id",
        [reason, scope.now(), scope.org_id, list(UNFINISHED), keep],
    )
    return len(rows)


def beat(store: Store, owner: str, job_ids: list[str]) -> int:
    """Record that `owner` is still running these unfinished jobs (any organization)."""
    if not job_ids:
        return 0
    return store.db.execute(
        "UPDATE jobs SET heartbeat_at = ? WHERE owner = ? "
        "AND list_contains(CAST(? AS VARCHAR[]), status) "
        "AND list_contains(CAST(? AS VARCHAR[]), CAST(job_id AS VARCHAR))",
        [store.now(), owner, list(UNFINISHED), job_ids],
    )


def fail_orphaned(
    store: Store, reason: str, *, owner: str, keep: list[str], stale_before: Any
) -> list[dict[str, Any]]:
    """Fail unfinished jobs that nobody runs any more, in one statement (so each flips once):
    this replica's own jobs it no longer runs (`keep` are the live ones), and any replica's
    jobs whose heartbeat is older than `stale_before` (or that never had an owner)."""
    return store.db.fetch_dicts(
        "UPDATE jobs SET status = 'failed', error = ?, finished_at = ? "
        "WHERE list_contains(CAST(? AS VARCHAR[]), status) "
        "AND NOT list_contains(CAST(? AS VARCHAR[]), CAST(job_id AS VARCHAR)) "
        "AND (owner = ? OR owner IS NULL OR COALESCE(heartbeat_at, created_at) < ?) "
        "RETURNING CAST(job_id AS VARCHAR) AS job_id, CAST(org_id AS VARCHAR) AS org_id, owner",
        [reason, store.now(), list(UNFINISHED), keep, owner, stale_before],
    )
