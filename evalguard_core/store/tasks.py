"""SQL for tasks (EvalGate-style named sets of traces) and their items."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from evalguard_core.store import Scope

_TASK_COLUMNS = (
    "CAST(t.task_id AS VARCHAR) AS task_id, t.name, t.instructions, t.label_options, t.status, "
    "CAST(t.org_id AS VARCHAR) AS org_id, t.created_by, t.created_at, t.updated_at, "
    "coalesce(n.item_count, 0) AS item_count, coalesce(n.completed_count, 0) AS completed_count"
)

# Per-task item counts; joined to `tasks` so list and show share one query shape.
_COUNTS = (
    "LEFT JOIN (SELECT task_id, count(*) AS item_count, count(labeled_at) AS completed_count "
    "FROM task_items WHERE org_id = ? GROUP BY task_id) n ON n.task_id = t.task_id"
)

_ITEM_COLUMNS = (
    "CAST(i.item_id AS VARCHAR) AS item_id, CAST(i.task_id AS VARCHAR) AS task_id, i.trace_id, "
    "i.position, i.label, i.notes, i.labeled_at, i.labeled_by, c.case_id, "
    "CAST(c.run_id AS VARCHAR) AS run_id, c.input, c.output, c.output_a, c.output_b, c.expected"
)


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    """Parse the JSON columns of a task row."""
    row["label_options"] = json.loads(row["label_options"]) if row["label_options"] else []
    return row


def known_trace_ids(scope: Scope, trace_ids: list[int]) -> set[int]:
    """Those of `trace_ids` that are cases of the organization."""
    rows = scope.db.fetchall(
        "SELECT c.trace_id FROM cases c JOIN (SELECT unnest(CAST(? AS BIGINT[])) AS t) u "
        "ON c.trace_id = u.t WHERE c.org_id = ?",
        [trace_ids, scope.org_id],
    )
    return {int(r[0]) for r in rows}


def insert_task(
    scope: Scope,
    *,
    name: str,
    instructions: str | None,
    label_options: list[str],
    trace_ids: list[int],
    created_by: str | None,
) -> str:
    """Insert a task and one item per trace id, in list order (caller holds the transaction)."""
    task_id = str(uuid.uuid4())
    now = scope.now()
    scope.db.execute(
        "INSERT INTO tasks (task_id, org_id, name, instructions, label_options, status, "
        "created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'draft', ?, ?, ?)",
        [
            task_id,
            scope.org_id,
            name,
            instructions,
            json.dumps(label_options),
            created_by,
            now,
            now,
        ],
    )
    # One set-based insert: a task may hold thousands of traces.
    scope.db.execute(
        "INSERT INTO task_items (item_id, task_id, org_id, trace_id, position) "
        "SELECT gen_random_uuid(), CAST(? AS UUID), CAST(? AS UUID), trace_id, pos FROM ("
        "SELECT unnest(CAST(? AS BIGINT[])) AS trace_id, unnest(CAST(? AS INTEGER[])) AS pos) u",
        [task_id, scope.org_id, trace_ids, list(range(1, len(trace_ids) + 1))],
    )
    return task_id


def get_task(scope: Scope, task_id: str) -> dict[str, Any] | None:
    """One task of the organization with its item counts, or None."""
    rows = scope.db.fetch_dicts(
        f"SELECT {_TASK_COLUMNS} FROM tasks t {_COUNTS} "
        "WHERE t.org_id = ? AND CAST(t.task_id AS VARCHAR) = ?",
        [scope.org_id, scope.org_id, str(task_id)],
    )
    return _decode(rows[0]) if rows else None


def list_tasks(scope: Scope) -> list[dict[str, Any]]:
    """The organization's tasks with item counts, newest first."""
    rows = scope.db.fetch_dicts(
        f"SELECT {_TASK_COLUMNS} FROM tasks t {_COUNTS} WHERE t.org_id = ? "
        "ORDER BY t.created_at DESC, t.name",
        [scope.org_id, scope.org_id],
    )
    return [_decode(r) for r in rows]


def list_items(scope: Scope, task_id: str) -> list[dict[str, Any]]:
    """A task's items in order, with the content of their traces."""
    return scope.db.fetch_dicts(
        f"SELECT {_ITEM_COLUMNS} FROM task_items i "
        "LEFT JOIN cases c ON c.trace_id = i.trace_id AND c.org_id = i.org_id "
        "WHERE i.org_id = ? AND CAST(i.task_id AS VARCHAR) = ? ORDER BY i.position",
        [scope.org_id, str(task_id)],
    )


def get_item(scope: Scope, task_id: str, item_id: str) -> dict[str, Any] | None:
    """One item of one of the organization's tasks (with its trace's content), or None."""
    return scope.db.fetch_dict(
        f"SELECT {_ITEM_COLUMNS} FROM task_items i "
        "LEFT JOIN cases c ON c.trace_id = i.trace_id AND c.org_id = i.org_id "
        "WHERE i.org_id = ? AND CAST(i.task_id AS VARCHAR) = ? "
        "AND CAST(i.item_id AS VARCHAR) = ?",
        [scope.org_id, str(task_id), str(item_id)],
    )


def set_item_label(
    scope: Scope,
    task_id: str,
    item_id: str,
    *,
    label: str | None,
    notes: str | None,
    labeled_at: datetime,
    labeled_by: str,
) -> None:
    """Record an item's label (replacing any earlier one)."""
    scope.db.execute(
        "UPDATE task_items SET label = ?, notes = ?, labeled_at = ?, labeled_by = ? "
        "WHERE org_id = ? AND CAST(task_id AS VARCHAR) = ? AND CAST(item_id AS VARCHAR) = ?",
        [label, notes, labeled_at, labeled_by, scope.org_id, str(task_id), str(item_id)],
    )


def refresh_task_status(scope: Scope, task_id: str, now: datetime) -> None:
    """Set status from the item counts and bump updated_at.

    Every label writes this one row on purpose: two concurrent labels of one task then
    conflict in DuckDB and the loser retries on a fresh snapshot, so the status can never be
    left stale (e.g. two raters labelling the last two items at once).
    """
    scope.db.execute(
        "UPDATE tasks SET updated_at = ?, status = (SELECT CASE WHEN count(labeled_at) = 0 THEN "
        "'draft' WHEN count(labeled_at) = count(*) THEN 'completed' ELSE 'in_progress' END "
        "FROM task_items "
        "WHERE org_id = ? AND task_id = tasks.task_id) "
        "WHERE org_id = ? AND CAST(task_id AS VARCHAR) = ?",
        [now, scope.org_id, scope.org_id, str(task_id)],
    )


def upsert_task_annotation(
    scope: Scope,
    *,
    task_id: str,
    run_id: str,
    trace_id: int,
    annotator: str,
    label: str | None,
    score: float | None = None,
    comment: str | None,
    now: datetime,
) -> str:
    """Write a rater's task label into `annotations` (one row per rater, trace and task)."""
    updated = scope.db.fetchall(
        "UPDATE annotations SET label = ?, score = ?, comment = ?, updated_at = ? "
        "WHERE org_id = ? AND source = 'task' AND CAST(task_id AS VARCHAR) = ? AND trace_id = ? "
        "AND annotator = ? RETURNING CAST(annotation_id AS VARCHAR)",
        [label, score, comment, now, scope.org_id, str(task_id), trace_id, annotator],
    )
    if updated:
        return updated[0][0]
    annotation_id = str(uuid.uuid4())
    scope.db.execute(
        "INSERT INTO annotations (annotation_id, org_id, run_id, trace_id, target_type, target_id, "
        "task_id, annotator, label, score, comment, source, created_at, updated_at) "
        "VALUES (?, ?, CAST(? AS UUID), ?, 'trace', ?, CAST(? AS UUID), ?, ?, ?, ?, 'task', ?, ?)",
        [
            annotation_id,
            scope.org_id,
            run_id,
            trace_id,
            str(trace_id),
            str(task_id),
            annotator,
            label,
            score,
            comment,
            now,
            now,
        ],
    )
    return annotation_id


def item_answers(scope: Scope, task_id: str) -> dict[str, dict[str, Any]]:
    """Per item id: the rubric version and answers of the item's current label."""
    rows = scope.db.fetchall(
        "SELECT CAST(i.item_id AS VARCHAR), r.rubric_version, r.question, r.value_label, "
        "r.value_score FROM task_items i JOIN annotations a ON a.org_id = i.org_id "
        "AND a.source = 'task' AND a.task_id = i.task_id AND a.trace_id = i.trace_id "
        "AND a.annotator = i.labeled_by JOIN rubric_answers r ON r.annotation_id = a.annotation_id "
        "AND r.org_id = a.org_id WHERE i.org_id = ? AND CAST(i.task_id AS VARCHAR) = ? "
        "ORDER BY i.position, r.question",
        [scope.org_id, str(task_id)],
    )
    out: dict[str, dict[str, Any]] = {}
    for item_id, version, question, text, number in rows:
        entry = out.setdefault(item_id, {"version": version, "answers": {}})
        entry["answers"][question] = (text, number)
    return out
