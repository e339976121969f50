"""SQL for annotations made in EvalGuard (one row per rater per target per queue)."""

from __future__ import annotations

import uuid
from typing import Any

from evalguard_core.store import Scope

_COLUMNS = (
    "CAST(annotation_id AS VARCHAR) AS annotation_id, CAST(run_id AS VARCHAR) AS run_id, "
    "trace_id, target_type, target_id, CAST(queue_id AS VARCHAR) AS queue_id, item_id, "
    "annotator, label, score, comment, source, created_at, updated_at"
)


def find_own(
    scope: Scope, *, annotator: str, trace_id: int, target_type: str, queue_id: str | None
) -> dict[str, Any] | None:
    """The rater's existing label on a target in a queue (or its free-standing one)."""
    if queue_id is not None:
        where = "queue_id = CAST(? AS UUID)"
        params: list[Any] = [queue_id]
    else:
        # Imported and task labels have their own lifecycle; free-standing ones are api/ui.
        where = "queue_id IS NULL AND task_id IS NULL AND source IN ('api', 'ui')"
        params = []
    return scope.db.fetch_dict(
        f"SELECT {_COLUMNS} FROM annotations WHERE org_id = ? AND annotator = ? "
        f"AND trace_id = ? AND target_type = ? AND {where} ORDER BY created_at LIMIT 1",
        [scope.org_id, annotator, trace_id, target_type, *params],
    )


def find_in_queue(
    scope: Scope, queue_id: str, annotator: str, trace_id: int
) -> dict[str, Any] | None:
    """The rater's label on a trace in a queue, if any."""
    return scope.db.fetch_dict(
        "SELECT CAST(annotation_id AS VARCHAR) AS annotation_id, item_id, label, score, comment "
        "FROM annotations WHERE org_id = ? AND queue_id = CAST(? AS UUID) AND annotator = ? "
        "AND trace_id = ? LIMIT 1",  # one per rater per target per queue (the rater lock)
        [scope.org_id, queue_id, annotator, trace_id],
    )


def insert_annotation(scope: Scope, row: dict[str, Any]) -> str:
    """Insert a new annotation; returns its id."""
    annotation_id = str(uuid.uuid4())
    now = scope.now()
    scope.db.write(
        "INSERT INTO annotations (annotation_id, org_id, run_id, trace_id, target_type, "
        "target_id, queue_id, item_id, annotator, label, score, comment, source, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            annotation_id,
            scope.org_id,
            row["run_id"],
            row["trace_id"],
            row["target_type"],
            row["target_id"],
            row.get("queue_id"),
            row.get("item_id"),
            row["annotator"],
            row.get("label"),
            row.get("score"),
            row.get("comment"),
            row["source"],
            now,
            now,
        ],
    )
    return annotation_id


def update_annotation(
    scope: Scope, annotation_id: str, *, label: str | None, score: float | None, comment: str | None
) -> None:
    """Replace the value of an existing annotation (the event log keeps the old one)."""
    scope.db.write(
        "UPDATE annotations SET label = ?, score = ?, comment = ?, updated_at = ? "
        "WHERE org_id = ? AND CAST(annotation_id AS VARCHAR) = ?",
        [label, score, comment, scope.now(), scope.org_id, annotation_id],
    )


def get_annotation(scope: Scope, annotation_id: str) -> dict[str, Any] | None:
    """One annotation of the organization, or None."""
    return scope.db.fetch_dict(
        f"SELECT {_COLUMNS} FROM annotations WHERE org_id = ? "
        "AND CAST(annotation_id AS VARCHAR) = ?",
        [scope.org_id, annotation_id],
    )


def list_queue_annotations(scope: Scope, queue_id: str) -> list[dict[str, Any]]:
    """Every annotation made in a queue, oldest first."""
    return scope.db.fetch_dicts(
        f"SELECT {_COLUMNS} FROM annotations WHERE org_id = ? AND queue_id = CAST(? AS UUID) "
        "ORDER BY created_at, annotation_id",
        [scope.org_id, queue_id],
    )
