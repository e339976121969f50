"""The data lifecycle: correct or retract labels, archive and delete queues, items, runs and
organizations, export or pseudonymise a rater -- every change written to the event log.

Deletes remove rows (no soft-delete flags for every reader to remember); the append-only event
log keeps who removed what, when, why and the old values (docs/adr/0015-lifecycle.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from datetime import timedelta
from typing import Any

# `from evalguard_core import annotations` would find the __future__ feature of that name.
import evalguard_core.annotations as labelling
import evalguard_core.store.annotations as ann_sql
from evalguard_core import auth, claims, frontier, queues
from evalguard_core.claims import MAX_ATTEMPTS, backoff, claim_answer, item_status, rater_lock
from evalguard_core.errors import ConflictError, NotFoundError, ValidationError
from evalguard_core.store import Scope, Store, TransactionConflict
from evalguard_core.store import claims as claims_sql
from evalguard_core.store import events as events_sql
from evalguard_core.store import items as items_sql
from evalguard_core.store import lifecycle as sql
from evalguard_core.store import runs as runs_sql

MAX_REASON_CHARS = 2_000
MAX_ITEMS_PER_CALL = 10_000


def _reason(reason: str | None, *, required: bool) -> str | None:
    """A trimmed reason; ValidationError naming `reason` when required and missing."""
    reason = (reason or "").strip() or None
    if required and reason is None:
        raise ValidationError(
            "give a reason (it goes in the event log)", details={"field": "reason"}
        )
    if reason is not None and len(reason) > MAX_REASON_CHARS:
        raise ValidationError(
            f"reason is longer than {MAX_REASON_CHARS} characters", details={"field": "reason"}
        )
    return reason


def _require_annotation(scope: Scope, annotation_id: str) -> dict[str, Any]:
    """An annotation of the organization, or NotFoundError."""
    found = ann_sql.get_annotation(scope, str(annotation_id))
    if found is None:
        raise NotFoundError(
            f"label {annotation_id} not found", details={"annotation_id": str(annotation_id)}
        )
    return found


# -- labels --------------------------------------------------------------------------------------


def replace_label(
    scope: Scope,
    annotation_id: str,
    *,
    annotator: str,
    label: str | None = None,
    score: float | None = None,
    comment: str | None = None,
) -> dict[str, Any]:
    """Replace the caller's own label (open queues only); the event log keeps the old value."""
    found = _require_annotation(scope, annotation_id)
    if found["annotator"] != annotator:
        # Raters never learn of others' labels (blind rating): the same 404 as an unknown id.
        raise NotFoundError(
            f"label {annotation_id} not found", details={"annotation_id": annotation_id}
        )
    if found["source"] not in labelling.SOURCES:
        raise ConflictError(
            f"label {annotation_id} was {found['source']}ed; correct it where it came from",
            details={"annotation_id": annotation_id, "source": found["source"]},
        )
    return labelling.create_annotation(
        scope,
        annotator=annotator,
        target_id=found["trace_id"] if found["queue_id"] else found["target_id"],
        target_type=found["target_type"],
        label=label,
        score=score,
        comment=comment,
        queue_id=found["queue_id"],
        source=found["source"],
    )


def retract_label(
    scope: Scope,
    annotation_id: str,
    *,
    actor: str,
    admin: bool = False,
    reason: str | None = None,
) -> dict[str, Any]:
    """Remove a label: raters their own (open queue), admins any with a reason; item reopens."""
    found = _require_annotation(scope, annotation_id)
    own = found["annotator"] == actor
    if not own and not admin:
        raise NotFoundError(
            f"label {annotation_id} not found", details={"annotation_id": annotation_id}
        )
    why = _reason(reason, required=not own)
    with rater_lock(scope.org_id, found["annotator"]):
        return _retract(scope, found, actor=actor, reason=why, check_open=not admin)


def _retract(
    scope: Scope,
    found: dict[str, Any],
    *,
    actor: str,
    reason: str | None,
    check_open: bool,
    reclaim: bool = False,
) -> dict[str, Any]:
    """Delete the label, give the item its label back to the pool; optionally re-lease it."""
    old = {k: found[k] for k in ("label", "score", "comment", "annotator", "created_at")}
    payload = {"target_id": found["target_id"], "old": old, "reason": reason}
    qid = found["queue_id"]
    if qid is None or found["item_id"] is None:
        with scope.db.atomic():
            if not sql.delete_annotation(scope, found["annotation_id"]):
                raise NotFoundError(f"label {found['annotation_id']} not found")
            events_sql.append_event(
                scope,
                "retract",
                actor=actor,
                trace_id=found["trace_id"],
                annotation_id=found["annotation_id"],
                payload=payload,
            )
        return {"success": True, "annotation_id": found["annotation_id"], "item_status": None}
    queue = queues.require_queue(scope, qid)
    if check_open:
        queues.ensure_open(queue)
    per_item = queue["annotations_per_item"]
    rater = found["annotator"]
    for attempt in range(MAX_ATTEMPTS):
        now = scope.now()
        state = items_sql.item_state(scope, qid, rater, now, item_id=found["item_id"])
        if state is None:
            raise NotFoundError(f"item {found['item_id']} not found")
        done = max(state["done_count"] - 1, 0)
        mine = 1 if reclaim else 0
        status = item_status(done, state["n_live_others"] + mine, per_item)
        try:
            with scope.db.atomic():
                if not items_sql.cas_item(
                    scope, state["item_id"], state["version"], status=status, done_count=done
                ):
                    backoff(attempt)
                    continue
                if not sql.delete_annotation(scope, found["annotation_id"]):
                    raise NotFoundError(f"label {found['annotation_id']} not found")
                events_sql.append_event(
                    scope,
                    "retract",
                    actor=actor,
                    queue_id=qid,
                    item_id=state["item_id"],
                    trace_id=found["trace_id"],
                    annotation_id=found["annotation_id"],
                    payload={**payload, "undo": reclaim},
                )
                claim: tuple[str, Any] | None = None
                if reclaim:
                    expires = now + timedelta(seconds=queue["lease_seconds"])
                    claim_id = claims_sql.insert_claim(
                        scope, qid, state["item_id"], rater, now=now, expires=expires
                    )
                    events_sql.append_event(
                        scope,
                        "claim",
                        actor=rater,
                        queue_id=qid,
                        item_id=state["item_id"],
                        trace_id=found["trace_id"],
                        payload={"claim_id": claim_id, "lease_expires_at": expires.isoformat()},
                    )
                    claim = (claim_id, expires)
        except TransactionConflict:
            backoff(attempt)
            continue
        frontier.forget(scope, qid)  # the item may be open again
        out: dict[str, Any] = {
            "success": True,
            "annotation_id": found["annotation_id"],
            "item_id": state["item_id"],
            "item_status": status,
        }
        if claim is not None:
            out["claim"] = claim_answer(scope, queue, state, *claim)["item"]
        return out
    raise ConflictError("the item is busy; try again", details={"retryable": True})


def undo_last(scope: Scope, queue_id: str, annotator: str) -> dict[str, Any]:
    """Take back the rater's latest label in a queue and lease that item to them again.

    The item the rater held (the next one on screen) is given back first, so the rater holds
    only the item brought back.
    """
    queue = queues.require_queue(scope, queue_id)
    queues.ensure_open(queue)
    if sql.last_own_annotation(scope, queue["queue_id"], annotator) is None:
        raise ConflictError(
            "you have no label in this queue to undo", details={"queue_id": queue_id}
        )
    for held in claims_sql.rater_claims(scope, queue["queue_id"], annotator):
        if held["status"] == "active":
            with contextlib.suppress(ConflictError, NotFoundError):
                claims.release(scope, queue["queue_id"], held["item_id"], annotator)
    with rater_lock(scope.org_id, annotator):
        last = sql.last_own_annotation(scope, queue["queue_id"], annotator)
        if last is None:
            raise ConflictError(
                "you have no label in this queue to undo", details={"queue_id": queue_id}
            )
        found = _require_annotation(scope, last["annotation_id"])
        return _retract(scope, found, actor=annotator, reason="undo", check_open=True, reclaim=True)


def label_history(
    scope: Scope, *, queue_id: str | None = None, run_id: str | None = None
) -> list[dict[str, Any]]:
    """Every label, replacement and retraction as logged (oldest first)."""
    if queue_id is not None:
        queue_id = queues.require_queue(scope, queue_id)["queue_id"]
    return sql.label_history(scope, queue_id, run_id)


def queue_labels(
    scope: Scope, queue_id: str, *, annotator: str | None = None
) -> list[dict[str, Any]]:
    """Labels of a queue, newest first; only the rater's own when `annotator` is given."""
    found = labelling.list_queue_annotations(scope, queue_id)
    return [a for a in reversed(found) if annotator is None or a["annotator"] == annotator]


def retract_loss_text(found: dict[str, Any]) -> str:
    """What retracting one label loses, in one sentence (UI confirmation)."""
    value = found["label"] if found["label"] is not None else found["score"]
    return (
        f"Retracting {found['annotator']}'s label {value!r} on {found['target_id']} removes 1 "
        "label; its item goes back to the pool if it lacks its labels. The event log keeps the "
        "old value."
    )


# -- queues --------------------------------------------------------------------------------------


def archive_queue(scope: Scope, queue_id: str, *, actor: str) -> dict[str, Any]:
    """Archive a queue: live leases end, no claims or labels until restored, hidden by default."""
    queue = queues.require_queue(scope, queue_id)
    qid = queue["queue_id"]
    now = scope.now()
    with scope.db.atomic():
        _exists, archived = sql.queue_archived_at(scope, qid)
        if archived is not None:
            raise ConflictError(f"queue {qid} is archived already", details={"queue_id": qid})
        sql.lock_items(scope, qid)
        sql.set_archived(scope, qid, now)
        ended = sql.end_active_claims(scope, qid, now, queue["annotations_per_item"])
        events_sql.append_event(
            scope, "queue_archive", actor=actor, queue_id=qid, payload={"leases_ended": ended}
        )
    queues.forget_settings(scope, qid)
    frontier.forget(scope, qid)
    return {**queues.get_queue(scope, qid), "leases_ended": ended}


def restore_queue(scope: Scope, queue_id: str, *, actor: str) -> dict[str, Any]:
    """Bring an archived queue back (claims and labels allowed again)."""
    queue = queues.require_queue(scope, queue_id)
    qid = queue["queue_id"]
    with scope.db.atomic():
        _exists, archived = sql.queue_archived_at(scope, qid)
        if archived is None:
            raise ConflictError(f"queue {qid} is not archived", details={"queue_id": qid})
        sql.set_archived(scope, qid, None)
        events_sql.append_event(scope, "queue_restore", actor=actor, queue_id=qid)
    queues.forget_settings(scope, qid)
    frontier.forget(scope, qid)
    return queues.get_queue(scope, qid)


def queue_deletion_preview(scope: Scope, queue_id: str) -> dict[str, Any]:
    """What deleting a queue would remove (the UI names it before asking to confirm)."""
    queue = queues.require_queue(scope, queue_id)
    return {
        "queue_id": queue["queue_id"],
        "name": queue["name"],
        **sql.queue_counts(scope, queue["queue_id"]),
    }


def queue_loss_text(preview: dict[str, Any], *, delete_labels: bool) -> str:
    """What deleting a queue loses, in one sentence (UI confirmation, CLI dry run)."""
    labels = (
        f"its {preview['labels']} label(s) are deleted too"
        if delete_labels
        else f"its {preview['labels']} label(s) are kept (without the queue)"
    )
    return (
        f"Deleting queue {preview['name']!r} removes {preview['items']} item(s) and "
        f"{preview['active_leases']} live lease(s); {labels}. This cannot be undone."
    )


def run_loss_text(preview: dict[str, Any]) -> str:
    """What deleting a run loses, in one sentence."""
    return (
        f"Deleting run {preview['name']!r} removes {preview['cases']} case(s), "
        f"{preview['scores']} score(s), {preview['labels']} label(s), {preview['queue_items']} "
        f"queue item(s) and {preview['task_items']} task item(s). This cannot be undone."
    )


def delete_queue(
    scope: Scope, queue_id: str, *, actor: str, delete_labels: bool = False
) -> dict[str, Any]:
    """Delete a queue with its items and leases; labels are kept (detached) unless asked."""
    queue = queues.require_queue(scope, queue_id)
    qid = queue["queue_id"]
    # Refuse new claims first, so raters racing the delete get 409/404, not a half-deleted queue.
    queues.forget_settings(scope, qid)
    for attempt in range(MAX_ATTEMPTS):
        try:
            with scope.db.atomic():
                exists, _ = sql.queue_archived_at(scope, qid)
                if not exists:
                    raise NotFoundError(f"queue {qid} not found", details={"queue_id": qid})
                counts = sql.queue_counts(scope, qid)
                removed = sql.delete_queue(scope, qid, delete_labels=delete_labels)
                events_sql.append_event(
                    scope,
                    "queue_delete",
                    actor=actor,
                    queue_id=qid,
                    payload={
                        "name": queue["name"],
                        "delete_labels": delete_labels,
                        "removed": removed,
                        "labels_kept": 0 if delete_labels else counts["labels"],
                    },
                )
            break
        except TransactionConflict:
            backoff(attempt)
    else:
        raise ConflictError("the queue is busy; try again", details={"retryable": True})
    queues.forget_settings(scope, qid)
    frontier.forget(scope, qid)
    return {
        "success": True,
        "queue_id": qid,
        "name": queue["name"],
        "items_deleted": removed["items"],
        "leases_deleted": removed["claims"],
        "labels_deleted": removed["labels"] if delete_labels else 0,
        "labels_kept": 0 if delete_labels else removed["labels"],
    }


def queue_items(scope: Scope, queue_id: str, *, limit: int = 1_000) -> list[dict[str, Any]]:
    """A queue's items in id order with their label counts (for choosing what to remove)."""
    queue = queues.require_queue(scope, queue_id)
    return sql.list_items(scope, queue["queue_id"], limit)


def items_removal_preview(scope: Scope, queue_id: str, item_ids: list[int]) -> dict[str, Any]:
    """What removing these items would remove: items, how many are labelled, their labels."""
    queue = queues.require_queue(scope, queue_id)
    ids = sorted({_item_id(i) for i in item_ids})
    found = sql.items_by_id(scope, queue["queue_id"], ids) if ids else []
    labelled = [r for r in found if r["done_count"] > 0]
    return {
        "queue_id": queue["queue_id"],
        "name": queue["name"],
        "items": len(found),
        "labelled_items": len(labelled),
        "labels": sum(int(r["done_count"]) for r in labelled),
    }


def items_loss_text(preview: dict[str, Any], *, include_labelled: bool) -> str:
    """What removing items loses, in one sentence (UI confirmation)."""
    text = f"Removing {preview['items']} item(s) from queue {preview['name']!r} ends their leases"
    if preview["labelled_items"] and include_labelled:
        text += (
            f" and deletes the {preview['labels']} label(s) of the "
            f"{preview['labelled_items']} labelled one(s)"
        )
    elif preview["labelled_items"]:
        text += (
            f"; {preview['labelled_items']} of them have labels and are refused unless you "
            "include labelled items"
        )
    return text + ". This cannot be undone."


def remove_items(
    scope: Scope,
    queue_id: str,
    item_ids: list[int],
    *,
    actor: str,
    include_labelled: bool = False,
) -> dict[str, Any]:
    """Remove items from a queue: unlabelled ones; labelled ones (and labels) only when asked."""
    queue = queues.require_queue(scope, queue_id)
    queues.ensure_open(queue)
    qid = queue["queue_id"]
    ids = sorted({_item_id(i) for i in item_ids})
    if not ids:
        raise ValidationError("item_ids is empty", details={"field": "item_ids"})
    if len(ids) > MAX_ITEMS_PER_CALL:
        raise ValidationError(
            f"at most {MAX_ITEMS_PER_CALL} items per call", details={"field": "item_ids"}
        )
    for attempt in range(MAX_ATTEMPTS):
        try:
            with scope.db.atomic():
                found = sql.items_by_id(scope, qid, ids)
                missing = sorted(set(ids) - {r["item_id"] for r in found})
                if missing:
                    raise NotFoundError(
                        f"{len(missing)} item(s) not in queue {qid}: "
                        f"{', '.join(map(str, missing[:20]))}; nothing was removed",
                        details={"field": "item_ids", "missing": missing[:1000]},
                    )
                labelled = [r["item_id"] for r in found if r["done_count"] > 0]
                if labelled and not include_labelled:
                    raise ConflictError(
                        f"{len(labelled)} of the items have labels; nothing was removed (pass "
                        "include_labelled to remove them and their labels)",
                        details={"field": "item_ids", "labelled": labelled[:1000]},
                    )
                removed = sql.delete_items(scope, qid, ids, delete_labels=True)
                events_sql.append_event(
                    scope,
                    "items_remove",
                    actor=actor,
                    queue_id=qid,
                    payload={"item_ids": ids, "removed": removed},
                )
            break
        except TransactionConflict:
            backoff(attempt)
    else:
        raise ConflictError("the queue is busy; try again", details={"retryable": True})
    frontier.forget(scope, qid)
    return {
        "success": True,
        "queue_id": qid,
        "items_removed": removed["items"],
        "leases_deleted": removed["claims"],
        "labels_deleted": removed["labels"],
    }


def _item_id(raw: object) -> int:
    """An item id as an int, or ValidationError naming `item_ids`."""
    try:
        if isinstance(raw, bool):
            raise TypeError
        return int(str(raw).strip())
    except (TypeError, ValueError):
        raise ValidationError(
            f"item id {raw!r} is not an integer", details={"field": "item_ids"}
        ) from None


# -- runs ----------------------------------------------------------------------------------------


def _require_run(scope: Scope, run_id: str) -> dict[str, Any]:
    """A run of the organization, or NotFoundError."""
    run = runs_sql.get_run(scope, str(run_id))
    if run is None:
        raise NotFoundError(f"run {run_id} not found", details={"run_id": str(run_id)})
    return run


def run_deletion_preview(scope: Scope, run_id: str) -> dict[str, Any]:
    """What deleting a run removes: its cases and scores, and the labels and items on it."""
    run = _require_run(scope, run_id)
    return {
        "run_id": run["run_id"],
        "name": run["name"],
        **sql.run_references(scope, run["run_id"]),
    }


def check_run_deletable(preview: dict[str, Any]) -> None:
    """ConflictError naming the counts when labels or items use the run (delete needs force)."""
    used = {k: preview[k] for k in ("labels", "queue_items", "task_items") if preview[k]}
    if used:
        what = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in used.items())
        raise ConflictError(
            f"run {preview['run_id']} is referenced by {what}; nothing was deleted (force to "
            "delete them too)",
            details={"run_id": preview["run_id"], **used},
        )


def delete_run(scope: Scope, run_id: str, *, actor: str, force: bool = False) -> dict[str, Any]:
    """Delete a run, its cases and scores; refused while labels or items use it, unless forced."""
    run = _require_run(scope, run_id)
    rid = run["run_id"]
    for attempt in range(MAX_ATTEMPTS):
        try:
            with scope.db.atomic():
                if not force:
                    check_run_deletable({"run_id": rid, **sql.run_references(scope, rid)})
                removed = sql.delete_run(scope, rid)
                events_sql.append_event(
                    scope,
                    "run_delete",
                    actor=actor,
                    payload={
                        "run_id": rid,
                        "name": run["name"],
                        "force": force,
                        "removed": removed,
                    },
                )
            break
        except TransactionConflict:
            backoff(attempt)
    else:
        raise ConflictError("the run is busy; try again", details={"retryable": True})
    if removed["queue_items"]:
        frontier.forget_all(scope)
    return {"success": True, "run_id": rid, "name": run["name"], **removed}


# -- organizations and raters --------------------------------------------------------------------


def org_deletion_preview(store: Store, org_id: str) -> dict[str, int]:
    """Rows per table an organization holds."""
    return sql.org_row_counts(store, org_id)


def org_loss_text(org: dict[str, Any], counts: dict[str, int], *, remove_org: bool) -> str:
    """What deleting an organization's data loses, in one sentence (CLI dry run, UI)."""
    rows = ", ".join(f"{n} {t}" for t, n in counts.items() if n) or "no rows"
    return (
        f"would delete every row of organization {org['name']!r}: {rows}"
        + (" and the organization" if remove_org else "")
        + ". This cannot be undone."
    )


def delete_org_data(
    store: Store, org: dict[str, Any], *, actor: str, keep_org: bool = False
) -> dict[str, Any]:
    """Offboarding: delete every row of an organization (and, unless kept, the organization)."""
    if org.get("is_default") and not keep_org:
        raise ValidationError(
            "the default organization cannot be removed; keep it (its data is still deleted)",
            details={"field": "keep_org"},
        )
    org_id = org["org_id"]
    with store.db.atomic():
        removed = sql.delete_org(store, org_id, keep_org=keep_org)
        if keep_org:
            # The one event that survives says who emptied the organization and what went.
            events_sql.append_event(
                store.scope(org_id), "org_delete_data", actor=actor, payload={"removed": removed}
            )
    frontier.forget_all(store.scope(org_id))
    queues.forget_org(store.scope(org_id))
    # The organization's keys are gone: no cached sign-in may outlive them.
    auth.forget_cached_keys()
    return {
        "success": True,
        "org_id": org_id,
        "name": org["name"],
        "kept_org": keep_org,
        "removed": removed,
    }


def export_rater(scope: Scope, annotator: str) -> dict[str, Any]:
    """Everything one rater did in the organization (labels, leases, task labels, events)."""
    name = (annotator or "").strip()
    if not name:
        raise ValidationError("name the rater", details={"field": "annotator"})
    data = sql.rater_activity(scope, name)
    if not any(data.values()):
        raise NotFoundError(
            f"rater {name!r} not found (no labels, leases or events)", details={"annotator": name}
        )
    return {"annotator": name, **data}


def rater_json(export: dict[str, Any]) -> str:
    """A rater export as indented JSON (times as text): what the CLI writes and the UI offers."""
    return json.dumps(export, indent=2, default=str)


def rater_counts(export: dict[str, Any]) -> dict[str, int]:
    """Rows per kind in a rater export (labels, claims, task_labels, events)."""
    return {k: len(v) for k, v in export.items() if k != "annotator"}


def pseudonym(org_id: str, annotator: str) -> str:
    """A stable alias for a rater in an organization (not reversible without the name)."""
    digest = hashlib.sha256(f"{org_id}\x00{annotator}".encode()).hexdigest()
    return f"rater-{digest[:12]}"


def rater_preview(org_id: str, export: dict[str, Any]) -> dict[str, Any]:
    """From a rater export: the name, its alias and how many rows of each kind carry it."""
    name = export["annotator"]
    return {"annotator": name, "alias": pseudonym(org_id, name), **rater_counts(export)}


def pseudonymise_loss_text(preview: dict[str, Any]) -> str:
    """What pseudonymising a rater changes, in one sentence (UI confirmation)."""
    return (
        f"Replaces the name {preview['annotator']!r} by {preview['alias']} on "
        f"{preview['labels']} label(s), {preview['claims']} lease(s), {preview['task_labels']} "
        f"task label(s) and {preview['events']} event(s); the labels stay valid. The name "
        "cannot be brought back."
    )


def pseudonymise_rater(scope: Scope, annotator: str, *, actor: str) -> dict[str, Any]:
    """Replace a departed rater's name by an alias everywhere; labels stay valid for agreement."""
    name = (annotator or "").strip()
    if not name:
        raise ValidationError("name the rater", details={"field": "annotator"})
    alias = pseudonym(scope.org_id, name)
    if sql.name_in_use(scope, alias):
        raise ConflictError(f"rater {name!r} is pseudonymised already as {alias}")
    with rater_lock(scope.org_id, name), scope.db.atomic():
        if not sql.name_in_use(scope, name):
            raise NotFoundError(
                f"rater {name!r} not found (no labels or leases)", details={"annotator": name}
            )
        renamed = sql.rename_rater(scope, name, alias)
        # The event names only the alias: the point is that the name leaves the store.
        events_sql.append_event(
            scope, "rater_pseudonymise", actor=actor, payload={"alias": alias, "renamed": renamed}
        )
    frontier.forget_all(scope)
    return {"success": True, "alias": alias, "renamed": renamed}


# -- referential check ---------------------------------------------------------------------------


def store_check(store: Store) -> dict[str, Any]:
    """Every referential check with its failing-row count; ok when all are zero."""
    checks = [{"check": what, "rows": n} for what, n in sql.orphan_counts(store)]
    return {"ok": all(c["rows"] == 0 for c in checks), "checks": checks}


__all__ = [
    "archive_queue",
    "check_run_deletable",
    "delete_org_data",
    "delete_queue",
    "delete_run",
    "export_rater",
    "label_history",
    "pseudonymise_rater",
    "remove_items",
    "replace_label",
    "restore_queue",
    "retract_label",
    "store_check",
    "undo_last",
]
