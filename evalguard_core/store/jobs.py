"""SQL for background jobs: one row per job, so status survives the thread that ran it."""

from __future__ import annotations

import json
import uuid
from typing import Any

from evalguard_core.store import Scope

_JOB_COLUMNS = (
    "CAST(job_id AS VARCHAR) AS job_id, kind, status, progress, params, result, error, "
    "created_by, created_at, started_at, finished_at"
)
UNFINISHED = ("queued", "running")


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    """Parse the JSON columns of a job row."""
    for key in ("params", "result"):
        row[key] = json.loads(row[key]) if row[key] else None
    return row


def insert_job(scope: Scope, kind: str, params: dict[str, Any], created_by: str | None) -> str:
    """A new queued job; returns its id."""
    job_id = str(uuid.uuid4())
    scope.db.execute(
        "INSERT INTO jobs (job_id, org_id, kind, status, progress, params, created_by, created_at) "
        "VALUES (?, ?, ?, 'queued', 0, ?, ?, ?)",
        [job_id, scope.org_id, kind, json.dumps(params, default=str), created_by, scope.now()],
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
