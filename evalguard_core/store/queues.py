"""SQL for queues (settings) — items, claims and progress build on these rows."""

from __future__ import annotations

import json
import uuid
from typing import Any

from evalguard_core.store import Scope

_QUEUE_COLUMNS = (
    "CAST(queue_id AS VARCHAR) AS queue_id, name, target_type, label_options, score_min, "
    "score_max, instructions, annotations_per_item, lease_seconds, created_by, created_at, "
    "updated_at, coalesce(allow_unclaimed, false) AS allow_unclaimed"
)


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    """Parse the JSON columns of a queue row."""
    row["label_options"] = json.loads(row["label_options"]) if row["label_options"] else []
    return row


def insert_queue(scope: Scope, settings: dict[str, Any], created_by: str | None) -> str:
    """Insert a queue with validated settings; returns its id."""
    queue_id = str(uuid.uuid4())
    now = scope.now()
    scope.db.execute(
        "INSERT INTO queues (queue_id, org_id, name, target_type, label_options, score_min, "
        "score_max, instructions, annotations_per_item, lease_seconds, created_by, created_at, "
        "updated_at, allow_unclaimed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            queue_id,
            scope.org_id,
            settings["name"],
            settings["target_type"],
            json.dumps(settings["label_options"]),
            settings.get("score_min"),
            settings.get("score_max"),
            settings.get("instructions"),
            settings["annotations_per_item"],
            settings["lease_seconds"],
            created_by,
            now,
            now,
            bool(settings.get("allow_unclaimed")),
        ],
    )
    return queue_id


def get_queue(scope: Scope, queue_id: str) -> dict[str, Any] | None:
    """One queue of the organization, or None."""
    rows = scope.db.fetch_dicts(
        f"SELECT {_QUEUE_COLUMNS} FROM queues WHERE org_id = ? AND CAST(queue_id AS VARCHAR) = ?",
        [scope.org_id, str(queue_id)],
    )
    return _decode(rows[0]) if rows else None


def list_queues(scope: Scope) -> list[dict[str, Any]]:
    """The organization's queues, newest first."""
    rows = scope.db.fetch_dicts(
        f"SELECT {_QUEUE_COLUMNS} FROM queues WHERE org_id = ? ORDER BY created_at DESC",
        [scope.org_id],
    )
    return [_decode(r) for r in rows]


def update_queue(scope: Scope, queue_id: str, changes: dict[str, Any]) -> None:
    """Apply validated setting changes to a queue."""
    allowed = {
        "name",
        "label_options",
        "score_min",
        "score_max",
        "instructions",
        "annotations_per_item",
        "lease_seconds",
        "allow_unclaimed",
    }
    sets, params = [], []
    for key, value in changes.items():
        if key not in allowed:
            raise ValueError(key)
        sets.append(f"{key} = ?")
        params.append(json.dumps(value) if key == "label_options" else value)
    if not sets:
        return
    sets.append("updated_at = ?")
    params.append(scope.now())
    scope.db.execute(
        f"UPDATE queues SET {', '.join(sets)} WHERE org_id = ? AND CAST(queue_id AS VARCHAR) = ?",
        [*params, scope.org_id, str(queue_id)],
    )
