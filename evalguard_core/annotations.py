"""Human annotations: validation against the queue, completing leases, relabelling.

The annotator is always the authenticated identity passed in by the caller (API key name or
the UI's signed-in actor), never a field of the request body (docs/adr/0004-mass-assignment.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# `from evalguard_core.store import annotations` would find the package's __future__ feature.
import evalguard_core.store.annotations as sql
from evalguard_core import bounds, rubrics
from evalguard_core.claims import MAX_ATTEMPTS, backoff, claim_next, item_status, rater_lock
from evalguard_core.errors import ConflictError, NotFoundError, ValidationError
from evalguard_core.queues import (
    PAIRWISE_LABELS,
    TARGET_TYPES,
    canonical_target_id,
    ensure_open,
    finite_number,
    forget_settings,
    parse_trace_id,
    require_queue,
    resolve_targets,
)
from evalguard_core.store import Scope, TransactionConflict
from evalguard_core.store import claims as claims_sql
from evalguard_core.store import events as events_sql
from evalguard_core.store import items as items_sql
from evalguard_core.store.lifecycle import queue_archived_at

MAX_COMMENT_CHARS = bounds.COMMENT_MAX_CHARS
SOURCES = ("api", "ui")
SHOWN_ORDERS = ("AB", "BA")
SIDES = ("left", "right", "tie")
# What happened to the rater's lease by the time the label arrived (ADR 0003: never refused).
LEASE_OUTCOMES = ("live", "expired", "taken", "none")


def pairwise_label(shown_order: str, side: str) -> str:
    """The stored pairwise label (A, B or tie) for the side the rater picked in the shown order."""
    if shown_order not in SHOWN_ORDERS:
        raise ValidationError(
            f"shown_order must be AB or BA, not {shown_order!r}", details={"field": "shown_order"}
        )
    if side not in SIDES:
        raise ValidationError(f"side must be one of {', '.join(SIDES)}", details={"field": "side"})
    if side == "tie":
        return "tie"
    return shown_order[0] if side == "left" else shown_order[1]


def _clean_value(
    queue: dict[str, Any] | None,
    target_type: str,
    label: str | None,
    score: float | None,
    comment: str | None,
) -> tuple[str | None, float | None, str | None]:
    """Validate a label/score/comment against the queue's options and range (or the type's)."""
    label = label.strip() if isinstance(label, str) else label
    label = label or None
    comment = comment.strip() if isinstance(comment, str) else comment
    comment = comment or None
    if label is None and score is None:
        raise ValidationError("give a label, a score or both", details={"field": "label"})
    if score is not None:
        score = finite_number(score, "score")
    if comment is not None and len(comment) > MAX_COMMENT_CHARS:
        raise ValidationError(
            f"comment is longer than {MAX_COMMENT_CHARS} characters", details={"field": "comment"}
        )
    options = (
        queue["label_options"]
        if queue
        else (PAIRWISE_LABELS if target_type == "pairwise" else None)
    )
    if label is not None and options is not None and label not in options:
        raise ValidationError(
            f"label {label!r} is not one of {', '.join(options)}",
            details={"field": "label", "allowed": options},
        )
    if queue and score is not None:
        lo, hi = queue.get("score_min"), queue.get("score_max")
        if (lo is not None and score < lo) or (hi is not None and score > hi):
            raise ValidationError(
                f"score {score:g} is outside the queue's range "
                f"[{'-inf' if lo is None else f'{lo:g}'}, {'inf' if hi is None else f'{hi:g}'}]",
                details={"field": "score", "min": lo, "max": hi},
            )
    return label, score, comment


def create_annotation(
    scope: Scope,
    *,
    annotator: str,
    target_id: str | int,
    target_type: str,
    label: str | None = None,
    score: float | None = None,
    comment: str | None = None,
    queue_id: str | None = None,
    source: str = "api",
    shown_order: str | None = None,
) -> dict[str, Any]:
    """Record `annotator`'s label on a target (in a queue or free-standing); relabel updates it.

    `shown_order` ('AB'/'BA') is the side order a pairwise item was shown in (the UI passes
    it; it goes on the claim and in the annotate event). In a queue the answer's `lease` says
    what happened to the rater's lease: live, expired (nobody else took the item), taken (it
    ran out and others took or finished the item; the label is kept anyway) or none.
    """
    if target_type not in TARGET_TYPES:
        raise ValidationError(
            f"target_type must be one of {', '.join(TARGET_TYPES)}",
            details={"field": "target_type"},
        )
    if source not in SOURCES:
        raise ValueError(source)
    queue = require_queue(scope, str(queue_id)) if queue_id is not None else None
    if queue is not None and queue["target_type"] != target_type:
        raise ValidationError(
            f"queue {queue['queue_id']} holds {queue['target_type']} targets, not {target_type}",
            details={"field": "target_type"},
        )
    label, score, comment = _clean_value(queue, target_type, label, score, comment)
    if shown_order is not None and (target_type != "pairwise" or shown_order not in SHOWN_ORDERS):
        raise ValidationError(
            "shown_order (AB or BA) applies to pairwise targets only",
            details={"field": "shown_order"},
        )
    raw = str(target_id).strip()
    with rater_lock(scope.org_id, annotator):
        if queue is None:
            case = _resolve_one(scope, target_type, raw)
            return _free_standing(
                scope, _row(case, target_type, annotator, source, label, score, comment)
            )
        # The label answers the rubric's newest version, not version 1 (ADR 0016).
        return _in_queue(
            scope,
            queue,
            raw,
            annotator,
            source,
            label,
            score,
            comment,
            shown_order,
            after_write=rubrics.one_question_answers(scope, queue["queue_id"]),
        )


def label_claimed(
    scope: Scope,
    queue_id: str,
    rater: str,
    item: dict[str, Any],
    *,
    label: str | None = None,
    score: float | None = None,
    comment: str | None = None,
    source: str = "api",
    shown_order: str | None = None,
) -> dict[str, Any]:
    """Label an item `rater` claimed from `queue_id` (`item` is the claim answer's item)."""
    return create_annotation(
        scope,
        annotator=rater,
        target_id=item["target_id"],
        target_type=item["target_type"],
        label=label,
        score=score,
        comment=comment,
        queue_id=queue_id,
        source=source,
        shown_order=shown_order,
    )


def claim_and_label(
    scope: Scope,
    queue_id: str,
    rater: str,
    *,
    label: str | None = None,
    score: float | None = None,
    source: str = "api",
) -> dict[str, Any] | None:
    """One rater cycle: claim the next item and label it; None when nothing is left for `rater`.

    Returns the labelled item. A retryable conflict (the claim lost every race) is raised, so
    a caller that loops decides how often to try again.
    """
    try:
        item: dict[str, Any] = claim_next(scope, queue_id, rater)["item"]
    except ConflictError as exc:
        if (exc.details or {}).get("retryable"):
            raise
        return None
    label_claimed(scope, queue_id, rater, item, label=label, score=score, source=source)
    return item


def _resolve_one(scope: Scope, target_type: str, raw: str) -> dict[str, Any]:
    """The case a target id names, or ValidationError naming `target_id`."""
    try:
        return resolve_targets(scope, target_type, [raw])[raw]
    except ValidationError as exc:
        exc.details = {**(exc.details or {}), "field": "target_id"}
        raise


def _row(
    case: dict[str, Any],
    target_type: str,
    annotator: str,
    source: str,
    label: str | None,
    score: float | None,
    comment: str | None,
) -> dict[str, Any]:
    """The annotation row for a resolved case."""
    return {
        "run_id": case["run_id"],
        "trace_id": case["trace_id"],
        "target_type": target_type,
        "target_id": case.get("target_id") or canonical_target_id(target_type, case),
        "annotator": annotator,
        "source": source,
        "label": label,
        "score": score,
        "comment": comment,
    }


def _relabel(scope: Scope, existing: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    """Update the rater's earlier label; the event keeps the old value (caller holds the tx)."""
    old = {k: existing[k] for k in ("label", "score", "comment")}
    new = {k: row[k] for k in ("label", "score", "comment")}
    sql.update_annotation(scope, existing["annotation_id"], **new)
    events_sql.append_event(
        scope,
        "relabel",
        actor=row["annotator"],
        queue_id=existing["queue_id"],
        item_id=existing["item_id"],
        trace_id=row["trace_id"],
        annotation_id=existing["annotation_id"],
        payload={"target_id": row["target_id"], "old": old, "new": new},
    )
    return {"success": True, "annotation_id": existing["annotation_id"], "updated": True}


def _free_standing(scope: Scope, row: dict[str, Any]) -> dict[str, Any]:
    """A label outside any queue: one per rater per target."""
    with scope.db.atomic():
        existing = sql.find_own(
            scope,
            annotator=row["annotator"],
            trace_id=row["trace_id"],
            target_type=row["target_type"],
            queue_id=None,
        )
        if existing is not None:
            return _relabel(scope, existing, row)
        annotation_id = sql.insert_annotation(scope, row)
        events_sql.append_event(
            scope,
            "annotate",
            actor=row["annotator"],
            trace_id=row["trace_id"],
            annotation_id=annotation_id,
            payload={k: row[k] for k in ("target_id", "label", "score", "comment")},
        )
    return {"success": True, "annotation_id": annotation_id, "updated": False}


def _in_queue(
    scope: Scope,
    queue: dict[str, Any],
    raw: str,
    annotator: str,
    source: str,
    label: str | None,
    score: float | None,
    comment: str | None,
    shown_order: str | None = None,
    after_write: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """A label on a queue item: completes the rater's lease and counts towards done.

    `after_write(annotation_id)` runs inside the label's transaction (rubric answers).
    """
    ensure_open(queue)
    qid = queue["queue_id"]
    per_item = queue["annotations_per_item"]
    trace_id = parse_trace_id(raw)
    for attempt in range(MAX_ATTEMPTS):
        # Items store the canonical target id, so a queue label needs no separate resolve.
        state = items_sql.item_state(
            scope, qid, annotator, scope.now(), trace_id=trace_id, target_id=raw
        )
        if state is None and trace_id is None:
            # Another spelling of the target (e.g. upper-case run id): resolve it to its trace.
            case = _resolve_one(scope, queue["target_type"], raw)  # raises for unknown ids
            trace_id = case["trace_id"]
            state = items_sql.item_state(scope, qid, annotator, scope.now(), trace_id=trace_id)
        if state is None:
            # The queue may have been deleted since its settings were read: 404, not 400.
            if not queue_archived_at(scope, qid)[0]:
                forget_settings(scope, qid)
                raise NotFoundError(f"queue {qid} not found", details={"queue_id": qid})
            case = _resolve_one(scope, queue["target_type"], raw)
            raise ValidationError(
                f"target {canonical_target_id(queue['target_type'], case)} is not an item of "
                f"queue {qid}",
                details={"field": "target_id", "queue_id": qid},
            )
        row = _row(state, queue["target_type"], annotator, source, label, score, comment)
        # A rater holding an active claim on the item has not labelled it: claims skip items
        # the rater labelled, and a label completes the claim (both under the rater lock).
        existing = (
            None
            if state["my_claim_id"]
            else sql.find_in_queue(scope, qid, annotator, state["trace_id"])
        )
        if existing is not None:
            existing["queue_id"] = qid
            with scope.db.atomic():
                result = _relabel(scope, existing, row)
                if after_write is not None:
                    after_write(str(existing["annotation_id"]))
                return result
        _check_queue_rule(scope, queue, state)
        lease = _lease_outcome(scope, qid, state, annotator, per_item)
        done = state["done_count"] + 1
        # A label is never refused for lease reasons: a late label still counts (ADR 0003).
        status = item_status(done, state["n_live_others"], per_item)
        try:
            with scope.db.atomic():
                if items_sql.cas_item(
                    scope, state["item_id"], state["version"], status=status, done_count=done
                ):
                    if queue_archived_at(scope, qid)[1] is not None:  # archived since read
                        forget_settings(scope, qid)
                        raise ConflictError(
                            f"queue {qid} is archived (read-only)",
                            details={"queue_id": qid, "archived": True},
                        )
                    annotation_id = sql.insert_annotation(
                        scope, {**row, "queue_id": qid, "item_id": state["item_id"]}
                    )
                    if after_write is not None:
                        after_write(annotation_id)
                    if state["my_claim_id"]:
                        claims_sql.end_claim(
                            scope,
                            state["my_claim_id"],
                            "completed",
                            scope.now(),
                            shown_order=shown_order,
                        )
                    events_sql.append_event(
                        scope,
                        "annotate",
                        actor=row["annotator"],
                        queue_id=qid,
                        item_id=state["item_id"],
                        trace_id=row["trace_id"],
                        annotation_id=annotation_id,
                        payload={
                            **{k: row[k] for k in ("target_id", "label", "score", "comment")},
                            "claim_id": state["my_claim_id"],
                            "lease": lease,
                            **({"shown_order": shown_order} if shown_order else {}),
                        },
                    )
                    return {
                        "success": True,
                        "annotation_id": annotation_id,
                        "updated": False,
                        "item_id": state["item_id"],
                        "item_status": status,
                        "lease": lease,
                    }
        except TransactionConflict:
            pass
        backoff(attempt)
    raise ConflictError("the item is busy; try again", details={"retryable": True})


# Why a label in a queue was refused (409 `details.reason`).
QUEUE_RULE_REASONS = ("not_claimed", "lease_expired", "held_by_other", "item_full")


def _check_queue_rule(scope: Scope, queue: dict[str, Any], state: dict[str, Any]) -> None:
    """A new label in a queue needs the rater's live lease on the item, or, where the queue
    allows unclaimed labelling, an item with room that nobody else holds (409 otherwise)."""
    mine = state["my_claim_id"] is not None
    if mine and state["my_lease_expires_at"] > scope.now():
        return
    per_item = queue["annotations_per_item"]
    if queue.get("allow_unclaimed"):
        if state["done_count"] >= per_item:
            _refuse("item_full", f"the item already has its {per_item} label(s)")
        if state["done_count"] + state["n_live_others"] >= per_item:
            _refuse("held_by_other", "another rater holds this item; claim the next one")
        return
    if mine:
        _refuse("lease_expired", "your lease on this item ran out; claim an item again")
    _refuse(
        "not_claimed",
        "label queue items you claimed: claim the next item (POST /api/v1/annotations/queue) "
        "and label it while the lease is live",
    )


def _refuse(reason: str, message: str) -> None:
    """Raise the 409 of a queue rule with its reason code."""
    raise ConflictError(message, details={"reason": reason, "retryable": False})


def _lease_outcome(
    scope: Scope, queue_id: str, state: dict[str, Any], annotator: str, per_item: int
) -> str:
    """live, expired (ran out, item still free for us), taken (ran out, others took it) or none."""
    if state["my_claim_id"]:
        # An active claim that ran out was not marked expired: nobody claimed the item since.
        live = state["my_lease_expires_at"] > scope.now()
        return "live" if live else "expired"
    last = claims_sql.last_claim(scope, queue_id, state["item_id"], annotator)
    if last is None or last["status"] != "expired":
        return "none"
    others = state["n_live_others"] or state["done_count"] >= per_item
    return "taken" if others else "expired"


def list_queue_annotations(scope: Scope, queue_id: str) -> list[dict[str, Any]]:
    """Every label made in a queue."""
    queue = require_queue(scope, queue_id)
    return sql.list_queue_annotations(scope, queue["queue_id"])
