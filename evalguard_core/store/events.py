"""SQL for the append-only event log."""

from __future__ import annotations

import json
from typing import Any

from evalguard_core.store import Scope


def append_event(
    scope: Scope,
    kind: str,
    *,
    actor: str | None,
    queue_id: str | None = None,
    item_id: int | None = None,
    trace_id: int | None = None,
    annotation_id: str | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """Append one event (callers put it in the same transaction as the change it records)."""
    scope.db.write(
        "INSERT INTO events (event_id, org_id, event_at, actor, kind, queue_id, item_id, trace_id, "
        "annotation_id, payload) VALUES (nextval('event_id_seq'), ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            scope.org_id,
            scope.now(),
            actor,
            kind,
            queue_id,
            item_id,
            trace_id,
            annotation_id,
            json.dumps(payload, default=str) if payload is not None else None,
        ],
    )


def list_events(
    scope: Scope,
    *,
    queue_id: str | None = None,
    kind: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Events of the organization, newest first, optionally for one queue or kind."""
    where = ["org_id = ?"]
    params: list[Any] = [scope.org_id]
    if queue_id:
        where.append("CAST(queue_id AS VARCHAR) = ?")
        params.append(queue_id)
    if kind:
        where.append("kind = ?")
        params.append(kind)
    clause = " AND ".join(where)
    total = scope.db.scalar(f"SELECT count(*) FROM events WHERE {clause}", params)
    rows = scope.db.fetch_dicts(
        "SELECT event_id, event_at AS at, actor, kind, CAST(queue_id AS VARCHAR) AS queue_id, "
        f"item_id, trace_id, CAST(annotation_id AS VARCHAR) AS annotation_id, payload FROM events "
        f"WHERE {clause} ORDER BY event_id DESC LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    for row in rows:
        row["payload"] = json.loads(row["payload"]) if row["payload"] else None
    return rows, int(total)
