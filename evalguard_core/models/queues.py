"""Models for queues, items, claims, annotations and the event log."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import Field, StrictStr

from evalguard_core import bounds
from evalguard_core.models import Count, InputModel, Number, OutputModel
from evalguard_core.models.runs import CaseContent

TargetType = Literal["eval_case", "trace", "pairwise"]


class QueueCreate(InputModel):
    """`POST /api/v1/annotations/queues` (admin)."""

    name: str = Field(min_length=1, max_length=bounds.NAME_MAX_CHARS)
    target_type: TargetType = "eval_case"
    label_options: list[str] | None = Field(
        default=None, min_length=1, max_length=bounds.QUEUE_LABEL_OPTIONS_MAX
    )
    score_min: Number | None = None
    score_max: Number | None = None
    instructions: str | None = Field(default=None, max_length=bounds.INSTRUCTIONS_MAX_CHARS)
    annotations_per_item: Count = Field(
        default=bounds.ANNOTATIONS_PER_ITEM_DEFAULT,
        ge=bounds.ANNOTATIONS_PER_ITEM_MIN,
        le=bounds.ANNOTATIONS_PER_ITEM_MAX,
    )
    lease_seconds: Count = Field(
        default=bounds.LEASE_SECONDS_DEFAULT,
        ge=bounds.LEASE_SECONDS_MIN,
        le=bounds.LEASE_SECONDS_MAX,
    )
    allow_unclaimed: bool = Field(
        default=False,
        strict=True,
        description="accept labels on items the rater did not claim (while the item has room)",
    )


class QueueUpdate(InputModel):
    """`PATCH /api/v1/annotations/queues/{id}` (admin): only the fields sent change."""

    name: str | None = Field(default=None, min_length=1, max_length=bounds.NAME_MAX_CHARS)
    label_options: list[str] | None = Field(
        default=None, min_length=1, max_length=bounds.QUEUE_LABEL_OPTIONS_MAX
    )
    score_min: Number | None = None
    score_max: Number | None = None
    instructions: str | None = Field(default=None, max_length=bounds.INSTRUCTIONS_MAX_CHARS)
    annotations_per_item: Count | None = Field(
        default=None, ge=bounds.ANNOTATIONS_PER_ITEM_MIN, le=bounds.ANNOTATIONS_PER_ITEM_MAX
    )
    lease_seconds: Count | None = Field(
        default=None, ge=bounds.LEASE_SECONDS_MIN, le=bounds.LEASE_SECONDS_MAX
    )
    allow_unclaimed: bool | None = Field(default=None, strict=True)


class ItemsAdd(InputModel):
    """`POST /api/v1/annotations/queues/items` (admin)."""

    queue_id: UUID
    target_ids: list[StrictStr | Count] = Field(
        min_length=1,
        max_length=bounds.TARGETS_PER_CALL_MAX,
        description="`<run_id>:<case_id>` or numeric trace ids (pairwise: cases of pairwise runs)",
    )


class ClaimRequest(InputModel):
    """`POST /api/v1/annotations/queue`: claim the next item."""

    queue_id: UUID


class LeaseRequest(InputModel):
    """Release or heartbeat a lease; admins may name another rater's lease to release."""

    queue_id: UUID
    item_id: Count = Field(ge=1, le=2**63 - 1)
    annotator: str | None = Field(
        default=None,
        min_length=1,
        max_length=bounds.NAME_MAX_CHARS,
        description="release only, admin only: whose lease to release (default: yours)",
    )


class HeartbeatRequest(InputModel):
    """`POST /api/v1/annotations/queue/heartbeat`."""

    queue_id: UUID
    item_id: Count = Field(ge=1, le=2**63 - 1)


class AnnotationCreate(InputModel):
    """`POST /api/v1/annotations`: exactly these fields; anything else is a 400."""

    target_id: StrictStr | Count = Field(description="`<run_id>:<case_id>` or a numeric trace id")
    target_type: TargetType
    score: Number | None = None
    label: str | None = Field(default=None, min_length=1, max_length=bounds.LABEL_MAX_CHARS)
    comment: str | None = Field(default=None, max_length=bounds.COMMENT_MAX_CHARS)
    queue_id: UUID | None = None


class Progress(OutputModel):
    """Item counts of a queue (live leases decide claimed vs pending) and label count."""

    total: int
    pending: int
    claimed: int
    done: int
    annotations: int


class RaterProgress(OutputModel):
    """Labels and live leases of one rater in a queue."""

    annotator: str
    annotations: int
    claimed: int


class QueuePublic(OutputModel):
    """A queue's settings and progress."""

    queue_id: str
    name: str
    target_type: str
    label_options: list[str]
    score_min: float | None = None
    score_max: float | None = None
    instructions: str | None = None
    annotations_per_item: int
    lease_seconds: int
    allow_unclaimed: bool = False
    created_by: str | None = None
    created_at: datetime
    updated_at: datetime
    progress: Progress
    per_rater: list[RaterProgress] = []


class QueueList(OutputModel):
    """`GET /api/v1/annotations/queues`."""

    queues: list[QueuePublic]


class ItemsAdded(OutputModel):
    """Result of a bulk add."""

    success: bool = True
    added: int
    duplicates: int


class ClaimedItem(CaseContent):
    """What a rater labels: the case content, never scores or the judge's verdict."""

    item_id: int
    queue_id: str
    target_id: str
    target_type: str
    run_id: str
    claim_id: str
    lease_expires_at: datetime


class ClaimResponse(OutputModel):
    """`POST /api/v1/annotations/queue`."""

    success: bool = True
    item: ClaimedItem
    lease_expires_at: datetime


class ReleaseResponse(OutputModel):
    """A lease given back."""

    success: bool = True
    item_id: int
    status: str


class HeartbeatResponse(OutputModel):
    """A lease extended."""

    success: bool = True
    item_id: int
    lease_expires_at: datetime


class LiveClaim(OutputModel):
    """One live lease."""

    claim_id: str
    item_id: int
    target_id: str
    trace_id: int
    annotator: str
    claimed_at: datetime
    lease_expires_at: datetime
    seconds_left: float


class ClaimList(OutputModel):
    """`GET /api/v1/annotations/queues/{id}/claims` (admin)."""

    queue_id: str
    claims: list[LiveClaim]


class AnnotationCreated(OutputModel):
    """`POST /api/v1/annotations`."""

    success: bool = True
    annotation_id: str
    updated: bool = False


class Event(OutputModel):
    """One entry of the append-only event log."""

    event_id: int
    at: datetime
    actor: str | None = None
    kind: str
    queue_id: str | None = None
    item_id: int | None = None
    trace_id: int | None = None
    annotation_id: str | None = None
    payload: Any = None


class EventPage(OutputModel):
    """`GET /api/v1/annotations/queues/{id}/events`."""

    events: list[Event]
    total: int
    limit: int
    offset: int
