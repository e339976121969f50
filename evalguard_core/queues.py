"""Annotation queues: settings, bulk add of targets, progress. Claims live in `claims`."""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from evalguard_core import bounds, frontier, rubrics
from evalguard_core.errors import ConflictError, NotFoundError, ValidationError
from evalguard_core.store import Scope
from evalguard_core.store import events as events_sql
from evalguard_core.store import items as items_sql
from evalguard_core.store import locks as locks_sql
from evalguard_core.store import queues as sql
from evalguard_core.store import runs as runs_sql

TARGET_TYPES = ("eval_case", "trace", "pairwise")
DEFAULT_LABELS = ["pass", "fail"]
PAIRWISE_LABELS = ["A", "B", "tie"]
DEFAULT_LEASE_SECONDS = bounds.LEASE_SECONDS_DEFAULT
MAX_TRACE_ID = bounds.MAX_TRACE_ID


def finite_number(value: object, field: str) -> float:
    """`value` as a finite float, or ValidationError naming `field` (no bools, text, NaN, inf)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationError(f"{field} must be a finite number", details={"field": field})
    return float(value)


def whole_number(value: object, field: str) -> int:
    """`value` as an int, or ValidationError naming `field` (no bools, text or fractions)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{field} must be a whole number", details={"field": field})
    return value


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
    if target_type == "pairwise" and not set(options) <= set(PAIRWISE_LABELS):
        raise ValidationError(
            "a pairwise queue's label_options must be among A, B, tie",
            details={"field": "label_options"},
        )
    out["label_options"] = options
    for field in ("score_min", "score_max"):
        if out.get(field) is not None:
            out[field] = finite_number(out[field], field)
    lo, hi = out.get("score_min"), out.get("score_max")
    if lo is not None and hi is not None and lo > hi:
        raise ValidationError("score_min must be <= score_max", details={"field": "score_min"})
    per_item = whole_number(
        out.get("annotations_per_item") or bounds.ANNOTATIONS_PER_ITEM_DEFAULT,
        "annotations_per_item",
    )
    if not bounds.ANNOTATIONS_PER_ITEM_MIN <= per_item <= bounds.ANNOTATIONS_PER_ITEM_MAX:
        raise ValidationError(
            f"annotations_per_item must be between {bounds.ANNOTATIONS_PER_ITEM_MIN} and "
            f"{bounds.ANNOTATIONS_PER_ITEM_MAX}",
            details={"field": "annotations_per_item"},
        )
    out["annotations_per_item"] = int(per_item)
    lease = whole_number(out.get("lease_seconds") or DEFAULT_LEASE_SECONDS, "lease_seconds")
    if not bounds.LEASE_SECONDS_MIN <= lease <= bounds.LEASE_SECONDS_MAX:
        raise ValidationError(
            f"lease_seconds must be between {bounds.LEASE_SECONDS_MIN} and "
            f"{bounds.LEASE_SECONDS_MAX}",
            details={"field": "lease_seconds"},
        )
    out["lease_seconds"] = int(lease)
    unclaimed = out.get("allow_unclaimed") or False
    if not isinstance(unclaimed, bool):
        raise ValidationError(
            "allow_unclaimed must be true or false", details={"field": "allow_unclaimed"}
        )
    out["allow_unclaimed"] = unclaimed
    return out


def create_queue(scope: Scope, *, created_by: str | None = None, **settings: Any) -> dict[str, Any]:
    """Create a queue; label options default to pass/fail (A/B/tie for pairwise)."""
    checked = _check_settings(settings)
    with scope.db.atomic():
        queue_id = sql.insert_queue(scope, checked, created_by)
        rubrics.init_queue_rubric(scope, queue_id, checked, created_by)
        events_sql.append_event(
            scope, "queue_create", actor=created_by, queue_id=queue_id, payload=checked
        )
    return get_queue(scope, queue_id)


# Queue settings are read on every claim and label. On a DuckDB file the one server process is
# the only writer of settings (update_queue), so an in-process cache invalidated there stays
# exact. On a shared database another replica may change them, so an entry is re-read once it
# is SHARED_CACHE_SECONDS old: a change applies on every replica within one second (ADR 0013).
_settings_cache: dict[tuple[str, str, str], tuple[float, dict[str, Any]]] = {}
_SETTINGS_CACHE_MAX = 4096
SHARED_CACHE_SECONDS = 0.5


def _cache_key(scope: Scope, queue_id: str) -> tuple[str, str, str]:
    """Cache key: the store file, the organization and the queue."""
    return (scope.store.location, scope.org_id, str(queue_id))


def require_queue(scope: Scope, queue_id: str) -> dict[str, Any]:
    """The queue's settings (a fresh copy), or NotFoundError naming the id."""
    key = _cache_key(scope, queue_id)
    hit = _settings_cache.get(key)
    now = time.monotonic()
    if hit is not None and scope.db.shared and now - hit[0] >= SHARED_CACHE_SECONDS:
        hit = None
    if hit is None:
        queue = sql.get_queue(scope, str(queue_id))
        if queue is None:
            raise NotFoundError(f"queue {queue_id} not found", details={"queue_id": str(queue_id)})
        old = _settings_cache.get(key)
        if old is not None and old[1] != queue:
            # Another replica changed the settings: frontier windows judged capacity on the old.
            frontier.forget(scope, queue["queue_id"])
        if len(_settings_cache) >= _SETTINGS_CACHE_MAX:
            _settings_cache.clear()
        _settings_cache[key] = (now, queue)
    else:
        queue = hit[1]
    return {**queue, "label_options": list(queue["label_options"])}


def forget_settings(scope: Scope, queue_id: str) -> None:
    """Drop a queue's cached settings (after archive, restore or delete)."""
    _settings_cache.pop(_cache_key(scope, queue_id), None)


def forget_org(scope: Scope) -> None:
    """Drop every cached queue setting of the organization (its data was deleted)."""
    for key in [k for k in _settings_cache if k[:2] == _cache_key(scope, "")[:2]]:
        _settings_cache.pop(key, None)


def ensure_open(queue: dict[str, Any]) -> None:
    """Raise ConflictError when the queue is archived (read-only until restored)."""
    if queue.get("archived_at") is not None:
        raise ConflictError(
            f"queue {queue['queue_id']} is archived (read-only); an admin can restore it",
            details={"queue_id": queue["queue_id"], "archived": True},
        )


def list_queues(scope: Scope, *, include_archived: bool = False) -> list[dict[str, Any]]:
    """The organization's queues with their progress (archived ones only when asked)."""
    queues = [q for q in sql.list_queues(scope) if include_archived or q["archived_at"] is None]
    _attach_progress(scope, queues)
    return queues


def get_queue(scope: Scope, queue_id: str) -> dict[str, Any]:
    """One queue with its progress (items pending/claimed/done, labels, per rater)."""
    queue = require_queue(scope, queue_id)
    _attach_progress(scope, [queue])
    return queue


def _attach_progress(scope: Scope, queues: list[dict[str, Any]]) -> None:
    """Add `progress` to each queue dict, in two grouped queries for all of them."""
    per_queue = {q["queue_id"]: q["annotations_per_item"] for q in queues}
    found = items_sql.progress(scope, per_queue, scope.now())
    for queue in queues:
        prog = found[queue["queue_id"]]
        queue["per_rater"] = prog.pop("per_rater")
        queue["progress"] = prog


UPDATABLE = (
    "name",
    "instructions",
    "label_options",
    "score_min",
    "score_max",
    "annotations_per_item",
    "lease_seconds",
    "allow_unclaimed",
)


def update_queue(
    scope: Scope, queue_id: str, changes: dict[str, Any], *, actor: str | None = None
) -> dict[str, Any]:
    """Change a queue's settings (not its target type); the event log keeps the old values."""
    queue = require_queue(scope, queue_id)
    ensure_open(queue)
    unknown = sorted(set(changes) - set(UPDATABLE))
    if unknown:
        raise ValidationError(
            f"{unknown[0]}: this setting cannot be changed", details={"field": unknown[0]}
        )
    merged = {k: queue[k] for k in ("target_type", *UPDATABLE)}
    merged.update(changes)
    checked = _check_settings(merged)
    diff = {k: checked[k] for k in changes if checked[k] != queue[k]}
    if diff:
        _settings_cache.pop(_cache_key(scope, queue["queue_id"]), None)
        _settings_cache.pop(_cache_key(scope, queue_id), None)
        with scope.db.atomic():
            sql.update_queue(scope, queue["queue_id"], diff)
            if {"label_options", "score_min", "score_max"} & set(diff):
                # A one-question rubric follows its settings: a new version once labelled.
                rubrics.follow_queue_settings(scope, queue["queue_id"], queue, checked, actor)
            events_sql.append_event(
                scope,
                "queue_update",
                actor=actor,
                queue_id=queue["queue_id"],
                payload={"old": {k: queue[k] for k in diff}, "new": diff},
            )
        _settings_cache.pop(_cache_key(scope, queue["queue_id"]), None)
        _settings_cache.pop(_cache_key(scope, queue_id), None)
        frontier.forget(scope, queue["queue_id"])  # annotations_per_item may have changed
    return get_queue(scope, queue["queue_id"])


# -- targets and bulk add ------------------------------------------------------------------------
MAX_TARGETS_PER_CALL = bounds.TARGETS_PER_CALL_MAX
MAX_NAMED = 20

_queue_locks: dict[str, threading.Lock] = {}
_queue_locks_guard = threading.Lock()


@contextmanager
def queue_write_lock(queue_id: str) -> Iterator[None]:
    """Serialise inserts of items into one queue (no unique index; one server process)."""
    with _queue_locks_guard:
        lock = _queue_locks.setdefault(str(queue_id), threading.Lock())
    with lock:
        yield


def hold_queue_lock(scope: Scope, queue_id: str) -> None:
    """Inside a writer's transaction: the same lock across replicas on a shared database."""
    if scope.db.shared:  # another replica may be adding to this queue (ADR 0013)
        locks_sql.hold(scope, f"queue:{queue_id}")


def run_kind_for(target_type: str) -> str:
    """The run kind a target type needs: pairwise targets need pairwise runs."""
    return "pairwise" if target_type == "pairwise" else "single"


def canonical_target_id(target_type: str, row: dict[str, Any]) -> str:
    """How a resolved case is addressed for a target type."""
    if target_type == "trace":
        return str(row["trace_id"])
    return f"{row['run_id']}:{row['case_id']}"


def parse_trace_id(raw: object) -> int | None:
    """A numeric trace id from text ("123"), or None: ASCII digits within BIGINT range only."""
    text = str(raw).strip()
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= MAX_TRACE_ID else None


def _parse_target(raw: str) -> tuple[str, Any] | None:
    """('trace', 123) or ('pair', (run_id, case_id)), or None when malformed."""
    text = str(raw).strip()
    if text.isascii() and text.isdigit():
        trace_id = parse_trace_id(text)
        return ("trace", trace_id) if trace_id is not None else None
    run_part, sep, case_part = text.partition(":")
    if not sep or not case_part:
        return None
    try:
        return ("pair", (str(uuid.UUID(run_part)), case_part))
    except ValueError:
        return None


def _named(ids: list[str]) -> str:
    """'a, b, c and 3 more' for messages."""
    shown = ", ".join(ids[:MAX_NAMED])
    return shown + (f" and {len(ids) - MAX_NAMED} more" if len(ids) > MAX_NAMED else "")


def resolve_targets(scope: Scope, target_type: str, raw_ids: list[str]) -> dict[str, dict]:
    """Map each target id to its case; ValidationError naming unknown or wrong-type ids."""
    if target_type not in TARGET_TYPES:
        raise ValidationError(
            f"target_type must be one of {', '.join(TARGET_TYPES)}",
            details={"field": "target_type"},
        )
    parsed = {raw: _parse_target(raw) for raw in raw_ids}
    trace_ids = [p[1] for p in parsed.values() if p and p[0] == "trace"]
    pairs = [p[1] for p in parsed.values() if p and p[0] == "pair"]
    rows = items_sql.resolve_targets(scope, trace_ids, [p[0] for p in pairs], [p[1] for p in pairs])
    by_trace = {r["trace_id"]: r for r in rows}
    by_pair = {(r["run_id"], r["case_id"]): r for r in rows}
    found: dict[str, dict] = {}
    unknown: list[str] = []
    for raw, p in parsed.items():
        row = None
        if p is not None:
            row = by_trace.get(p[1]) if p[0] == "trace" else by_pair.get(p[1])
        if row is None:
            unknown.append(raw)
        else:
            found[raw] = row
    if unknown:
        raise ValidationError(
            f"{len(unknown)} target id(s) not found: {_named(unknown)}; nothing was added "
            "(use <run_id>:<case_id> or a numeric trace id)",
            details={"field": "target_ids", "unknown": unknown[:1000]},
        )
    need = run_kind_for(target_type)
    wrong = [raw for raw, row in found.items() if row["kind"] != need]
    if wrong:
        what = "pairwise runs" if need == "pairwise" else "single-output (non-pairwise) runs"
        raise ValidationError(
            f"a {target_type} queue takes cases of {what}; these are not: {_named(wrong)}",
            details={"field": "target_ids", "wrong_type": wrong[:1000]},
        )
    return found


def add_items(
    scope: Scope, queue_id: str, target_ids: list[Any], *, actor: str | None = None
) -> dict[str, Any]:
    """Add targets to a queue in one transaction; re-adding a target is counted as duplicate."""
    queue = require_queue(scope, queue_id)
    ensure_open(queue)
    raw_ids = [str(t).strip() for t in target_ids]
    if not raw_ids:
        raise ValidationError("target_ids is empty", details={"field": "target_ids"})
    if len(raw_ids) > MAX_TARGETS_PER_CALL:
        raise ValidationError(
            f"at most {MAX_TARGETS_PER_CALL} target ids per call (got {len(raw_ids)})",
            details={"field": "target_ids"},
        )
    found = resolve_targets(scope, queue["target_type"], list(dict.fromkeys(raw_ids)))
    trace_ids = sorted({row["trace_id"] for row in found.values()})
    return _insert(scope, queue, trace_ids, requested=len(raw_ids), actor=actor)


def add_trace_ids(
    scope: Scope, queue_id: str, trace_ids: list[int], *, actor: str | None = None
) -> dict[str, Any]:
    """Add cases already known by trace id (e.g. a filtered selection of a run)."""
    return add_items(scope, queue_id, [str(t) for t in trace_ids], actor=actor)


def _insert(
    scope: Scope, queue: dict[str, Any], trace_ids: list[int], *, requested: int, actor: str | None
) -> dict[str, Any]:
    """Insert under the queue's lock in one transaction and log one event."""
    with queue_write_lock(queue["queue_id"]), scope.db.atomic():
        hold_queue_lock(scope, queue["queue_id"])
        added = items_sql.insert_items(scope, queue["queue_id"], queue["target_type"], trace_ids)
        events_sql.append_event(
            scope,
            "items_add",
            actor=actor,
            queue_id=queue["queue_id"],
            payload={"requested": requested, "added": added},
        )
    frontier.forget(scope, queue["queue_id"])  # claims see the new items at once
    return {"success": True, "added": added, "duplicates": requested - added}


def add_from_run(
    scope: Scope,
    queue_id: str,
    run_id: str,
    case_filter: runs_sql.CaseFilter | None = None,
    *,
    actor: str | None = None,
) -> dict[str, Any]:
    """Add a run's cases matching a filter (e.g. judge = fail), at most 10,000 per call."""
    from evalguard_core.runs import require_run

    require_queue(scope, queue_id)
    run = require_run(scope, run_id)
    ids = runs_sql.matching_trace_ids(
        scope, run["run_id"], case_filter or runs_sql.CaseFilter(), MAX_TARGETS_PER_CALL + 1
    )
    if not ids:
        return {"success": True, "added": 0, "duplicates": 0}
    return add_trace_ids(scope, queue_id, ids, actor=actor)
