"""Routes for the data lifecycle: replace/retract/undo labels, archive, restore and delete
queues, remove items, delete runs, export or pseudonymise a rater, delete an organization's data.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from evalguard_core import auth, lifecycle
from evalguard_core.api.deps import ERROR_RESPONSES, Admin, Annotator, ScopeDep, StoreDep
from evalguard_core.errors import ValidationError
from evalguard_core.models import ErrorResponse
from evalguard_core.models.lifecycle import (
    ItemsRemove,
    ItemsRemoved,
    LabelChange,
    LabelHistory,
    LabelReplace,
    OrgDataDeleted,
    QueueDeleted,
    RaterExport,
    RaterPseudonymised,
    RetractRequest,
    RunDeleted,
    UndoRequest,
)
from evalguard_core.models.queues import QueuePublic

CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorResponse, "description": "State does not allow it (archived, referenced)"}
}

router = APIRouter(prefix="/v1", tags=["lifecycle"], responses={**ERROR_RESPONSES, **CONFLICT})


@router.patch(
    "/annotations/labels/{annotation_id}",
    response_model=LabelChange,
    summary="Replace your own label",
)
def replace_label(
    annotation_id: str, body: LabelReplace, scope: ScopeDep, actor: Annotator
) -> dict:
    """Give your label a new value while its queue is open; the event log keeps the old one."""
    return lifecycle.replace_label(scope, annotation_id, annotator=actor.name, **body.model_dump())


@router.post(
    "/annotations/labels/{annotation_id}/retract",
    response_model=LabelChange,
    summary="Retract a label (yours, or any with a reason as admin)",
)
def retract_label(
    annotation_id: str, body: RetractRequest, scope: ScopeDep, actor: Annotator
) -> dict:
    """Remove the label; its item goes back to the pool when it lacks its required labels."""
    return lifecycle.retract_label(
        scope, annotation_id, actor=actor.name, admin=actor.can("admin"), reason=body.reason
    )


@router.post(
    "/annotations/queue/undo",
    response_model=LabelChange,
    summary="Undo your latest label in a queue",
)
def undo(body: UndoRequest, scope: ScopeDep, actor: Annotator) -> dict:
    """Retract your latest label in the queue and lease its item to you again (`claim`)."""
    return lifecycle.undo_last(scope, str(body.queue_id), actor.name)


@router.get(
    "/annotations/history",
    response_model=LabelHistory,
    summary="Label history: every label, replacement and retraction (admin)",
)
def history(
    scope: ScopeDep,
    _: Admin,
    queue_id: Annotated[str | None, Query(description="only this queue")] = None,
    run_id: Annotated[str | None, Query(description="only cases of this run")] = None,
) -> dict:
    """The event log's label events, oldest first, with old values and reasons."""
    return {"events": lifecycle.label_history(scope, queue_id=queue_id, run_id=run_id)}


@router.post(
    "/annotations/queues/{queue_id}/archive",
    response_model=QueuePublic,
    summary="Archive a queue (admin)",
)
def archive_queue(queue_id: str, scope: ScopeDep, actor: Admin) -> dict:
    """Live leases end; no claims or labels until restored; hidden from default lists."""
    return lifecycle.archive_queue(scope, queue_id, actor=actor.name)


@router.post(
    "/annotations/queues/{queue_id}/restore",
    response_model=QueuePublic,
    summary="Restore an archived queue (admin)",
)
def restore_queue(queue_id: str, scope: ScopeDep, actor: Admin) -> dict:
    """Claims and labels are allowed again."""
    return lifecycle.restore_queue(scope, queue_id, actor=actor.name)


@router.delete(
    "/annotations/queues/{queue_id}",
    response_model=QueueDeleted,
    summary="Delete a queue with its items and leases (admin)",
)
def delete_queue(
    queue_id: str,
    scope: ScopeDep,
    actor: Admin,
    delete_labels: Annotated[
        bool, Query(description="also delete the queue's labels (kept, detached, by default)")
    ] = False,
) -> dict:
    """Items and leases go; labels stay (without the queue) unless delete_labels=true."""
    return lifecycle.delete_queue(scope, queue_id, actor=actor.name, delete_labels=delete_labels)


@router.post(
    "/annotations/queues/{queue_id}/items/remove",
    response_model=ItemsRemoved,
    summary="Remove items from a queue (admin)",
)
def remove_items(queue_id: str, body: ItemsRemove, scope: ScopeDep, actor: Admin) -> dict:
    """Unlabelled items; labelled ones (and their labels) only with include_labelled."""
    return lifecycle.remove_items(
        scope, queue_id, body.item_ids, actor=actor.name, include_labelled=body.include_labelled
    )


@router.delete("/runs/{run_id}", response_model=RunDeleted, summary="Delete a run (admin)")
def delete_run(
    run_id: str,
    scope: ScopeDep,
    actor: Admin,
    force: Annotated[
        bool, Query(description="also delete the labels and queue items that use the run")
    ] = False,
) -> dict:
    """Cases and scores go; 409 naming the counts while labels or items use it, unless forced."""
    return lifecycle.delete_run(scope, run_id, actor=actor.name, force=force)


@router.get(
    "/raters/{annotator}/export",
    response_model=RaterExport,
    summary="Everything one rater did (admin)",
)
def export_rater(annotator: str, scope: ScopeDep, _: Admin) -> dict:
    """Labels, leases, task labels and events of the rater in your organization."""
    return lifecycle.export_rater(scope, annotator)


@router.post(
    "/raters/{annotator}/pseudonymise",
    response_model=RaterPseudonymised,
    summary="Replace a departed rater's name by an alias (admin)",
)
def pseudonymise_rater(annotator: str, scope: ScopeDep, actor: Admin) -> dict:
    """Labels stay (agreement statistics still count them) under a stable alias."""
    return lifecycle.pseudonymise_rater(scope, annotator, actor=actor.name)


@router.delete(
    "/organization/data",
    response_model=OrgDataDeleted,
    summary="Delete all of your organization's data (admin)",
)
def delete_org_data(
    store: StoreDep,
    actor: Admin,
    confirm: Annotated[str, Query(description="your organization's name, to confirm")] = "",
) -> dict:
    """Every run, queue, label, task, job, event and key of the organization goes."""
    org = auth.resolve_org(store, actor.org_id)
    if confirm != org["name"]:
        raise ValidationError(
            f"pass confirm={org['name']} to delete all of this organization's data",
            details={"field": "confirm"},
        )
    return lifecycle.delete_org_data(store, org, actor=actor.name, keep_org=True)
