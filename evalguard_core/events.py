"""The append-only event log: claims, releases, expiries, heartbeats, labels, settings."""

from __future__ import annotations

from typing import Any

from evalguard_core.errors import ValidationError
from evalguard_core.queues import require_queue
from evalguard_core.store import Scope
from evalguard_core.store import events as sql

KINDS = (
    "queue_create",
    "queue_update",
    "items_add",
    "claim",
    "release",
    "expire",
    "heartbeat",
    "annotate",
    "relabel",
)
MAX_LIMIT = 1000


def list_events(
    scope: Scope,
    *,
    queue_id: str | None = None,
    kind: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> dict[str, Any]:
    """Events newest first, optionally of one queue and kind, paged."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"limit must be 1..{MAX_LIMIT}", details={"field": "limit"})
    if offset < 0:
        raise ValidationError("offset must be >= 0", details={"field": "offset"})
    if queue_id is not None:
        queue_id = require_queue(scope, queue_id)["queue_id"]
    rows, total = sql.list_events(scope, queue_id=queue_id, kind=kind, limit=limit, offset=offset)
    return {"events": rows, "total": total, "limit": limit, "offset": offset}
