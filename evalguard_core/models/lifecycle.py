"""Request and response bodies of the lifecycle routes (correct, retract, archive, delete)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import Field

from evalguard_core.models import InputModel, OutputModel


class LabelReplace(InputModel):
    """`PATCH /api/v1/annotations/labels/{annotation_id}`: your new value for your own label."""

    label: str | None = None
    score: float | None = None
    comment: str | None = None


class RetractRequest(InputModel):
    """`POST …/labels/{annotation_id}/retract`: a reason (required for others' labels)."""

    reason: str | None = Field(default=None, max_length=2000)


class UndoRequest(InputModel):
    """`POST /api/v1/annotations/queue/undo`: the queue whose latest label of yours to undo."""

    queue_id: UUID


class ItemsRemove(InputModel):
    """`POST …/queues/{queue_id}/items/remove` (admin)."""

    item_ids: list[int] = Field(min_length=1, max_length=10_000)
    include_labelled: bool = Field(
        default=False, description="also remove items that have labels (their labels go too)"
    )


class LabelChange(OutputModel):
    """The result of replacing or retracting a label."""

    success: bool = True
    annotation_id: str
    updated: bool | None = None
    item_id: int | None = None
    item_status: str | None = None
    claim: dict[str, Any] | None = None


class QueueDeleted(OutputModel):
    """What deleting a queue removed."""

    success: bool = True
    queue_id: str
    name: str
    items_deleted: int
    leases_deleted: int
    labels_deleted: int
    labels_kept: int


class ItemsRemoved(OutputModel):
    """What removing items removed."""

    success: bool = True
    queue_id: str
    items_removed: int
    leases_deleted: int
    labels_deleted: int


class RunDeleted(OutputModel):
    """What deleting a run removed."""

    success: bool = True
    run_id: str
    name: str
    cases: int
    scores: int
    labels: int
    queue_items: int
    task_items: int
    claims: int


class LabelHistory(OutputModel):
    """Every annotate, relabel, retract event, oldest first."""

    events: list[dict[str, Any]]


class RaterExport(OutputModel):
    """Everything one rater did."""

    annotator: str
    labels: list[dict[str, Any]]
    claims: list[dict[str, Any]]
    task_labels: list[dict[str, Any]]
    events: list[dict[str, Any]]


class RaterPseudonymised(OutputModel):
    """The alias that replaced a rater's name, and the rows renamed."""

    success: bool = True
    alias: str
    renamed: dict[str, int]


class OrgDataDeleted(OutputModel):
    """Rows deleted per table."""

    success: bool = True
    org_id: str
    name: str
    kept_org: bool
    removed: dict[str, int]
