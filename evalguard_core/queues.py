"""Annotation queues: settings and validation (items, claims and progress build on these)."""

from __future__ import annotations

from typing import Any

from evalguard_core.errors import NotFoundError, ValidationError
from evalguard_core.store import Scope
from evalguard_core.store import queues as sql

TARGET_TYPES = ("eval_case", "trace", "pairwise")
DEFAULT_LABELS = ["pass", "fail"]
PAIRWISE_LABELS = ["A", "B", "tie"]
DEFAULT_LEASE_SECONDS = 900


def _check_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """Validate and complete queue settings (defaults per target type)."""
    out = dict(settings)
    name = (out.get("name") or "").strip()
    if not name:
        raise ValidationError("a queue needs a name", details={"field": "name"})
    out["name"] = name
    target_type = out.get("target_type") or "eval_case"
    if target_type not in TARGET_TYPES:
        raise ValidationError(
            f"target_type must be one of {', '.join(TARGET_TYPES)}",
            details={"field": "target_type"},
        )
    out["target_type"] = target_type
    options = out.get("label_options")
    if not options:
        options = PAIRWISE_LABELS if target_type == "pairwise" else DEFAULT_LABELS
    options = [str(o).strip() for o in options]
    if any(not o for o in options) or len(set(options)) != len(options):
        raise ValidationError(
            "label_options must be distinct, non-empty strings", details={"field": "label_options"}
        )
    out["label_options"] = options
    lo, hi = out.get("score_min"), out.get("score_max")
    if lo is not None and hi is not None and lo > hi:
        raise ValidationError("score_min must be <= score_max", details={"field": "score_min"})
    per_item = out.get("annotations_per_item") or 1
    if not 1 <= int(per_item) <= 100:
        raise ValidationError(
            "annotations_per_item must be between 1 and 100",
            details={"field": "annotations_per_item"},
        )
    out["annotations_per_item"] = int(per_item)
    lease = out.get("lease_seconds") or DEFAULT_LEASE_SECONDS
    if not 10 <= int(lease) <= 7 * 24 * 3600:
        raise ValidationError(
            "lease_seconds must be between 10 and 604800", details={"field": "lease_seconds"}
        )
    out["lease_seconds"] = int(lease)
    return out


def create_queue(scope: Scope, *, created_by: str | None = None, **settings: Any) -> dict[str, Any]:
    """Create a queue; label options default to pass/fail (A/B/tie for pairwise)."""
    checked = _check_settings(settings)
    queue_id = sql.insert_queue(scope, checked, created_by)
    return require_queue(scope, queue_id)


def require_queue(scope: Scope, queue_id: str) -> dict[str, Any]:
    """The queue, or NotFoundError naming the id."""
    queue = sql.get_queue(scope, str(queue_id))
    if queue is None:
        raise NotFoundError(f"queue {queue_id} not found", details={"queue_id": str(queue_id)})
    return queue


def list_queues(scope: Scope) -> list[dict[str, Any]]:
    """The organization's queues (settings only)."""
    return sql.list_queues(scope)
